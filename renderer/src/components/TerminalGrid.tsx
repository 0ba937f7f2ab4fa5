import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, type Dispatch, type Ref } from 'react'
import { gridShape, LAYOUT_LIMITS, type LayoutAction, type LayoutState, type Pane as PaneModel } from '../grid/layout'
import type { FleetState } from '../state/fleetState'
import { useFleet } from '../state/hooks'
import { Pane, type PaneHandle } from './Pane'

export interface GridHandle {
  openSearch(): void
}

interface Props {
  layout: LayoutState
  dispatch: Dispatch<LayoutAction>
  /** The terminals view is on screen (the tasks view hides it). */
  shown: boolean
  handle?: Ref<GridHandle>
}

/** The terminal grid: up to 16 panes, one of them focused and maybe zoomed. */
export function TerminalGrid({ layout, dispatch, shown, handle }: Props) {
  const servers = useFleet((s) => s.servers)
  const tasks = useFleet((s) => s.tasks)
  const attention = useFleet((s) => s.attention)
  const handles = useRef(new Map<string, PaneHandle>())
  const register = useCallback((id: string, h: PaneHandle | null) => {
    if (h) handles.current.set(id, h)
    else handles.current.delete(id)
  }, [])
  const onFocus = useCallback((id: string) => dispatch({ type: 'focus', id }), [dispatch])
  const onClose = useCallback((id: string) => dispatch({ type: 'remove', id }), [dispatch])
  const onZoom = useCallback((id: string) => dispatch({ type: 'zoom', id }), [dispatch])

  useImperativeHandle(handle, () => ({
    openSearch: () => layout.focusedId && handles.current.get(layout.focusedId)?.openSearch(),
  }))

  // Keyboard focus follows the layout's focus when a command moved it.
  useEffect(() => {
    if (layout.focusSeq > 0 && layout.focusedId) handles.current.get(layout.focusedId)?.focus()
    // Only a focus command (focusSeq) moves keyboard focus; other layout changes must not.
  }, [layout.focusSeq]) // deliberately not depending on focusedId

  const titles = useMemo(() => paneTitles(layout.panes, servers, tasks), [layout.panes, servers, tasks])
  const waiting = useMemo(() => {
    const set = new Set<string>()
    for (const item of attention) {
      set.add(`server:${item.serverId}`)
      set.add(`tui:${item.serverId}`)
      if (item.taskId) set.add(`task:${item.taskId}`)
    }
    return set
  }, [attention])

  const { columns, rows } = gridShape(layout.zoomedId ? 1 : layout.panes.length)
  return (
    <div className="grid-wrap">
      <div className="grid-toolbar">
        <label className="field">
          <span>Layout</span>
          <select aria-label="Layout" value={layout.limit} onChange={(e) => dispatch({ type: 'setLimit', limit: Number(e.target.value) })}>
            {LAYOUT_LIMITS.map((n) => (
              <option key={n} value={n}>
                {n === 1 ? '1 pane' : `up to ${n} panes`}
              </option>
            ))}
          </select>
        </label>
        <span className="hint">
          {layout.panes.length}/{layout.limit} panes{layout.zoomedId ? ' · zoomed (Alt+Z)' : ''}
        </span>
      </div>
      {layout.panes.length === 0 ? (
        <p className="empty grid-empty">No panes open. Submit a prompt, or press Events on a server card.</p>
      ) : (
        <div className="grid" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` }}>
          {layout.panes.map((pane, i) => {
            const concealed = layout.zoomedId !== null && layout.zoomedId !== pane.id
            const info = titles.get(pane.id)!
            return (
              <Pane
                key={pane.id}
                pane={pane}
                index={i + 1}
                title={info.title}
                subtitle={info.subtitle}
                focused={layout.focusedId === pane.id}
                zoomed={layout.zoomedId === pane.id}
                concealed={concealed}
                visible={shown && !concealed}
                needsAttention={waiting.has(pane.id)}
                register={register}
                onFocus={onFocus}
                onClose={onClose}
                onZoom={onZoom}
              />
            )
          })}
        </div>
      )}
    </div>
  )
}

/** "local-1 · ready" (events), "task <id> · running" (output), "tui · local-1", "shell · local-1". */
export function paneTitles(panes: PaneModel[], servers: FleetState['servers'], tasks: FleetState['tasks']) {
  const titles = new Map<string, { title: string; subtitle?: string }>()
  const name = (id: string | undefined) => (id === undefined ? 'local' : (servers.find((s) => s.id === id)?.name ?? id))
  for (const pane of panes) {
    const source = pane.source
    if (source.kind === 'server') {
      const server = servers.find((s) => s.id === source.serverId)
      titles.set(pane.id, { title: `${server?.name ?? source.serverId} · ${server?.state ?? 'removed'}`, subtitle: 'events' })
    } else if (source.kind === 'task') {
      const task = tasks.find((t) => t.id === source.taskId)
      titles.set(pane.id, { title: `task ${source.taskId} · ${task?.state ?? 'unknown'}`, subtitle: task?.serverId ? name(task.serverId) : undefined })
    } else {
      const n = source.kind === 'shell' && source.n ? ` ${source.n}` : ''
      const where = source.taskId ? `worktree of ${source.taskId}` : name(source.serverId)
      titles.set(pane.id, { title: `${source.kind}${n} · ${where}`, subtitle: source.kind === 'tui' ? 'opencode' : 'terminal' })
    }
  }
  return titles
}
