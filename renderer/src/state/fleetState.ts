import type { AttentionItem } from '../../../core/contract/attention'
import type { ReceivedPush } from '../../../core/contract/api'
import type { Settings } from '../../../core/contract/settings'
import type { ServerView } from '../../../core/contract/servers'
import type { StrategyName, TaskView } from '../../../core/contract/tasks'
import type { ConnectionStatus } from '../api/transport'
import { MAX_NOTICE_LOG, noticeIdentity } from './notices'

export interface Notice {
  id: number
  level: 'info' | 'warning' | 'error'
  message: string
  at: number
  /** One toast per key (server and kind): a newer notice with the same key replaces the older. */
  key?: string
  /** The server the notice is about: its toasts go when it is removed or back up. */
  serverId?: string
  /** How many notices this toast stands for (the same trouble again). */
  repeats?: number
}

/** Everything the UI shows about the fleet; replaced, never mutated (useSyncExternalStore). */
export interface FleetState {
  servers: ServerView[]
  tasks: TaskView[]
  attention: AttentionItem[]
  notices: Notice[]
  /** Every notice since the page loaded (bounded, newest last), for the palette's notice log. */
  noticeLog: Notice[]
  /** The notice log dialog is open (opened from the palette). */
  noticeLogOpen?: boolean
  connection: ConnectionStatus
  strategy: StrategyName | undefined
  theme: 'system' | 'light' | 'dark'
  /** Saved setup / copy / verify per repository root (settings.repositories). */
  repositories: Settings['repositories']
  /** The last line each server's launcher printed (an install's progress), shown on its card while it comes up. */
  serverOutput: Readonly<Record<string, string>>
  /** The first full load after connecting has arrived. */
  loaded: boolean
}

export const MAX_NOTICES = 5
/** The tasks list keeps this many (newest first); the journal on the engine keeps them all. */
export const MAX_TASKS = 2_000

export function initialState(connection: ConnectionStatus): FleetState {
  return { servers: [], tasks: [], attention: [], notices: [], noticeLog: [], connection, strategy: undefined, theme: 'system', repositories: {}, serverOutput: {}, loaded: false }
}

export interface Snapshot {
  servers: ServerView[]
  tasks: TaskView[]
  attention: AttentionItem[]
  strategy: StrategyName
  theme?: FleetState['theme']
  repositories?: FleetState['repositories']
}

export function applySnapshot(state: FleetState, snapshot: Snapshot): FleetState {
  return {
    ...state,
    servers: snapshot.servers,
    tasks: sortTasks(snapshot.tasks).slice(0, MAX_TASKS),
    attention: snapshot.attention,
    strategy: snapshot.strategy,
    theme: snapshot.theme ?? state.theme,
    repositories: snapshot.repositories ?? state.repositories,
    loaded: true,
  }
}

/** Applies one push. Every push carries the whole object, so applying one twice is harmless. */
export function applyPush(state: FleetState, ...[event, payload, now = Date.now()]: [...ReceivedPush, now?: number]): FleetState {
  switch (event) {
    case 'server.updated': {
      const before = state.servers.find((s) => s.id === payload.id)
      const next = { ...state, servers: upsert(state.servers, payload) }
      // Back up (ready or busy after anything else): what was said about its trouble is over.
      return before && !isUp(before.state) && isUp(payload.state) ? dropServerNotices(next, payload.id) : next
    }
    case 'server.removed': {
      const { [payload.id]: _gone, ...serverOutput } = state.serverOutput
      return dropServerNotices({ ...state, servers: state.servers.filter((s) => s.id !== payload.id), serverOutput }, payload.id)
    }
    case 'server.output':
      return { ...state, serverOutput: { ...state.serverOutput, [payload.id]: payload.line } }
    case 'task.updated':
      return { ...state, tasks: upsertTask(state.tasks, payload) }
    case 'attention.added':
      return { ...state, attention: upsert(state.attention, payload) }
    case 'attention.resolved':
      return { ...state, attention: state.attention.filter((a) => a.id !== payload.id) }
    case 'notice':
      return addNotice(state, payload.level, payload.message, now)
    case 'settings.updated':
      return applySettings(state, payload)
    default:
      return state
  }
}

/** The strategy, theme and repository settings every client shows: from any client's settings change (settings.updated). */
function applySettings(state: FleetState, settings: Settings): FleetState {
  const same = settings.strategy === state.strategy && settings.theme === state.theme && JSON.stringify(settings.repositories) === JSON.stringify(state.repositories)
  return same ? state : { ...state, strategy: settings.strategy, theme: settings.theme, repositories: settings.repositories }
}

let noticeIds = 0

/** A new notice: a toast (replacing the one of the same server and kind) and a line in the log. */
export function addNotice(state: FleetState, level: Notice['level'], message: string, now = Date.now()): FleetState {
  const { key, serverId } = noticeIdentity(level, message, state.servers)
  const previous = state.notices.find((n) => n.key === key)
  const notice: Notice = { id: ++noticeIds, level, message, at: now, key, serverId, repeats: (previous?.repeats ?? 1) + (previous ? 1 : 0) }
  const notices = [...state.notices.filter((n) => n.key !== key), notice].slice(-MAX_NOTICES)
  return { ...state, notices, noticeLog: [...state.noticeLog, notice].slice(-MAX_NOTICE_LOG) }
}

function isUp(state: string): boolean {
  return state === 'ready' || state === 'busy'
}

function dropServerNotices(state: FleetState, serverId: string): FleetState {
  return state.notices.some((n) => n.serverId === serverId) ? { ...state, notices: state.notices.filter((n) => n.serverId !== serverId) } : state
}

export function dismissNotice(state: FleetState, id: number): FleetState {
  return { ...state, notices: state.notices.filter((n) => n.id !== id) }
}

function upsert<T extends { id: string }>(list: T[], item: T): T[] {
  const index = list.findIndex((x) => x.id === item.id)
  if (index < 0) return [...list, item]
  const copy = list.slice()
  copy[index] = item
  return copy
}

function upsertTask(tasks: TaskView[], task: TaskView): TaskView[] {
  const index = tasks.findIndex((t) => t.id === task.id)
  if (index >= 0) {
    const copy = tasks.slice()
    copy[index] = task
    return copy
  }
  return sortTasks([task, ...tasks]).slice(0, MAX_TASKS)
}

/** Newest first; ties keep the engine's order. */
function sortTasks(tasks: TaskView[]): TaskView[] {
  return tasks
    .map((task, index) => ({ task, index }))
    .sort((a, b) => b.task.createdAt - a.task.createdAt || a.index - b.index)
    .map((x) => x.task)
}
