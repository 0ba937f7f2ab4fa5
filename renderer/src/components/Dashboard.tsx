import { useMemo, type Ref } from 'react'
import { useFleet, useNow } from '../state/hooks'
import { AddServerForm } from './AddServerForm'
import { ServerCard } from './ServerCard'

interface Props {
  onOpenEvents: (serverId: string) => void
  headingRef?: Ref<HTMLHeadingElement>
}

/** The server cards and the form to add one. */
export function Dashboard({ onOpenEvents, headingRef }: Props) {
  const servers = useFleet((s) => s.servers)
  const attention = useFleet((s) => s.attention)
  const loaded = useFleet((s) => s.loaded)
  const now = useNow(1_000)
  const waiting = useMemo(() => new Set(attention.map((a) => a.serverId)), [attention])

  return (
    <section aria-labelledby="servers-heading" className="dashboard">
      <h2 id="servers-heading" tabIndex={-1} ref={headingRef}>
        Servers <span className="count">{servers.length}</span>
      </h2>
      <div className="cards">
        {servers.map((server) => (
          <ServerCard key={server.id} server={server} now={now} needsAttention={waiting.has(server.id)} onOpenEvents={onOpenEvents} />
        ))}
        {loaded && servers.length === 0 && <p className="empty">No servers yet. Add one below.</p>}
      </div>
      <details className="add-server-box">
        <summary>New server…</summary>
        <AddServerForm />
      </details>
    </section>
  )
}
