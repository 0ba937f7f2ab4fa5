import type { ServerView } from '../../../core/contract/servers'
import type { TaskView } from '../../../core/contract/tasks'
import { queuePosition, taskTitle } from '../../../core/view/taskPane'
import type { Pane } from './layout'

/** The colour family of a pane's status dot. */
export type PaneTone = 'idle' | 'live' | 'ok' | 'warn' | 'bad' | 'off'

/** What a pane's header says: always the title, where it runs and its state (as a dot); the rest in the tooltip. */
export interface PaneLabel {
  title: string
  /** The server (or folder) it runs on; '' while a task waits for one. */
  where: string
  /** The state in words (the dot's accessible name); undefined for shells and TUIs: the pane knows whether its program runs. */
  state?: string
  tone?: PaneTone
  tooltip: string
  /** Task panes: the prompt, written at the top of the pane. */
  prompt?: string
  /** Queued task panes: how many queued tasks start before this one. */
  queuedAhead?: number
}

const TASK_TONE: Record<TaskView['state'], PaneTone> = { queued: 'idle', dispatched: 'live', running: 'live', completed: 'ok', failed: 'bad', cancelled: 'off' }
const SERVER_TONE: Record<ServerView['state'], PaneTone> = { starting: 'warn', ready: 'ok', busy: 'live', unhealthy: 'warn', restarting: 'warn', stopped: 'off', failed: 'bad' }

/** Labels of every open pane: cheap, recomputed only when panes, servers or tasks change (never per output frame). */
export function paneLabels(panes: Pane[], servers: ServerView[], tasks: TaskView[]): Map<string, PaneLabel> {
  const labels = new Map<string, PaneLabel>()
  const name = (id: string | undefined) => (id === undefined ? 'local' : (servers.find((s) => s.id === id)?.name ?? id))
  // The store keeps tasks newest first; the queue runs oldest first.
  let oldestFirst: TaskView[] | undefined
  for (const pane of panes) {
    const source = pane.source
    if (source.kind === 'server') {
      const server = servers.find((s) => s.id === source.serverId)
      const state = server?.state ?? 'removed'
      labels.set(pane.id, {
        title: server?.name ?? source.serverId,
        where: 'events',
        state,
        tone: server ? SERVER_TONE[server.state] : 'off',
        tooltip: `Events of ${server?.name ?? source.serverId} · ${state}${server?.lastError ? ` · ${server.lastError}` : ''}`,
      })
    } else if (source.kind === 'task') {
      const task = tasks.find((t) => t.id === source.taskId)
      if (!task) {
        labels.set(pane.id, { title: `task ${source.taskId}`, where: '', state: 'unknown', tone: 'off', tooltip: `Task ${source.taskId} (not in this window's list)` })
        continue
      }
      const title = taskTitle(task)
      const where = task.serverId ? name(task.serverId) : ''
      const ahead = task.state === 'queued' ? queuePosition((oldestFirst ??= [...tasks].reverse()), task.id) : undefined
      const state = task.state === 'queued' && ahead !== undefined ? `queued, ${ahead} ahead` : task.state
      const attempt = task.attempts.length > 1 ? ` · attempt ${task.attempts.length} of ${task.maxAttempts}` : ''
      labels.set(pane.id, {
        title,
        where,
        state,
        tone: TASK_TONE[task.state],
        tooltip: `${title}\n${state}${where ? ` on ${where}` : ''}${attempt} · task ${task.id}${task.error ? `\n${task.error}` : ''}`,
        prompt: task.prompt,
        queuedAhead: ahead,
      })
    } else {
      const n = source.kind === 'shell' && source.n ? ` ${source.n}` : ''
      const where = source.taskId ? `worktree of ${source.taskId}` : name(source.serverId)
      const kind = source.kind === 'tui' ? 'opencode TUI' : 'shell'
      labels.set(pane.id, { title: `${source.kind}${n}`, where, tooltip: `${kind}${n} · ${where}` })
    }
  }
  return labels
}
