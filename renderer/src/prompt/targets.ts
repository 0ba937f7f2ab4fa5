import type { ServerView } from '../../../core/contract/servers'
import type { StrategyName, TaskTarget, TaskView, WorkspaceRequestInput } from '../../../core/contract/tasks'
import type { ApiClient } from '../api/client'
import { splitPromptBatch } from '../../../core/view/promptBatch'

/** One entry of the prompt bar's Target selector. */
export interface TargetOption {
  value: string
  label: string
  strategy?: StrategyName
  target: TaskTarget
}

export const STRATEGIES: readonly StrategyName[] = ['round-robin', 'least-loaded', 'random']

export function targetOptions(servers: readonly ServerView[]): TargetOption[] {
  return [
    ...STRATEGIES.map((strategy) => ({ value: `strategy:${strategy}`, label: strategy, strategy, target: { kind: 'any', strategy } as const })),
    ...servers.map((s) => ({ value: `server:${s.id}`, label: s.name, target: { kind: 'server', serverId: s.id } as const })),
    { value: 'broadcast', label: 'broadcast', target: { kind: 'broadcast' } as const },
  ]
}

/**
 * The target a submit sends: broadcast goes to the servers ticked in the prompt bar (all of them
 * unless some were unticked), named explicitly so what the user saw is what runs.
 */
export function resolveTarget(option: TargetOption, servers: readonly ServerView[], excluded: ReadonlySet<string>): TaskTarget | null {
  if (option.target.kind !== 'broadcast') return option.target
  const serverIds = servers.map((s) => s.id).filter((id) => !excluded.has(id))
  return serverIds.length > 0 ? { kind: 'broadcast', serverIds } : null
}

/** The option after (or before) `value`, wrapping around. */
export function cycleTarget(options: readonly TargetOption[], value: string, step: 1 | -1 = 1): string {
  if (options.length === 0) return value
  const index = options.findIndex((o) => o.value === value)
  return options[(index + step + options.length) % options.length].value
}

/** The prompts in the text: the whole text, one per non-empty line, or blocks between `---` lines (core/view/promptBatch). */
export function splitPrompts(text: string, onePerLine: boolean): string[] {
  return splitPromptBatch(text, { onePerLine })
}

/** The target when none was chosen: any server, by the settings' strategy at the time each task binds. */
export const FOLLOW_SETTINGS: TaskTarget = { kind: 'any' }

/**
 * Submits prompts to a target. A per-prompt strategy travels in the target ({kind: 'any',
 * strategy}) and never changes the settings' strategy, which other windows and tasks use.
 */
export async function submitPrompts(api: Pick<ApiClient, 'tasks.submit'>, prompts: string[], target: TaskTarget, workspace?: WorkspaceRequestInput): Promise<TaskView[]> {
  if (prompts.length === 0) return []
  return api['tasks.submit']({ tasks: prompts.map((prompt) => (workspace ? { prompt, target, workspace } : { prompt, target })) })
}
