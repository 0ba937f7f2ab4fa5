import { useImperativeHandle, useMemo, useRef, type Ref } from 'react'
import { useFleet, useNow } from '../state/hooks'
import { AddServerForm } from './AddServerForm'
import { ServerCard } from './ServerCard'

export interface DashboardHandle {
  focus(): void
  openAddServer(): void
}

interface Props {
  onOpenPane: (serverId: string, kind: 'server' | 'tui' | 'shell') => void
  onRemoveServer: (serverId: string) => void
  handle?: Ref<DashboardHandle>
}

/** The server cards and the form to add one. */
export function Dashboard({ onOpenPane, onRemoveServer, handle }: Props) {
  const servers = useFleet((s) => s.servers)
  const attention = useFleet((s) => s.attention)
  const loaded = useFleet((s) => s.loaded)
  const now = useNow(1_000)
  const heading = useRef<HTMLHeadingElement>(null)
  const details = useRef<HTMLDetailsElement>(null)
  useImperativeHandle(handle, () => ({
    // The first card's first enabled button, so Tab and Shift+Tab go on from there.
    focus: () => (document.querySelector<HTMLElement>('.cards article button:not([disabled])') ?? heading.current)?.focus(),
    openAddServer: () => {
      if (!details.current) return
      details.current.open = true
      details.current.querySelector<HTMLElement>('select, input')?.focus()
    },
  }))
  const waiting = useMemo(() => new Set(attention.map((a) => a.serverId)), [attention])

  return (
    <section aria-labelledby="servers-heading" className="dashboard">
      <h2 id="servers-heading" tabIndex={-1} ref={heading}>
        Servers <span className="count">{servers.length}</span>
      </h2>
      <div className="cards">
        {servers.map((server) => (
          <ServerCard key={server.id} server={server} now={now} needsAttention={waiting.has(server.id)} onOpenPane={onOpenPane} onRemove={onRemoveServer} />
        ))}
        {loaded && servers.length === 0 && <p className="empty">No servers yet. Add one below.</p>}
      </div>
      <details className="add-server-box" ref={details}>
        <summary>New server…</summary>
        <AddServerForm />
      </details>
    </section>
  )
}
