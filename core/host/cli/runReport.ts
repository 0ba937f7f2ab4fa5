import type { LandReport, TaskView } from '../../contract/tasks'
import { ansi, formatDuration, oneLine } from '../../view/ansi'
import { sanitizeTerminalText } from '../../view/terminalText'

export interface SummaryRow {
  id: string
  prompt: string
  status: TaskView['state']
  serverId: string | null
  /** The server's name (an ssh alias, local-1, a URL's host): where the task ran. */
  server: string | null
  serverUrl: string | null
  sessionId: string | null
  attempts: number
  durationMs: number | null
  output: string
  error?: string
  /** Worktree tasks: the result branch, the commit it started from and its result commit (null: nothing changed). */
  branch?: string
  baseSha?: string
  headSha?: string | null
  files?: Array<{ file: string; status?: string; additions: number; deletions: number }>
  isolation?: 'worktree' | 'shared'
  verify?: { exitCode: number | null; durationMs: number; output: string; passed: boolean }
}

export function summaryRow(task: TaskView, serverName: (id: string) => string = (id) => id): SummaryRow {
  const start = task.attempts[0]?.startedAt
  const serverId = task.serverId ?? task.attempts.at(-1)?.serverId ?? null
  return {
    id: task.id,
    prompt: task.prompt,
    status: task.state,
    serverId,
    server: serverId === null ? null : serverName(serverId),
    serverUrl: task.serverUrl ?? null,
    sessionId: task.sessionId ?? task.attempts.at(-1)?.sessionId ?? null,
    attempts: task.attempts.length,
    durationMs: start !== undefined && task.endedAt !== undefined ? task.endedAt - start : null,
    output: task.result?.text ?? '',
    ...(task.error ? { error: task.error } : {}),
    ...(task.result?.isolation ? { isolation: task.result.isolation } : {}),
    ...(task.result?.branch
      ? {
          branch: task.result.branch,
          baseSha: task.result.baseSha,
          headSha: task.result.headSha ?? null,
          files: task.result.files.map((f) => ({ file: f.file, status: f.status, additions: f.additions, deletions: f.deletions })),
        }
      : {}),
    ...(task.result?.verify ? { verify: { exitCode: task.result.verify.exitCode, durationMs: task.result.verify.durationMs, output: task.result.verify.output, passed: task.result.verify.passed } } : {}),
  }
}

/** The summary's result cell: the branch and its change for a worktree result, else the answer (or error). */
function resultCell(task: TaskView, row: SummaryRow): string {
  const result = task.result
  if (task.state === 'completed' && result?.isolation === 'worktree') {
    const verify = result.verify ? (result.verify.passed ? ', verify passed' : `, verify FAILED (${result.verify.timedOut ? 'timed out' : `exit ${result.verify.exitCode ?? 'signal'}`})`) : ''
    if (!result.headSha) return `no changes (${oneLine(sanitizeTerminalText(row.output), 40)})${verify}`
    const added = result.files.reduce((n, f) => n + f.additions, 0)
    const deleted = result.files.reduce((n, f) => n + f.deletions, 0)
    return `${result.branch} ${result.files.length} file${result.files.length === 1 ? '' : 's'} +${added} -${deleted}${verify}`
  }
  return oneLine(sanitizeTerminalText(row.error ?? row.output ?? ''), 60)
}

const STATUS_COLOR: Record<string, (s: string) => string> = {
  completed: ansi.green,
  failed: ansi.red,
  cancelled: ansi.yellow,
}

/** The summary table printed at the end of a text-mode run. */
export function summaryTable(tasks: readonly TaskView[], color: boolean, serverName?: (id: string) => string, lands?: ReadonlyMap<string, LandReport>): string {
  const rows = tasks.map((t) => {
    const r = summaryRow(t, serverName)
    const land = lands?.get(t.id)
    const landed = land && t.result?.headSha ? (land.status === 'landed' ? `landed in ${land.into}: ` : `not landed (${land.status}): `) : ''
    return [r.id, r.server ?? '-', r.status, String(r.attempts), r.durationMs === null ? '-' : formatDuration(r.durationMs), landed + resultCell(t, r)]
  })
  const header = ['task', 'server', 'status', 'tries', 'time', 'result']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const fmt = (cells: string[], paint = false) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!)
        return paint && color && i === 2 ? (STATUS_COLOR[c] ?? ((s: string) => s))(padded) : padded
      })
      .join('  ')
      .trimEnd()
  const done = tasks.filter((t) => t.state === 'completed').length
  return [fmt(header), ...rows.map((r) => fmt(r, true)), '', `${done}/${tasks.length} tasks completed`].join('\n')
}

/**
 * Splits streamed output into whole lines per task, each marked with its server and task, so
 * interleaved tasks stay readable. A partial line waits until its newline (or the task ends).
 */
export class LinePrefixer {
  private readonly partial = new Map<string, string>()

  constructor(private readonly prefix: (taskId: string) => string) {}

  push(taskId: string, text: string): string[] {
    const all = (this.partial.get(taskId) ?? '') + text
    const lines = all.split('\n')
    this.partial.set(taskId, lines.pop() ?? '')
    return lines.map((line) => this.prefix(taskId) + line)
  }

  flush(taskId: string): string[] {
    const rest = this.partial.get(taskId)
    this.partial.delete(taskId)
    return rest ? [this.prefix(taskId) + rest] : []
  }
}
