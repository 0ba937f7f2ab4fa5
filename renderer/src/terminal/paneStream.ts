import type { StreamRef } from '../../../core/contract/api'
import { ansi } from '../../../core/view/ansi'
import { errorMessage, type ApiClient } from '../api/client'

/** Where a pane's text goes (a FlowControl in front of a terminal). */
export interface PaneSink {
  /** `done` runs once the text is parsed, dropped or forgotten (interactive terminals acknowledge it to the host). */
  push(data: string, done?: () => void): void
  /** Clears the pane before a backlog redraws it. */
  reset(): void
}

type StreamClient = Pick<ApiClient, 'on' | 'onStatus' | 'status' | 'events.subscribe' | 'events.unsubscribe'>

/**
 * Feeds one pane from one engine stream: subscribes, writes the backlog, then every
 * `events.data` frame for that subscription. Subscriptions live and die with a connection,
 * so it subscribes again after every reconnect (a task's backlog redraws the whole output).
 */
export function openPaneStream(client: StreamClient, stream: StreamRef, sink: PaneSink): () => void {
  let subscriptionId: string | undefined
  let closed = false
  let connected = client.status().state === 'open'
  let subscribedOnce = false

  async function subscribe(): Promise<void> {
    subscriptionId = undefined
    try {
      const { subscriptionId: id, backlog } = await client['events.subscribe']({ stream })
      if (closed) {
        void client['events.unsubscribe']({ subscriptionId: id }).catch(() => {})
        return
      }
      if (subscribedOnce) {
        if (stream.kind === 'task') sink.reset()
        else sink.push(ansi.dim('— reconnected; events sent while disconnected are not shown —') + '\n')
      }
      if (!subscribedOnce && stream.kind === 'server' && !backlog) sink.push(ansi.dim('Waiting for this server’s events…') + '\n')
      subscribedOnce = true
      subscriptionId = id
      if (backlog) sink.push(backlog)
    } catch (error) {
      // A lost connection subscribes again on reconnect; anything else is the pane's to show.
      if (!closed && client.status().state === 'open') sink.push(ansi.red(`✗ ${errorMessage(error)}`) + '\n')
    }
  }

  const offData = client.on('events.data', ({ subscriptionId: id, data, dropped }) => {
    if (closed || id !== subscriptionId) return
    if (dropped > 0) sink.push(ansi.dim(`… ${dropped} event${dropped === 1 ? '' : 's'} dropped (the pane fell behind) …`) + '\n')
    sink.push(data)
  })
  const offStatus = client.onStatus((status) => {
    const open = status.state === 'open'
    if (open && !connected && !closed) void subscribe()
    if (!open) subscriptionId = undefined
    connected = open
  })

  if (connected) void subscribe()

  return () => {
    if (closed) return
    closed = true
    offData()
    offStatus()
    if (subscriptionId && client.status().state === 'open') void client['events.unsubscribe']({ subscriptionId }).catch(() => {})
    subscriptionId = undefined
  }
}
