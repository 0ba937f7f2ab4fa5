import type { StreamRef } from '../../contract/api'
import { FlotillaError } from '../../lib/errors'
import { shortId } from '../../lib/random'
import { SessionRenderer } from '../../view/sessionRenderer'
import { eventSessionId } from '../../contract/opencode'
import type { Engine } from '../engine'
import type { Handlers } from './types'

export interface StreamFrame {
  subscriptionId: string
  data: string
  dropped: number
}

/** Per client: at most this many open streams (a pane each; 16 panes plus headroom). */
const MAX_SUBSCRIPTIONS = 64

/**
 * One client's event streams (panes). Output is gathered and sent as one frame per
 * subscription every `frameMs` (~16 ms), so a chatty server costs one message per frame,
 * not one per event.
 */
export class ClientStreams {
  private readonly closers = new Map<string, () => void>()
  /** Per subscription: the frame being gathered, and how many events its text holds (counted if it is dropped). */
  private readonly pending = new Map<string, { frame: StreamFrame; events: number }>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly engine: Engine,
    /** Returns false when the transport dropped the frame (a client too far behind). */
    private readonly send: (frame: StreamFrame) => boolean | void,
    private readonly frameMs = 16,
  ) {}

  subscribe(stream: StreamRef): { subscriptionId: string; backlog: string } {
    if (this.closers.size >= MAX_SUBSCRIPTIONS) throw new FlotillaError(`expected at most ${MAX_SUBSCRIPTIONS} open streams, got more`, 'conflict')
    const subscriptionId = shortId('s')
    if (stream.kind === 'server') {
      this.engine.fleet.get(stream.serverId)
      const renderers = new Map<string, SessionRenderer>()
      const subscription = this.engine.hub.subscribe({ serverId: stream.serverId }, (s) => {
        const { items, dropped } = s.drain()
        let text = ''
        for (const { event } of items) {
          const session = eventSessionId(event) ?? ''
          let renderer = renderers.get(session)
          if (!renderer) renderers.set(session, (renderer = new SessionRenderer(this.engine.secrets)))
          text += renderer.render(event)
        }
        this.queue(subscriptionId, text, dropped, items.length)
      })
      this.closers.set(subscriptionId, () => subscription.close())
      return { subscriptionId, backlog: '' }
    }
    this.engine.scheduler.get(stream.taskId)
    // Routed per task by the hub: a listener on the scheduler per open pane piled up (MaxListenersExceededWarning).
    const subscription = this.engine.hub.subscribeOutput({ taskId: stream.taskId }, (s) => {
      const { items, dropped } = s.drain()
      this.queue(subscriptionId, items.map((item) => item.text).join(''), dropped, items.length)
    })
    this.closers.set(subscriptionId, () => subscription.close())
    // Read in the same turn as the subscription opens: nothing published can fall between backlog and live output.
    return { subscriptionId, backlog: this.engine.outputs.get(stream.taskId) }
  }

  unsubscribe(subscriptionId: string): void {
    const close = this.closers.get(subscriptionId)
    if (!close) throw new FlotillaError(`expected an open subscription id, got "${subscriptionId}"`, 'not_found')
    close()
    this.closers.delete(subscriptionId)
    this.pending.delete(subscriptionId)
  }

  dispose(): void {
    for (const close of this.closers.values()) close()
    this.closers.clear()
    this.pending.clear()
    clearTimeout(this.timer)
  }

  private queue(subscriptionId: string, data: string, dropped: number, events: number): void {
    if (!data && !dropped) return
    const gathering = this.pending.get(subscriptionId)
    if (gathering) {
      gathering.frame.data += data
      gathering.frame.dropped += dropped
      gathering.events += events
    } else this.pending.set(subscriptionId, { frame: { subscriptionId, data, dropped }, events })
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.frameMs)
      this.timer.unref()
    }
  }

  private flush(): void {
    this.timer = undefined
    const gathered = [...this.pending.values()]
    this.pending.clear()
    for (const { frame, events } of gathered) {
      if (!this.closers.has(frame.subscriptionId) || this.send(frame) !== false) continue
      // Dropped by the transport: the pane is told with its next frame, counting the events this one held.
      this.pending.set(frame.subscriptionId, { frame: { subscriptionId: frame.subscriptionId, data: '', dropped: frame.dropped + events }, events: 0 })
    }
  }
}

export function streamHandlers(streams: ClientStreams): Handlers<'events.subscribe' | 'events.unsubscribe'> {
  return {
    'events.subscribe': ({ stream }) => streams.subscribe(stream),
    'events.unsubscribe': ({ subscriptionId }) => {
      streams.unsubscribe(subscriptionId)
      return { ok: true as const }
    },
  }
}
