import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useId, useImperativeHandle, useRef, useState, type KeyboardEvent, type Ref } from 'react'
import type { ServerView } from '../../../core/contract/servers'
import { allowedActions, formatBytes, runServerAction, since, type ServerAction } from '../servers/serverActions'
import { serverHost, type ListRow } from '../servers/fleetList'
import { useServices } from '../state/hooks'
import { ServerCard } from './ServerCard'

export interface ServerListHandle {
  focus(): void
}

interface Props {
  rows: ListRow[]
  now: number
  waiting: ReadonlySet<string>
  onOpenPane: (serverId: string, kind: 'server' | 'tui' | 'shell') => void
  onRemove: (serverId: string) => void
  /** Said where the rows would be when none match (filtered out, or no servers at all). */
  empty: string
  handle?: Ref<ServerListHandle>
}

const ROW_PX = 26
const GROUP_PX = 24

/** What a row's keys do (the card's actions): shown in the list's help line and in each button's title. */
export const ROW_KEYS: ReadonlyArray<{ key: string; label: string }> = [
  { key: 'Enter', label: 'details' },
  { key: 'e', label: 'events' },
  { key: 't', label: 'TUI' },
  { key: 'h', label: 'shell' },
  { key: 's', label: 'start' },
  { key: 'x', label: 'stop' },
  { key: 'r', label: 'restart' },
  { key: 'Delete', label: 'remove' },
]

/**
 * The fleet as dense rows: one per server (status dot, name, kind, host, running/capacity,
 * CPU/memory, last event), virtualized so hundreds stay smooth. A grid with one tab stop: arrows,
 * Home/End and Page keys move, Enter opens the server's card below, and the card's actions have
 * a key each (ROW_KEYS); the row's buttons do the same by pointer.
 */
export function ServerList({ rows, now, waiting, onOpenPane, onRemove, empty, handle }: Props) {
  const { api, store } = useServices()
  const listId = useId()
  const scroller = useRef<HTMLDivElement>(null)
  const [activeId, setActiveId] = useState<string | undefined>(undefined)
  const [detailsId, setDetailsId] = useState<string | undefined>(undefined)
  const serverRows = rows.filter((r): r is Extract<ListRow, { type: 'server' }> => r.type === 'server')
  // The active row stays active while it is shown; filtered away, the first shown row takes over.
  const active = serverRows.find((r) => r.server.id === activeId) ?? serverRows[0]
  const activeIndex = active ? rows.indexOf(active) : -1
  const details = serverRows.find((r) => r.server.id === detailsId)?.server

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.type === 'group' ? GROUP_PX : ROW_PX),
    getItemKey: (i) => rows[i]!.key,
    overscan: 12,
    // jsdom (unit tests) has no layout: assume a screenful so rows render there too.
    initialRect: { width: 400, height: 800 },
  })

  useImperativeHandle(handle, () => ({ focus: () => scroller.current?.focus() }))

  function move(to: number): void {
    const target = serverRows[Math.max(0, Math.min(serverRows.length - 1, to))]
    if (!target) return
    setActiveId(target.server.id)
    virtualizer.scrollToIndex(rows.indexOf(target), { align: 'auto' })
  }

  function act(server: ServerView, action: ServerAction): void {
    void runServerAction(api, store, server, action)
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return
    const at = active ? serverRows.indexOf(active) : 0
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / ROW_PX) - 1)
    const server = active?.server
    const allowed = server ? allowedActions(server) : undefined
    let handled = true
    switch (event.key) {
      case 'ArrowDown': move(at + 1); break
      case 'ArrowUp': move(at - 1); break
      case 'PageDown': move(at + page); break
      case 'PageUp': move(at - page); break
      case 'Home': move(0); break
      case 'End': move(serverRows.length - 1); break
      case 'Enter':
      case ' ':
        if (server) setDetailsId((id) => (id === server.id ? undefined : server.id))
        break
      case 'Escape':
        if (detailsId) setDetailsId(undefined)
        else handled = false
        break
      case 'e': if (server) onOpenPane(server.id, 'server'); break
      case 't': if (server && allowed?.tui) onOpenPane(server.id, 'tui'); break
      case 'h': if (server && allowed?.shell) onOpenPane(server.id, 'shell'); break
      case 's': if (server && allowed?.start) act(server, 'servers.start'); break
      case 'x': if (server && allowed?.stop) act(server, 'servers.stop'); break
      case 'r': if (server) act(server, 'servers.restart'); break
      case 'Delete': if (server) onRemove(server.id); break
      default: handled = false
    }
    if (handled) {
      event.preventDefault()
      event.stopPropagation()
    }
  }

  // A row that was active and is gone (removed, filtered away) must not leave aria-activedescendant dangling.
  useEffect(() => {
    if (activeId !== undefined && !serverRows.some((r) => r.server.id === activeId)) setActiveId(undefined)
  }, [activeId, serverRows])

  const rowDomId = (id: string) => `${listId}-row-${id}`
  return (
    <>
      <div className="server-grid-head" aria-hidden="true">
        <span className="col-name">Name</span>
        <span className="col-kind">Kind</span>
        <span className="col-host">Host</span>
        <span className="col-tasks">Tasks</span>
        <span className="col-res">CPU · mem</span>
        <span className="col-last" title="Last event">Last</span>
      </div>
      <div
        ref={scroller}
        role="grid"
        aria-label="Servers"
        aria-rowcount={rows.length}
        aria-colcount={1}
        aria-activedescendant={active ? rowDomId(active.server.id) : undefined}
        aria-describedby={`${listId}-keys`}
        tabIndex={0}
        data-server-list
        className="server-grid"
        onKeyDown={onKeyDown}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="presentation">
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!
            const style = { transform: `translateY(${item.start}px)`, height: item.size }
            if (row.type === 'group')
              return (
                <div key={row.key} role="row" aria-rowindex={item.index + 1} className="server-group" style={style}>
                  <span role="gridcell">
                    <span className="group-host">{row.host}</span> <span className="count">{row.count}</span>
                    {row.unhealthy > 0 && <span className="group-trouble"> · {row.unhealthy} unhealthy</span>}
                  </span>
                </div>
              )
            return (
              <ServerRow
                key={row.key}
                domId={rowDomId(row.server.id)}
                index={item.index}
                style={style}
                server={row.server}
                now={now}
                active={row === active}
                expanded={row.server.id === detailsId}
                needsAttention={waiting.has(row.server.id)}
                onSelect={() => setActiveId(row.server.id)}
                onToggleDetails={() => setDetailsId((id) => (id === row.server.id ? undefined : row.server.id))}
                onAction={act}
                onOpenPane={onOpenPane}
                onRemove={onRemove}
              />
            )
          })}
        </div>
        {rows.length === 0 && <p className="empty">{empty}</p>}
      </div>
      <p id={`${listId}-keys`} className="list-keys">
        {ROW_KEYS.map((k) => (
          <span key={k.key}>
            <kbd>{k.key}</kbd> {k.label}
          </span>
        ))}
      </p>
      {details && activeIndex >= 0 && (
        <div className="server-details" aria-label={`${details.name} details`} role="group">
          <button type="button" className="details-close" aria-label={`Close ${details.name} details`} onClick={() => setDetailsId(undefined)}>
            ×
          </button>
          <ServerCard server={details} now={now} needsAttention={waiting.has(details.id)} onOpenPane={onOpenPane} onRemove={onRemove} />
        </div>
      )}
    </>
  )
}

