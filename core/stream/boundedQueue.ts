/**
 * A FIFO with a hard cap: when full, the oldest item is dropped and counted. A slow reader
 * loses old items instead of slowing the writer or growing memory without bound.
 */
export class BoundedQueue<T> {
  private items: T[] = []
  private head = 0
  dropped = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`expected a capacity ≥ 1, got ${capacity}`)
  }

  get size(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    if (this.size >= this.capacity) {
      this.head++
      this.dropped++
    }
    this.items.push(item)
    // Compact now and then so the array does not grow with everything ever pushed.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }

  /** Removes and returns everything queued, plus how many items were dropped since last time. */
  drain(): { items: T[]; dropped: number } {
    const items = this.items.slice(this.head)
    const dropped = this.dropped
    this.items = []
    this.head = 0
    this.dropped = 0
    return { items, dropped }
  }
}
