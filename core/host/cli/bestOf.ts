import type { CompareEntry, TaskSpecInput } from '../../contract/tasks'
import { sanitizeTerminalText as safe } from '../../view/terminalText'

/**
 * `flotilla run --best-of N PROMPT`: one prompt, N attempts anywhere in the fleet, each in its own
 * workspace (they are compared, so they must not share a folder); with several `--model`s the
 * attempts take them in turn (attempt i gets model i mod M), so N = 2 × M tries each model twice.
 */
export function bestOfTasks(template: TaskSpecInput, attempts: number, models: readonly string[]): TaskSpecInput[] {
  if (!Number.isInteger(attempts) || attempts < 2) throw new Error(`expected --best-of of at least 2 attempts, got ${attempts}`)
  return Array.from({ length: attempts }, (_, i) => ({ ...template, ...(models.length ? { model: models[i % models.length] } : {}) }))
}

/**
 * The attempt --land takes: the best-ranked one that changed something and whose verify did not
 * fail (without --verify, the best that changed something); undefined when none is fit to land.
 */
export function attemptToLand(entries: readonly CompareEntry[]): CompareEntry | undefined {
  return [...entries].sort((a, b) => a.rank - b.rank).find((e) => e.state === 'completed' && e.diffLines + e.files > 0 && e.verify !== 'failed')
}

/** The ranking as `flotilla run` prints it: the rule, then one line per attempt, best first. */
export function rankingLines(rule: string, entries: readonly CompareEntry[], serverName: (id: string) => string): string[] {
  const lines = [`Ranking (${rule}):`]
  for (const e of [...entries].sort((a, b) => a.rank - b.rank)) {
    const facts = [
      e.serverId ? serverName(e.serverId) : 'no server',
      e.model,
      e.state === 'completed' ? `${e.files} file${e.files === 1 ? '' : 's'}, ${e.diffLines} line${e.diffLines === 1 ? '' : 's'}` : e.state,
      e.verify === 'none' ? undefined : `verify ${e.verify}`,
      e.merges === undefined ? undefined : e.merges ? 'merges cleanly' : 'conflicts',
      e.durationMs === undefined ? undefined : `${(e.durationMs / 1000).toFixed(1)} s`,
      `$${e.cost.toFixed(4)}`,
    ].filter((f): f is string => Boolean(f))
    lines.push(`  #${e.rank} ${e.taskId}  ${safe(facts.join(' · '))}  — ${safe(e.reason)}`)
  }
  return lines
}
