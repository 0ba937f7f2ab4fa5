import { memo, useState } from 'react'
import type { ServerView } from '../../../core/contract/servers'
import { errorMessage } from '../api/client'
import { ago, uptime } from '../format'
import { formatBytes } from '../servers/serverActions'
import { useFleet, useServices } from '../state/hooks'

interface Props {
  server: ServerView
  now: number
  needsAttention: boolean
  onOpenPane: (serverId: string, kind: 'server' | 'tui' | 'shell') => void
  /** Asks before removing (what it stops is said there). */
  onRemove: (serverId: string) => void
}

type Action = 'servers.start' | 'servers.stop' | 'servers.restart'

/** One server: what it is, how it is doing, and what can be done to it. */
export const ServerCard = memo(function ServerCard({ server, now, needsAttention, onOpenPane, onRemove }: Props) {
  const { api, store } = useServices()
  const [busy, setBusy] = useState<Action | null>(null)
  const running = server.state !== 'stopped' && server.state !== 'failed'
  const output = useFleet((s) => s.serverOutput[server.id])
  const comingUp = server.state === 'starting' || server.state === 'restarting'
  const up = server.state === 'ready' || server.state === 'busy'

  async function run(action: Action, verb: string): Promise<void> {
    setBusy(action)
    try {
      store.apply('server.updated', await api[action]({ id: server.id }))
    } catch (error) {
      store.notify('error', `Could not ${verb} ${server.name}: ${errorMessage(error)}`)
    } finally {
      setBusy(null)
    }
  }

  const where = [server.host, server.directory ?? server.baseUrl].filter(Boolean).join(' · ')
  return (
    <article aria-label={server.name} className={`card state-${server.state}${needsAttention ? ' needs-attention' : ''}`} data-server-id={server.id}>
      <header className="card-head">
        <h3>{server.name}</h3>
        <span className="kind">{server.kind}</span>
        <span className={`state-badge state-${server.state}`}>
          {server.state}
        </span>
      </header>
      {/* Once it is back up, the trouble that was is history: not red on a ready card. */}
      {server.lastError && !up && <p className="last-error">{server.lastError}</p>}
      {comingUp && output && (
        <p className="server-output" aria-live="polite" title={output}>
          {output}
        </p>
      )}
      {needsAttention && <p className="attention-note">Needs attention</p>}
      <dl className="facts">
        <dt>Where</dt>
        <dd title={where}>{where || '—'}</dd>
        <dt>opencode</dt>
        <dd>{server.version ?? '—'}</dd>
        <dt>Uptime</dt>
        <dd>{uptime(server, now)}</dd>
        <dt>Restarts</dt>
        <dd>{server.restarts}</dd>
        <dt>Tasks</dt>
        <dd>
          {server.running}/{server.capacity} running, {server.queued} queued
        </dd>
        <dt>Last event</dt>
        <dd>{ago(server.lastEventAt, now)}</dd>
        {server.memoryBytes !== undefined && (
          <>
            <dt>CPU · memory</dt>
            <dd>
              {server.cpuPercent === undefined ? '—' : `${server.cpuPercent.toFixed(1)}%`} · {formatBytes(server.memoryBytes)}
            </dd>
          </>
        )}
      </dl>
      <div className="card-actions">
        <button type="button" onClick={() => run('servers.start', 'start')} disabled={busy !== null || running}>
          Start
        </button>
        <button type="button" onClick={() => run('servers.stop', 'stop')} disabled={busy !== null || server.state === 'stopped'}>
          Stop
        </button>
        <button type="button" onClick={() => run('servers.restart', 'restart')} disabled={busy !== null}>
          Restart
        </button>
        <button type="button" onClick={() => onRemove(server.id)} disabled={busy !== null} aria-haspopup="dialog">
          Remove
        </button>
        <button type="button" onClick={() => onOpenPane(server.id, 'server')}>
          Events
        </button>
        <button type="button" onClick={() => onOpenPane(server.id, 'tui')} disabled={server.state !== 'ready' && server.state !== 'busy'} title="The opencode TUI, attached to this server">
          TUI
        </button>
        {server.kind !== 'url' && (
          <button type="button" onClick={() => onOpenPane(server.id, 'shell')} title="A shell on the server's machine, in its directory">
            Shell
          </button>
        )}
      </div>
    </article>
  )
})
