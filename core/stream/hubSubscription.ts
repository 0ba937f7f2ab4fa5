import { BoundedQueue } from './boundedQueue'

/**
 * A buffered subscription to one hub topic (server events, task output): items wait in a
 * bounded queue until the reader drains them, so a slow reader never slows the writer and
 * never grows memory. `onReadable` is called (once per batch, on a microtask) when the queue
 * goes from empty to non-empty.
 */
export class HubSubscription<T> {
  readonly queue: BoundedQueue<T>
  private scheduled = false
  closed = false

  constructor(
    capacity: number,
    private readonly onReadable: (subscription: HubSubscription<T>) => void,
    private readonly detach: (subscription: HubSubscription<T>) => void,
  ) {
    this.queue = new BoundedQueue(capacity)
  }

  offer(item: T): void {
    this.queue.push(item)
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      if (!this.closed && this.queue.size > 0) this.onReadable(this)
    })
  }

  drain(): { items: T[]; dropped: number } {
    return this.queue.drain()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.detach(this)
  }
}
