import { useEffect, useState } from 'react'
import type { ConnectionStatus } from '../api/transport'
import { useFleet, useNow, useServices } from '../state/hooks'
import { expiredToasts } from '../state/notices'
import { Dialog } from './Dialog'

/** How long the toasts stay after the pointer or the focus leaves them. */
const HOLD_AFTER_MS = 3_000

/**
 * The connection banner (in the page: while it shows, nothing works) and the engine's notices as
 * toasts over the bottom corner: one per server and kind, each gone after its time (errors last
 * longest; pointer or focus on them holds them), gone with their server and once it is back up.
 * Every notice stays in the notice log (palette: "Notice log").
 */
export function NoticeArea() {
  const { store } = useServices()
  const connection = useFleet((s) => s.connection)
  const notices = useFleet((s) => s.notices)
  const logOpen = useFleet((s) => s.noticeLogOpen === true)
  const now = useNow(500)
  // While the pointer or focus is on the toasts: Infinity; after it leaves, a few seconds more.
  const [heldUntil, setHeldUntil] = useState(0)
  const hold = () => setHeldUntil(Infinity)
  const release = () => setHeldUntil(Date.now() + HOLD_AFTER_MS)

  useEffect(() => {
    for (const n of expiredToasts(notices, now, heldUntil)) store.dismiss(n.id)
  }, [notices, now, store, heldUntil])

  const banner = connectionText(connection, now)
  const errors = notices.filter((n) => n.level === 'error')
  const others = notices.filter((n) => n.level !== 'error')
  const toast = (n: (typeof notices)[number]) => (
    <div key={n.id} className={`toast notice-${n.level}`}>
      <span>
        {n.message}
        {(n.repeats ?? 1) > 1 && <span className="repeats"> ×{n.repeats}</span>}
      </span>
      <button type="button" onClick={() => store.dismiss(n.id)} aria-label="Dismiss">
        ×
      </button>
    </div>
  )
  return (
    <>
      <div className="notices">{banner && <p role="alert" className={`banner banner-${connection.state}`}>{banner}</p>}</div>
      <div className="toasts" onMouseEnter={hold} onMouseLeave={release} onFocus={hold} onBlur={release}>
        <div role="alert" className="toast-group">
          {errors.map(toast)}
        </div>
        <div role="status" className="toast-group">
          {others.map(toast)}
        </div>
      </div>
      {logOpen && <NoticeLog onClose={() => store.showNoticeLog(false)} />}
    </>
  )
}

/** Every notice since the page loaded, newest first (opened from the palette). */
function NoticeLog({ onClose }: { onClose: () => void }) {
  const log = useFleet((s) => s.noticeLog)
  return (
    <Dialog label="Notice log" onClose={onClose} className="notice-log">
      <div className="dialog-head">
        <h2>Notice log</h2>
        <button type="button" onClick={onClose} data-autofocus>
          Close
        </button>
      </div>
      {log.length === 0 ? (
        <p className="empty">No notices since this page was opened.</p>
      ) : (
        <ol aria-label="Past notices" className="notice-log-list">
          {[...log].reverse().map((n) => (
            <li key={n.id} className={`notice-${n.level}`}>
              <time dateTime={new Date(n.at).toISOString()}>{new Date(n.at).toLocaleTimeString()}</time> <span className="level">{n.level}</span> <span>{n.message}</span>
            </li>
          ))}
        </ol>
      )}
    </Dialog>
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
