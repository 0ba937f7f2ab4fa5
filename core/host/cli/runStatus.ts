import type { TaskView } from '../../contract/tasks'
import { PrepareSteps } from './prepareSteps'
import { FooterWriter, renderFooter, type FooterServer, type FooterState } from './statusFooter'

/** What `flotilla run` knows while it runs, for the footer. */
export interface RunStatus {
  tasks: ReadonlyMap<string, TaskView>
  /** Server id → name, in start order. */
  serverNames: ReadonlyMap<string, string>
  /** Server id → its latest state. */
  serverStates: ReadonlyMap<string, string>
  startedAt: number
  /** A long step before the tasks run (starting servers). */
  step?: string
  /** Server id → its spec's kind (local, ssh, url): where a task's worktree is made, if anywhere. */
  serverKinds?: ReadonlyMap<string, string>
  /** Server id → the last line its launcher printed (an install's progress, opencode's start). */
  serverNotes?: ReadonlyMap<string, string>
  /** What dispatched tasks are doing before their agent works (shipping, worktree, setup). */
  prepare?: PrepareSteps
}

/** The footer's state from the run's tasks and servers. */
export function footerState(status: RunStatus, now: number): FooterState {
  const counts = { total: status.tasks.size, done: 0, running: 0, queued: 0, failed: 0, cancelled: 0 }
  let cost = 0
  const prepare = status.prepare ?? new PrepareSteps()
  const byServer = new Map<string, FooterServer['tasks']>()
  for (const task of status.tasks.values()) {
    cost += task.result?.cost ?? 0
    if (task.state === 'completed') counts.done++
    else if (task.state === 'failed') counts.failed++
    else if (task.state === 'cancelled') counts.cancelled++
    else if (task.state === 'queued') counts.queued++
    else {
      counts.running++
      const list = byServer.get(task.serverId ?? '') ?? []
      const serverId = task.serverId ?? ''
      const doing = task.state === 'dispatched' ? prepare.doing(task, status.serverKinds?.get(serverId), status.serverNames.get(serverId) ?? serverId) : undefined
      list.push({ id: task.id, title: task.title ?? task.prompt.split('\n')[0]!, state: task.state, ...(doing ? { doing } : {}), since: task.attempts.at(-1)?.startedAt })
      byServer.set(task.serverId ?? '', list)
    }
  }
  const servers: FooterServer[] = [...status.serverNames].map(([id, name]) => {
    const state = status.serverStates.get(id) ?? 'starting'
    // While a server comes up, its launcher's last line says how far (an install, a reattach).
    const note = state === 'starting' ? status.serverNotes?.get(id) : undefined
    return { name, state, tasks: byServer.get(id) ?? [], ...(note ? { detail: note } : {}) }
  })
  return { counts, servers, elapsedMs: now - status.startedAt, cost, step: status.step, now }
}

/** Where `flotilla run` prints: plain lines, or lines above a live footer on a terminal. */
export interface RunPrinter {
  out: (line: string) => void
  err: (line: string) => void
  /** The footer's facts changed. */
  refresh: () => void
  /** Off the screen while a question is asked on the terminal. */
  suspend: () => void
  resume: () => void
  /** The footer goes (at the end, on Ctrl-C); later lines print plainly. */
  close: () => void
  footer: boolean
}

export interface TerminalFacts {
  isTTY: boolean
  errIsTTY: boolean
  columns: () => number
  rows: () => number
  /** Control bytes only, on the terminal stdout is. */
  control: (sequence: string) => void
  term?: string
}

/** The process's own stdout, as far as the footer needs it. */
export function processTerminal(): TerminalFacts {
  return {
    isTTY: Boolean(process.stdout.isTTY),
    errIsTTY: Boolean(process.stderr.isTTY),
    columns: () => process.stdout.columns || 80,
    rows: () => process.stdout.rows || 24,
    control: (sequence) => void process.stdout.write(sequence),
    term: process.env.TERM,
  }
}

/**
 * A footer only on a terminal (stdout a TTY, TERM not dumb) and only when asked to show
 * progress (not --json, not --quiet); otherwise the lines as they are, no control sequences.
 */
export function runPrinter(
  io: { out: (line: string) => void; err: (line: string) => void; color: boolean },
  status: () => RunStatus,
  want: boolean,
  terminal: TerminalFacts = processTerminal(),
): RunPrinter {
  const noop = () => {}
  if (!want || !terminal.isTTY || terminal.term === 'dumb') return { out: io.out, err: io.err, refresh: noop, suspend: noop, resume: noop, close: noop, footer: false }
  const render = () => {
    const state = footerState(status(), Date.now())
    const maxLines = Math.min(1 + state.servers.length, 12, Math.max(2, Math.floor(terminal.rows() / 3)))
    return renderFooter(state, { width: terminal.columns(), maxLines, color: io.color })
  }
  const writer = new FooterWriter({ out: io.out, err: io.err, control: terminal.control }, render, { errOnTerminal: terminal.errIsTTY })
  // A second Ctrl-C exits at once: the footer must not stay on the screen.
  const onExit = () => writer.close()
  process.once('exit', onExit)
  return {
    out: writer.out,
    err: writer.err,
    refresh: () => writer.refresh(),
    suspend: () => writer.suspend(),
    resume: () => writer.resume(),
    close: () => {
      writer.close()
      process.off('exit', onExit)
    },
    footer: true,
  }
}
