import { BINDINGS, commandFor, describeBinding, type CommandId, type KeyLike } from '../../../core/view/keymap'
import type { ResultAction } from './resultFacts'

export interface ResultKey {
  action: ResultAction
  /** The key map's command for it (keys, the native menu and the palette run the same one). */
  command: CommandId
  /** As the help, tooltips and the palette show it. */
  keys: string
  description: string
  /** The palette's name for it (the task's label follows). */
  label: string
}

const COMMANDS: Record<ResultAction, CommandId> = {
  land: 'result.land',
  squash: 'result.squash',
  discard: 'result.discard',
  keep: 'result.keep',
  followUp: 'result.followUp',
}
const LABELS: Record<ResultAction, string> = { land: 'Land (merge)', squash: 'Land as one commit', discard: 'Discard result…', keep: 'Keep branch', followUp: 'Follow up…' }

/**
 * The selected task's result actions and their keys (from core/view/keymap). The keys work while
 * focus is in the tasks view (or nowhere in particular) and nobody is typing, like the inbox's.
 */
export const RESULT_KEYS: readonly ResultKey[] = (['land', 'squash', 'followUp', 'discard', 'keep'] as const).map((action) => ({
  action,
  command: COMMANDS[action],
  keys: describeBinding(COMMANDS[action]) ?? '',
  description: BINDINGS.find((b) => b.id === COMMANDS[action])?.description ?? action,
  label: LABELS[action],
}))

/** Keys of the tasks list itself (shown in the help beside the result keys). */
export const TASK_LIST_KEYS: ReadonlyArray<{ keys: string; description: string }> = [
  { keys: '↑ / ↓', description: 'Select the previous or next task' },
  { keys: 'Enter', description: 'Open the focused task’s detail' },
]

/** The result action a command id means, or null for any other command. */
export function resultActionOf(id: CommandId): ResultAction | null {
  return RESULT_KEYS.find((k) => k.command === id)?.action ?? null
}

/** The result action a key means in the tasks view (through the key map), or null. */
export function resultKeyFor(key: KeyLike): ResultAction | null {
  const command = commandFor(key, { inResults: true })
  return command ? resultActionOf(command.id) : null
}

export function resultKeyOf(action: ResultAction): string {
  return RESULT_KEYS.find((k) => k.action === action)!.keys
}
