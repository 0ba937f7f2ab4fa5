import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, type Dispatch, type Ref } from 'react'
import { gridShape, LAYOUT_LIMITS, pageCount, type LayoutAction, type LayoutState } from '../grid/layout'
import { paneLabels, type PaneLabel } from '../grid/paneLabels'
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

/** The terminal grid: pages of up to 16 panes, one pane focused and maybe zoomed. */
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

  // Labels change with the fleet's state (a few times a second at most), never with output.
  const labels = useMemo(() => paneLabels(layout.panes, servers, tasks), [layout.panes, servers, tasks])
  const waiting = useMemo(() => {
    const set = new Set<string>()
    for (const item of attention) {
      set.add(`server:${item.serverId}`)
      set.add(`tui:${item.serverId}`)
      if (item.taskId) set.add(`task:${item.taskId}`)
    }
    return set
  }, [attention])

  const pages = pageCount(layout)
  const first = layout.page * layout.limit
  const onPage = layout.panes.slice(first, first + layout.limit)
  const later = layout.panes.length - first - onPage.length
  const waitingElsewhere = layout.panes.filter((p, i) => (i < first || i >= first + layout.limit) && waiting.has(p.id)).length
  const { columns, rows } = gridShape(layout.zoomedId ? 1 : onPage.length)
  const goTo = (page: number) => dispatch({ type: 'page', page })
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
          {layout.panes.length} pane{layout.panes.length === 1 ? '' : 's'} open{layout.zoomedId ? ' · zoomed (Alt+Z)' : ''}
        </span>
        {pages > 1 && (
          <nav className="grid-pages" aria-label="Grid pages">
            <button type="button" className="icon-button" aria-label="Previous grid page" title="Previous grid page" disabled={layout.page === 0} onClick={() => goTo(layout.page - 1)}>
              ‹
            </button>
            <span aria-live="polite">
              Page {layout.page + 1} of {pages}
            </span>
            <button type="button" className="icon-button" aria-label="Next grid page" title="Next grid page" disabled={layout.page >= pages - 1} onClick={() => goTo(layout.page + 1)}>
              ›
            </button>
            {later > 0 && (
              <button type="button" className="grid-more" onClick={() => goTo(layout.page + 1)}>
                +{later} more
              </button>
            )}
            {waitingElsewhere > 0 && <span className="grid-waiting">{waitingElsewhere} waiting on another page</span>}
          </nav>
        )}
      </div>
      {layout.panes.length === 0 ? (
        <p className="empty grid-empty">No panes open. Submit a prompt, or press Events on a server card.</p>
      ) : (
        <div className="grid" role="group" aria-label={pages > 1 ? `Terminal grid, page ${layout.page + 1} of ${pages}` : 'Terminal grid'} style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` }}>
          {layout.panes.map((pane, i) => {
            const offPage = i < first || i >= first + layout.limit
            // Panes on other pages stay mounted (their output keeps arriving) but hidden.
            const concealed = offPage || (layout.zoomedId !== null && layout.zoomedId !== pane.id)
            const label: PaneLabel = labels.get(pane.id)!
            return (
              <Pane
                key={pane.id}
                pane={pane}
                index={i - first + 1}
                title={label.title}
                where={label.where}
                state={label.state}
                tone={label.tone}
                tooltip={label.tooltip}
                prompt={label.prompt}
                queuedAhead={label.queuedAhead}
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
