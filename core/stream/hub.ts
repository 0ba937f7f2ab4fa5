import type { OcEvent } from '../contract/opencode'
import { eventSessionId } from '../contract/opencode'
import { BoundedQueue } from './boundedQueue'

export interface HubEvent {
  serverId: string
  event: OcEvent
  at: number
  /** The opencode instance (project folder or worktree) it came from, as opencode resolved the path. */
  directory?: string
}

export interface HubFilter {
  serverId?: string
  sessionId?: string
}

/**
 * A buffered subscription: events wait in a bounded queue until the reader drains them, so a
 * slow pane never slows the stream. `onReadable` is called (once per batch, on a microtask)
 * when the queue goes from empty to non-empty.
 */
export class HubSubscription {
  readonly queue: BoundedQueue<HubEvent>
  private scheduled = false
  closed = false

  constructor(
    readonly filter: HubFilter,
    capacity: number,
    private readonly onReadable: (subscription: HubSubscription) => void,
    private readonly detach: (subscription: HubSubscription) => void,
  ) {
    this.queue = new BoundedQueue(capacity)
  }

  matches(item: HubEvent): boolean {
    if (this.filter.serverId && this.filter.serverId !== item.serverId) return false
    if (this.filter.sessionId && this.filter.sessionId !== eventSessionId(item.event)) return false
    return true
  }

  offer(item: HubEvent): void {
    this.queue.push(item)
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      if (!this.closed && this.queue.size > 0) this.onReadable(this)
    })
  }

  drain(): { items: HubEvent[]; dropped: number } {
    return this.queue.drain()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.detach(this)
  }
}

/**
 * One SSE stream per server comes in; many readers go out. In-engine listeners (scheduler,
 * attention) are called inline and must be quick; everything else gets a bounded subscription.
 */
export class EventHub {
  private readonly listeners = new Set<(item: HubEvent) => void>()
  private readonly subscriptions = new Set<HubSubscription>()

  publish(serverId: string, event: OcEvent, at = Date.now(), directory?: string): void {
    const item: HubEvent = { serverId, event, at, directory }
    for (const listener of this.listeners) listener(item)
    for (const subscription of this.subscriptions) if (subscription.matches(item)) subscription.offer(item)
  }

  listen(listener: (item: HubEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  subscribe(filter: HubFilter, onReadable: (subscription: HubSubscription) => void, capacity = 10_000): HubSubscription {
    const subscription = new HubSubscription(filter, capacity, onReadable, (s) => this.subscriptions.delete(s))
    this.subscriptions.add(subscription)
    return subscription
  }

  get subscriberCount(): number {
    return this.subscriptions.size
  }
}
