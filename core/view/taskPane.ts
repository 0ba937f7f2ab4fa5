import { ansi, oneLine } from './ansi'
import { sanitizeTerminalText } from './terminalText'

/** What a task pane (or a list row) calls a task: its title, else its prompt's first line that says something. */
export function taskTitle(task: { title?: string; prompt: string; id: string }, max = 120): string {
  const title = task.title?.trim()
  if (title) return oneLine(sanitizeTerminalText(title), max)
  // Demo scripts start with directives ("@rate 20"): the first line that is not one says more.
  const lines = task.prompt.split('\n').map((l) => l.trim()).filter(Boolean)
  const first = lines.find((l) => !/^@\w+/.test(l)) ?? lines[0]
  return first ? oneLine(sanitizeTerminalText(first), max) : `task ${task.id}`
}

/** The most of a prompt a pane shows before its output. */
const PROMPT_LINES = 12
const PROMPT_CHARS = 2_000

/** The top of a task pane: the prompt (made safe: it can be anyone's text), then a rule. */
export function promptHeader(prompt: string): string {
  const safe = sanitizeTerminalText(prompt).replace(/\s+$/, '')
  let lines = safe.split('\n')
  let more = ''
  if (lines.length > PROMPT_LINES) {
    more = ansi.dim(`  … ${lines.length - PROMPT_LINES} more lines`) + '\n'
    lines = lines.slice(0, PROMPT_LINES)
  }
  let body = lines.join('\n')
  if (body.length > PROMPT_CHARS) body = body.slice(0, PROMPT_CHARS - 1) + '…'
  const shown = body.split('\n').map((l, i) => (i === 0 ? `${ansi.bold(ansi.cyan('❯'))} ${ansi.bold(l)}` : `  ${ansi.bold(l)}`))
  return shown.join('\n') + '\n' + more + ansi.dim('─'.repeat(24)) + '\n'
}

/** The separator before an attempt after the first: which attempt, where, and why the last one ended. */
export function attemptMarker(attempt: number, maxAttempts: number, server: string, previous?: { outcome: string; error?: string }): string {
  const why = previous ? ` · attempt ${attempt - 1} ${previous.outcome === 'server-lost' ? 'lost its server' : previous.outcome}${previous.error ? `: ${oneLine(sanitizeTerminalText(previous.error), 120)}` : ''}` : ''
  return ansi.yellow(`━━ attempt ${attempt} of ${maxAttempts} on ${sanitizeTerminalText(server)}${why} ━━`) + '\n'
}

/**
 * How many queued tasks dispatch before this one: the scheduler's order is priority (high
 * first), then the order they joined the queue (a re-queued task joins again when its attempt
 * ended). undefined when the task is not queued.
 */
export function queuePosition(
  tasks: ReadonlyArray<{ id: string; state: string; priority: number; createdAt: number; attempts: ReadonlyArray<{ endedAt?: number }> }>,
  taskId: string,
): number | undefined {
  const joined = (t: (typeof tasks)[number]) => t.attempts.at(-1)?.endedAt ?? t.createdAt
  const task = tasks.find((t) => t.id === taskId)
  if (!task || task.state !== 'queued') return undefined
  let ahead = 0
  for (const other of tasks) {
    if (other.id === taskId || other.state !== 'queued') continue
    if (other.priority > task.priority || (other.priority === task.priority && joined(other) < joined(task))) ahead++
    else if (other.priority === task.priority && joined(other) === joined(task) && tasks.indexOf(other) < tasks.indexOf(task)) ahead++
  }
  return ahead
}
