import { formatDuration } from '../../core/view/ansi'
import type { ServerView } from '../../core/contract/servers'
import { isFinalState, type TaskView, type Tokens } from '../../core/contract/tasks'

export { formatDuration }

/** "12 s ago"; "—" when it never happened. */
export function ago(at: number | undefined, now: number): string {
  if (at === undefined) return '—'
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  return `${seconds} s ago`
}

/** How long the server has been up; none when it is not running. */
export function uptime(server: ServerView, now: number): string {
  const since = server.readyAt ?? server.startedAt
  if (since === undefined || server.state === 'stopped' || server.state === 'failed') return '—'
  return formatDuration(Math.max(0, now - since))
}

export function taskDuration(task: TaskView, now: number): string {
  if (task.result) return formatDuration(task.result.durationMs)
  if (task.startedAt === undefined) return '—'
  return formatDuration(Math.max(0, (task.endedAt ?? now) - task.startedAt))
}

export function formatTokens(tokens: Tokens | undefined): string {
  if (!tokens) return '—'
  return `${compact(tokens.input + tokens.cacheRead)} in / ${compact(tokens.output + tokens.reasoning)} out`
}

export function formatCost(cost: number | undefined): string {
  if (cost === undefined) return '—'
  return cost === 0 ? '$0' : cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(Math.round(n))
}

export function isFinal(task: TaskView): boolean {
  return isFinalState(task.state)
}

/** A task in one line: its title, else its prompt's first line. */
export function taskLabel(task: TaskView, max = 80): string {
  const text = (task.title || task.prompt).replace(/\s+/g, ' ').trim()
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}
