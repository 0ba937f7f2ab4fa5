/** What a pane shows: a server's event stream, a task's output, or an interactive terminal. */
export type PaneSource =
  | { kind: 'server'; serverId: string }
  | { kind: 'task'; taskId: string }
  /** The opencode TUI attached to a server. */
  | { kind: 'tui'; serverId: string; taskId?: string }
  /** A shell in a local server's directory (no server: the host's home). `n` makes it one more shell, not the same one. */
  | { kind: 'shell'; serverId?: string; n?: number; taskId?: string }

export interface Pane {
  id: string
  source: PaneSource
}

export interface LayoutState {
  panes: Pane[]
  /** How many panes the grid holds (1-16). */
  limit: number
  focusedId: string | null
  zoomedId: string | null
  /** Bumped whenever keyboard focus should move into the focused pane (the view reacts to it). */
  focusSeq: number
}

export type LayoutAction =
  /** `evictable`: panes (oldest first) that may make room when the grid is full; none = do nothing. */
  | { type: 'add'; source: PaneSource; evictable?: string[]; focus?: boolean }
  | { type: 'remove'; id: string }
  | { type: 'focus'; id: string; moveFocus?: boolean }
  | { type: 'focusNext' }
  | { type: 'focusPrev' }
  | { type: 'jump'; n: number }
  | { type: 'zoom'; id?: string }
  | { type: 'swap'; a: string; b: string }
  | { type: 'swapNext' }
  | { type: 'swapPrev' }
  | { type: 'setLimit'; limit: number }

export const MAX_PANES = 16
export const LAYOUT_LIMITS = [1, 2, 3, 4, 6, 8, 9, 12, 16] as const

export function paneId(source: PaneSource): string {
  switch (source.kind) {
    case 'task':
      return `task:${source.taskId}`
    case 'shell':
      return source.taskId ? `shell:task:${source.taskId}` : `shell:${source.serverId ?? ''}${source.n ? `:${source.n}` : ''}`
    default:
      return source.kind === 'tui' && source.taskId ? `tui:task:${source.taskId}` : `${source.kind}:${source.serverId}`
  }
}

/** The server a pane belongs to, if any (its pane closes with it, and lights up when it waits). */
export function paneServerId(source: PaneSource): string | undefined {
  return source.kind === 'task' ? undefined : source.serverId
}

export function initialLayout(limit = 9): LayoutState {
  return { panes: [], limit: clampLimit(limit), focusedId: null, zoomedId: null, focusSeq: 0 }
}

export function layoutReducer(state: LayoutState, action: LayoutAction): LayoutState {
  switch (action.type) {
    case 'add':
      return add(state, action.source, action.evictable ?? [], action.focus ?? false)
    case 'remove':
      return remove(state, action.id)
    case 'focus':
      if (!has(state, action.id)) return state
      if (state.focusedId === action.id && !action.moveFocus) return state
      return { ...state, focusedId: action.id, focusSeq: state.focusSeq + (action.moveFocus ? 1 : 0) }
    case 'focusNext':
      return step(state, 1)
    case 'focusPrev':
      return step(state, -1)
    case 'jump': {
      const pane = state.panes[action.n - 1]
      if (!pane) return state
      return { ...state, focusedId: pane.id, zoomedId: state.zoomedId ? pane.id : null, focusSeq: state.focusSeq + 1 }
    }
    case 'zoom': {
      const id = action.id ?? state.focusedId
      if (!id || !has(state, id)) return state
      return { ...state, zoomedId: state.zoomedId === id ? null : id, focusedId: id, focusSeq: state.focusSeq + 1 }
    }
    case 'swap':
      return swap(state, action.a, action.b)
    case 'swapNext':
    case 'swapPrev': {
      const index = focusedIndex(state)
      if (index < 0 || state.panes.length < 2) return state
      const other = (index + (action.type === 'swapNext' ? 1 : -1) + state.panes.length) % state.panes.length
      return { ...swap(state, state.panes[index].id, state.panes[other].id), focusSeq: state.focusSeq + 1 }
    }
    case 'setLimit':
      return setLimit(state, action.limit)
  }
}

function add(state: LayoutState, source: PaneSource, evictable: string[], focus: boolean): LayoutState {
  const id = paneId(source)
  if (has(state, id)) return focus ? { ...state, focusedId: id, focusSeq: state.focusSeq + 1 } : state
  const pane: Pane = { id, source }
  let panes: Pane[]
  if (state.panes.length < state.limit) panes = [...state.panes, pane]
  else {
    // Full: the new pane takes the place of the first evictable one, so the others stay put.
    const victim = evictable.find((v) => v !== state.focusedId && v !== state.zoomedId && has(state, v))
    if (!victim) return state
    panes = state.panes.map((p) => (p.id === victim ? pane : p))
  }
  const focusedId = focus || state.focusedId === null ? id : state.focusedId
  return { ...state, panes, focusedId, focusSeq: state.focusSeq + (focus ? 1 : 0) }
}

function remove(state: LayoutState, id: string): LayoutState {
  const index = state.panes.findIndex((p) => p.id === id)
  if (index < 0) return state
  const panes = state.panes.filter((p) => p.id !== id)
  let focusedId = state.focusedId
  if (focusedId === id) focusedId = (panes[index] ?? panes[index - 1])?.id ?? null
  return { ...state, panes, focusedId, zoomedId: state.zoomedId === id ? null : state.zoomedId }
}

function step(state: LayoutState, delta: number): LayoutState {
  const n = state.panes.length
  if (n === 0) return state
  const index = focusedIndex(state)
  const next = state.panes[index < 0 ? 0 : (index + delta + n) % n]
  // Moving while zoomed keeps the zoom on the newly focused pane.
  return { ...state, focusedId: next.id, zoomedId: state.zoomedId ? next.id : null, focusSeq: state.focusSeq + 1 }
}

function swap(state: LayoutState, a: string, b: string): LayoutState {
  const i = state.panes.findIndex((p) => p.id === a)
  const j = state.panes.findIndex((p) => p.id === b)
  if (i < 0 || j < 0 || i === j) return state
  const panes = state.panes.slice()
  ;[panes[i], panes[j]] = [panes[j], panes[i]]
  return { ...state, panes }
}

function setLimit(state: LayoutState, requested: number): LayoutState {
  const limit = clampLimit(requested)
  if (state.panes.length <= limit) return { ...state, limit }
  let panes = state.panes.slice(0, limit)
  // The focused pane survives a shrink: it replaces the last kept pane.
  const focused = state.panes.find((p) => p.id === state.focusedId)
  if (focused && !panes.includes(focused)) panes = [...panes.slice(0, limit - 1), focused]
  const kept = (id: string | null) => (id && panes.some((p) => p.id === id) ? id : null)
  return { ...state, panes, limit, focusedId: kept(state.focusedId) ?? panes[0]?.id ?? null, zoomedId: kept(state.zoomedId) }
}

function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.min(MAX_PANES, Math.max(1, Math.round(limit))) : MAX_PANES
}

function has(state: LayoutState, id: string): boolean {
  return state.panes.some((p) => p.id === id)
}

function focusedIndex(state: LayoutState): number {
  return state.panes.findIndex((p) => p.id === state.focusedId)
}

/** Columns and rows for `count` panes: as square as possible, wider than tall. */
export function gridShape(count: number): { columns: number; rows: number } {
  if (count <= 1) return { columns: 1, rows: 1 }
  const columns = Math.ceil(Math.sqrt(count))
  return { columns, rows: Math.ceil(count / columns) }
}
