import { useDeferredValue, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react'
import { fleetSummary, listRows, matchesFilter, showsList } from '../servers/fleetList'
import { useFleet, useNow } from '../state/hooks'
import { AddServerForm } from './AddServerForm'
import { FleetSummary } from './FleetSummary'
import { ServerCard } from './ServerCard'
import { ServerList, type ServerListHandle } from './ServerList'

export interface DashboardHandle {
  focus(): void
  openAddServer(): void
}

interface Props {
  onOpenPane: (serverId: string, kind: 'server' | 'tui' | 'shell') => void
  onRemoveServer: (serverId: string) => void
  handle?: Ref<DashboardHandle>
}

type ViewChoice = 'auto' | 'list' | 'cards'

/** The fleet: a summary line, a filter, then rows (the default above a handful of servers) or cards; and the form to add one. */
export function Dashboard({ onOpenPane, onRemoveServer, handle }: Props) {
  const servers = useFleet((s) => s.servers)
  const tasks = useFleet((s) => s.tasks)
  const attention = useFleet((s) => s.attention)
  const loaded = useFleet((s) => s.loaded)
  const now = useNow(1_000)
  const heading = useRef<HTMLHeadingElement>(null)
  const details = useRef<HTMLDetailsElement>(null)
  const list = useRef<ServerListHandle>(null)
  const [choice, setChoice] = useRemembered<ViewChoice>('flotilla.servers.view', 'auto', (v) => v === 'list' || v === 'cards' || v === 'auto')
  const [query, setQuery] = useState('')
  const [grouped, setGrouped] = useRemembered<boolean>('flotilla.servers.groupByHost', false, (v) => typeof v === 'boolean')
  // The field answers every key at once; the rows follow as fast as they render (500 servers stay smooth to type over).
  const deferredQuery = useDeferredValue(query)
  const asList = showsList(choice, servers.length)
  useImperativeHandle(handle, () => ({
    // The list (one tab stop, arrows go on from there), or the first card's first enabled button.
    focus: () => {
      if (asList && list.current) return list.current.focus()
      ;(document.querySelector<HTMLElement>('.cards article button:not([disabled])') ?? heading.current)?.focus()
    },
    openAddServer: () => {
      if (!details.current) return
      details.current.open = true
      details.current.querySelector<HTMLElement>('select, input')?.focus()
    },
  }))
  const waiting = useMemo(() => new Set(attention.map((a) => a.serverId)), [attention])
  const summary = useMemo(() => fleetSummary(servers, tasks), [servers, tasks])
  const rows = useMemo(() => (asList ? listRows(servers, deferredQuery, grouped) : []), [asList, servers, deferredQuery, grouped])
  const cards = useMemo(() => (asList ? [] : servers.filter((s) => matchesFilter(s, deferredQuery))), [asList, servers, deferredQuery])
  const shown = asList ? rows.filter((r) => r.type === 'server').length : cards.length
  const filtering = deferredQuery.trim() !== ''
  const emptyText = servers.length === 0 ? 'No servers yet. Add one below.' : `No server matches “${deferredQuery.trim()}”.`

  return (
    <section aria-labelledby="servers-heading" className={`dashboard${asList ? ' list-mode' : ''}`}>
      <div className="dashboard-head">
        <h2 id="servers-heading" tabIndex={-1} ref={heading}>
          Servers <span className="count">{filtering ? `${shown} of ${servers.length}` : servers.length}</span>
        </h2>
        {servers.length > 0 && (
          <div className="view-choice" role="group" aria-label="Show servers as">
            <button type="button" aria-pressed={asList} onClick={() => setChoice('list')} title="Dense rows, one per server">
              Rows
            </button>
            <button type="button" aria-pressed={!asList} onClick={() => setChoice('cards')} title="A card per server">
              Cards
            </button>
          </div>
        )}
      </div>
      {servers.length > 0 && <FleetSummary summary={summary} onFilter={setQuery} />}
      {servers.length > 1 && (
        <div className="list-tools">
          <input
            type="search"
            aria-label="Filter servers"
            placeholder="Filter: name, host, kind, state…"
            title="Words match name, host, kind or state; host:box, kind:ssh, state:failed,unhealthy match one field; -word excludes"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              // Down from the filter goes to the rows; Escape clears it.
              if (e.key === 'ArrowDown' && asList) {
                e.preventDefault()
                list.current?.focus()
              } else if (e.key === 'Escape' && query) {
                e.preventDefault()
                e.stopPropagation()
                setQuery('')
              }
            }}
          />
          {asList && (
            <label className="field checkbox">
              <input type="checkbox" checked={grouped} onChange={(e) => setGrouped(e.target.checked)} /> Group by host
            </label>
          )}
        </div>
      )}
      {asList ? (
        <ServerList rows={rows} now={now} waiting={waiting} onOpenPane={onOpenPane} onRemove={onRemoveServer} empty={emptyText} handle={list} />
      ) : (
        <div className="cards">
          {cards.map((server) => (
            <ServerCard key={server.id} server={server} now={now} needsAttention={waiting.has(server.id)} onOpenPane={onOpenPane} onRemove={onRemoveServer} />
          ))}
          {loaded && cards.length === 0 && <p className="empty">{emptyText}</p>}
        </div>
      )}
      <details className="add-server-box" ref={details}>
        <summary>New server…</summary>
        <AddServerForm />
      </details>
    </section>
  )
}

/** A view preference this window keeps across reloads (localStorage; a storage that refuses is no error). */
function useRemembered<T>(key: string, initial: T, valid: (value: unknown) => boolean): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const saved: unknown = JSON.parse(localStorage.getItem(key) ?? 'null')
      return valid(saved) ? (saved as T) : initial
    } catch {
      return initial
    }
  })
  const set = (next: T) => {
    setValue(next)
    try {
      localStorage.setItem(key, JSON.stringify(next))
    } catch {
      // private mode or a full storage: the choice lasts until the page reloads
    }
  }
  return [value, set]
}
