import { useState } from 'react'
import type { ServerView } from '../../../core/contract/servers'
import { Dialog } from './Dialog'

interface Props {
  server: ServerView
  /** Panes in the grid that show this server (events, TUI, shell): they close with it. */
  openPanes: number
  onConfirm: () => Promise<void>
  onClose: () => void
}

/**
 * Asks before a server is removed and says what that stops. Cancel has the focus, so an Enter
 * that came one press too many (the one that opened this) does not remove anything.
 */
export function RemoveServerDialog({ server, openPanes, onConfirm, onClose }: Props) {
  const [removing, setRemoving] = useState(false)
  const stops = consequences(server, openPanes)

  async function confirm(): Promise<void> {
    setRemoving(true)
    try {
      await onConfirm()
    } finally {
      setRemoving(false)
    }
  }

  return (
    <Dialog label={`Remove ${server.name}?`} onClose={onClose} className="confirm">
      <h2>Remove {server.name}?</h2>
      {stops.length > 0 ? (
        <>
          <p>This stops:</p>
          <ul className="consequences">
            {stops.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      ) : (
        <p>Nothing runs on it now.</p>
      )}
      {server.kind === 'url' && <p>The server itself keeps running: Flotilla did not start it, and only lets go of it.</p>}
      <p className="hint">It is also taken off the saved servers.</p>
      <div className="dialog-actions">
        <button type="button" onClick={onClose} data-autofocus disabled={removing}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={removing}>
          {removing ? 'Removing…' : 'Remove server'}
        </button>
      </div>
    </Dialog>
  )
}

/** What removing this server stops, one line each, in the order a user would care. */
export function consequences(server: ServerView, openPanes: number): string[] {
  const lines: string[] = []
  if (server.running > 0) lines.push(`${plural(server.running, 'running task')} (retried on another server where one can take ${server.running === 1 ? 'it' : 'them'})`)
  if (openPanes > 0) lines.push(`${plural(openPanes, 'open pane')} (events, TUI and shells of this server)`)
  const up = server.state !== 'stopped' && server.state !== 'failed'
  if (up && server.kind !== 'url') lines.push(processLine(server))
  return lines
}

function processLine(server: ServerView): string {
  switch (server.kind) {
    case 'local':
      return `the opencode server Flotilla started on this machine${server.pid === undefined ? '' : ` (pid ${server.pid})`}`
    case 'ssh':
      return `the opencode server Flotilla started on ${server.host ?? 'its host'}`
    case 'tmux':
      return 'the opencode server Flotilla started in a tmux window, and the window'
    case 'wezterm':
      return 'the opencode server Flotilla started in a WezTerm pane, and the pane'
    default:
      return 'the opencode server Flotilla started'
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