interface RowProps {
  domId: string
  index: number
  style: { transform: string; height: number }
  server: ServerView
  now: number
  active: boolean
  expanded: boolean
  needsAttention: boolean
  onSelect: () => void
  onToggleDetails: () => void
  onAction: (server: ServerView, action: ServerAction) => void
  onOpenPane: Props['onOpenPane']
  onRemove: Props['onRemove']
}

const ServerRow = memo(function ServerRow({ domId, index, style, server, now, active, expanded, needsAttention, onSelect, onToggleDetails, onAction, onOpenPane, onRemove }: RowProps) {
  const allowed = allowedActions(server)
  const host = serverHost(server)
  const resources = server.memoryBytes === undefined ? '—' : `${server.cpuPercent === undefined ? '—' : `${server.cpuPercent.toFixed(0)}%`} · ${formatBytes(server.memoryBytes)}`
  const tasks = `${server.running}/${server.capacity}${server.queued ? ` +${server.queued}` : ''}`
  const label = `${server.name}, ${server.state}${needsAttention ? ', needs attention' : ''}, ${server.kind} on ${host}, ${server.running} of ${server.capacity} running${server.queued ? `, ${server.queued} queued` : ''}`
  const troubled = server.state !== 'ready' && server.state !== 'busy' && server.lastError
  // Buttons are for the pointer (tabIndex -1): the keyboard has the row's keys, one tab stop for the whole list.
  const button = (text: string, title: string, onClick: () => void, disabled = false) => (
    <button type="button" tabIndex={-1} title={title} aria-label={`${title}: ${server.name}`} disabled={disabled} onClick={(e) => (e.stopPropagation(), onClick())}>
      {text}
    </button>
  )
  return (
    <div
      id={domId}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={active}
      aria-label={label}
      data-server-id={server.id}
      className={`server-row state-${server.state}${active ? ' active' : ''}${needsAttention ? ' needs-attention' : ''}`}
      style={style}
      onClick={onSelect}
      onDoubleClick={onToggleDetails}
      title={troubled ? `${server.name}: ${server.lastError}` : `${server.name} · ${server.host ?? host}${server.version ? ` · opencode ${server.version}` : ''}${resources === '—' ? '' : ` · ${resources}`}`}
    >
      <span role="gridcell" className="cells">
        <span className={`dot state-${server.state}`} aria-hidden="true" />
        <span className="col-name">{server.name}</span>
        <span className="col-kind">{server.kind}</span>
        <span className="col-host">{host}</span>
        <span className="col-tasks">{tasks}</span>
        <span className="col-res">{resources}</span>
        <span className="col-last">{since(server.lastEventAt, now)}</span>
        <span className="row-actions">
          {button('Events', 'Events (e)', () => onOpenPane(server.id, 'server'))}
          {button('TUI', 'TUI (t)', () => onOpenPane(server.id, 'tui'), !allowed.tui)}
          {allowed.shell && button('Shell', 'Shell (h)', () => onOpenPane(server.id, 'shell'))}
          {allowed.start ? button('▶', 'Start (s)', () => onAction(server, 'servers.start')) : button('■', 'Stop (x)', () => onAction(server, 'servers.stop'), !allowed.stop)}
          {button('↻', 'Restart (r)', () => onAction(server, 'servers.restart'))}
          {button('Remove', 'Remove (Delete)', () => onRemove(server.id))}
          {button('⋯', expanded ? 'Hide details (Enter)' : 'Details (Enter)', onToggleDetails)}
        </span>
      </span>
    </div>
  )
})
