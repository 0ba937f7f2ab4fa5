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
  /** Opened by the user (never closed to make room), or automatically (a submitted task's pane). */
  openedBy?: 'user' | 'auto'
}

export interface LayoutState {
  /** Every open pane, in the order opened (submit order for tasks); the grid shows them `limit` at a time. */
  panes: Pane[]
  /** How many panes one grid page holds (1-16). */
  limit: number
  /** The grid page on screen (0-based): panes [page*limit, (page+1)*limit). */
  page: number
  focusedId: string | null
  zoomedId: string | null
  /** Bumped whenever keyboard focus should move into the focused pane (the view reacts to it). */
  focusSeq: number
}

export type LayoutAction =
  /**
   * A full grid page gets a new page, never a replaced pane. `evictable`: panes (oldest first)
   * that may close to make room only at MAX_OPEN_PANES, and only one opened automatically that
   * is neither focused nor on screen; none = the pane is not opened. `focus`: opened by the user.
   */
  | { type: 'add'; source: PaneSource; evictable?: string[]; focus?: boolean }
  | { type: 'page'; page: number }
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
/** Open panes across all grid pages: each holds a stream (the host allows a client 64) and a terminal. */
export const MAX_OPEN_PANES = 48
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
  return { panes: [], limit: clampLimit(limit), page: 0, focusedId: null, zoomedId: null, focusSeq: 0 }
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
      return { ...state, focusedId: action.id, page: pageOfPane(state, action.id), focusSeq: state.focusSeq + (action.moveFocus ? 1 : 0) }
    case 'focusNext':
      return step(state, 1)
    case 'focusPrev':
      return step(state, -1)
    case 'jump': {
      // Pane N of the page on screen (Alt+1…9 go by what the user sees).
      const pane = visiblePanes(state)[action.n - 1]
      if (!pane) return state
      return { ...state, focusedId: pane.id, zoomedId: state.zoomedId ? pane.id : null, focusSeq: state.focusSeq + 1 }
    }
    case 'zoom': {
      const id = action.id ?? state.focusedId
      if (!id || !has(state, id)) return state
      return { ...state, zoomedId: state.zoomedId === id ? null : id, focusedId: id, page: pageOfPane(state, id), focusSeq: state.focusSeq + 1 }
    }
    case 'page': {
      const page = Math.min(Math.max(0, Math.floor(action.page)), pageCount(state) - 1)
      if (page === state.page) return state
      const first = state.panes[page * state.limit]
      return { ...state, page, zoomedId: null, focusedId: first?.id ?? state.focusedId }
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
  if (has(state, id)) return focus ? { ...state, focusedId: id, page: pageOfPane(state, id), focusSeq: state.focusSeq + 1 } : state
  const pane: Pane = { id, source, openedBy: focus ? 'user' : 'auto' }
  let kept = state.panes
  if (kept.length >= MAX_OPEN_PANES) {
    // Only here does a pane close for another: one opened automatically, out of sight, not focused.
    const onScreen = new Set(visiblePanes(state).map((p) => p.id))
    const victim = evictable.find((v) => v !== state.focusedId && v !== state.zoomedId && !onScreen.has(v) && kept.find((p) => p.id === v)?.openedBy !== 'user')
    if (!victim) return state
    kept = kept.filter((p) => p.id !== victim)
  }
  // Appended: panes keep the order they were opened in (a full page starts the next one).
  const next = { ...state, panes: [...kept, pane] }
  const focusedId = focus || state.focusedId === null ? id : state.focusedId
  const page = focus || state.focusedId === null ? pageOfPane(next, id) : Math.min(state.page, pageCount(next) - 1)
  return { ...next, focusedId, page, focusSeq: state.focusSeq + (focus ? 1 : 0) }
}

function remove(state: LayoutState, id: string): LayoutState {
  const index = state.panes.findIndex((p) => p.id === id)
  if (index < 0) return state
  const panes = state.panes.filter((p) => p.id !== id)
  let focusedId = state.focusedId
  if (focusedId === id) focusedId = (panes[index] ?? panes[index - 1])?.id ?? null
  const next = { ...state, panes, focusedId, zoomedId: state.zoomedId === id ? null : state.zoomedId }
  // The page on screen stays unless it emptied; the focus moves onto it if it left it.
  const page = Math.min(state.page, pageCount(next) - 1)
  const shown = panes.slice(page * state.limit, (page + 1) * state.limit)
  if (focusedId && !shown.some((p) => p.id === focusedId)) focusedId = shown[Math.min(index - page * state.limit, shown.length - 1)]?.id ?? focusedId
  return { ...next, page, focusedId }
}

function step(state: LayoutState, delta: number): LayoutState {
  const n = state.panes.length
  if (n === 0) return state
  const index = focusedIndex(state)
  const next = state.panes[index < 0 ? state.page * state.limit : (index + delta + n) % n]
  if (!next) return state
  // Moving while zoomed keeps the zoom on the newly focused pane; the page follows the focus.
  return { ...state, focusedId: next.id, page: pageOfPane(state, next.id), zoomedId: state.zoomedId ? next.id : null, focusSeq: state.focusSeq + 1 }
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
  // Nothing closes: the panes are paged again, and the page shown is the focused pane's.
  const next = { ...state, limit }
  return { ...next, page: state.focusedId ? pageOfPane(next, state.focusedId) : Math.min(state.page, pageCount(next) - 1) }
}

/** How many grid pages the open panes fill (at least 1). */
export function pageCount(state: Pick<LayoutState, 'panes' | 'limit'>): number {
  return Math.max(1, Math.ceil(state.panes.length / state.limit))
}

/** The panes of the page on screen. */
export function visiblePanes(state: Pick<LayoutState, 'panes' | 'limit' | 'page'>): Pane[] {
  return state.panes.slice(state.page * state.limit, (state.page + 1) * state.limit)
}

function pageOfPane(state: Pick<LayoutState, 'panes' | 'limit' | 'page'>, id: string): number {
  const index = state.panes.findIndex((p) => p.id === id)
  return index < 0 ? state.page : Math.floor(index / state.limit)
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
