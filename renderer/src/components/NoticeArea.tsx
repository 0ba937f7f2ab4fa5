import { useEffect } from 'react'
import type { ConnectionStatus } from '../api/transport'
import { useFleet, useNow, useServices } from '../state/hooks'

const INFO_LIFETIME_MS = 8_000

/** The connection banner and the engine's notices (errors stay until dismissed). */
export function NoticeArea() {
  const { store } = useServices()
  const connection = useFleet((s) => s.connection)
  const notices = useFleet((s) => s.notices)
  const now = useNow(1_000)

  useEffect(() => {
    const expired = notices.filter((n) => n.level === 'info' && now - n.at > INFO_LIFETIME_MS)
    for (const n of expired) store.dismiss(n.id)
  }, [notices, now, store])

  const banner = connectionText(connection, now)
  const errors = notices.filter((n) => n.level === 'error')
  const others = notices.filter((n) => n.level !== 'error')
  return (
    <div className="notices">
      <div role="alert" className="notice-alerts">
        {banner && <p className={`banner banner-${connection.state}`}>{banner}</p>}
        {errors.map((n) => (
          <p key={n.id} className="notice notice-error">
            <span>{n.message}</span>
            <button type="button" onClick={() => store.dismiss(n.id)} aria-label="Dismiss">
              ×
            </button>
          </p>
        ))}
      </div>
      <div role="status" className="notice-status">
        {others.map((n) => (
          <p key={n.id} className={`notice notice-${n.level}`}>
            <span>{n.message}</span>
            <button type="button" onClick={() => store.dismiss(n.id)} aria-label="Dismiss">
              ×
            </button>
          </p>
        ))}
      </div>
    </div>
  )
}

export function connectionText(status: ConnectionStatus, now: number): string | null {
  switch (status.state) {
    case 'open':
      return null
    case 'connecting':
      return 'Connecting to Flotilla…'
    case 'closed':
      return 'Disconnected from Flotilla. Reload the page to connect again.'
    case 'reconnecting': {
      const seconds = status.retryAt ? Math.max(0, Math.ceil((status.retryAt - now) / 1000)) : 0
      const hint = status.attempt >= 3 ? ' If this persists, open the URL (with its token) that `flotilla serve` printed.' : ''
      return `Disconnected from Flotilla; reconnecting${seconds ? ` in ${seconds} s` : '…'} (attempt ${status.attempt}).${hint}`
    }
  }
}
