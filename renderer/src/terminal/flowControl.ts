/** Where flow-controlled text goes: xterm's `write(data, callback)` in the app, a fake in tests. */
export interface FlowSink {
  write(data: string, done: () => void): void
}

export interface FlowOptions {
  /** Stop feeding the sink when this much is written but not yet parsed (xterm's advice: ≤ 500 KB). */
  highWatermark?: number
  /** Resume feeding once the sink has worked down to this. */
  lowWatermark?: number
  /** Held text beyond this is dropped, oldest first, so a stalled pane never grows memory without bound. */
  maxHeld?: number
  /** Written in place of dropped text. */
  dropMarker?: (droppedChars: number) => string
}

export const DEFAULT_HIGH_WATERMARK = 256 * 1024
export const DEFAULT_LOW_WATERMARK = 32 * 1024
export const DEFAULT_MAX_HELD = 4 * 1024 * 1024

/**
 * Write flow control for one terminal. Sizes are counted in string length (UTF-16 units),
 * as xterm's own flow-control guide does. Pure: no timers, no DOM; the sink's callbacks drive it.
 */
export class FlowControl {
  private readonly high: number
  private readonly low: number
  private readonly maxHeld: number
  private readonly marker: (dropped: number) => string
  private readonly held: Array<{ data: string; done?: () => void }> = []
  /** Completions of text handed to the sink and not parsed yet (a reset runs them: that text is gone). */
  private readonly inFlightDone = new Set<{ done: () => void }>()
  private heldSize = 0
  private inFlight = 0
  private droppedSinceWrite = 0
  private isPaused = false
  /** Bumped by reset(): callbacks from writes before a reset no longer count. */
  private generation = 0
  droppedTotal = 0

  constructor(
    private readonly sink: FlowSink,
    options: FlowOptions = {},
  ) {
    this.high = Math.min(options.highWatermark ?? DEFAULT_HIGH_WATERMARK, 500 * 1024)
    this.low = Math.min(options.lowWatermark ?? DEFAULT_LOW_WATERMARK, this.high)
    this.maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD
    this.marker = options.dropMarker ?? ((n) => `\r\n\x1b[2m… ${n} characters of output skipped (pane too slow) …\x1b[22m\r\n`)
  }

  /** Characters handed to the sink whose callback has not come back yet. */
  get pending(): number {
    return this.inFlight
  }

  /** Characters waiting here because the sink is above the high watermark. */
  get buffered(): number {
    return this.heldSize
  }

  get paused(): boolean {
    return this.isPaused
  }

  /**
   * Queues text for the sink. `done` runs exactly once, when the sink has parsed it, or it was
   * dropped or forgotten (reset): whatever happens to it, the sender gets its credit back.
   */
  push(data: string, done?: () => void): void {
    if (!data) return done?.()
    if (!this.isPaused && this.held.length === 0 && this.inFlight < this.high) {
      this.send(data, done)
      return
    }
    this.held.push({ data, done })
    this.heldSize += data.length
    while (this.heldSize > this.maxHeld && this.held.length > 1) {
      const dropped = this.held.shift()!
      this.heldSize -= dropped.data.length
      this.droppedSinceWrite += dropped.data.length
      this.droppedTotal += dropped.data.length
      dropped.done?.()
    }
  }

  /** Forgets held text (the pane is about to be redrawn from a backlog). */
  reset(): void {
    const forgotten = [...this.held.map((item) => item.done), ...[...this.inFlightDone].map((entry) => entry.done)]
    this.held.length = 0
    this.inFlightDone.clear()
    this.heldSize = 0
    this.inFlight = 0
    this.droppedSinceWrite = 0
    this.isPaused = false
    this.generation++
    for (const done of forgotten) done?.()
  }

  private send(data: string, done?: () => void): void {
    const generation = this.generation
    let text = data
    if (this.droppedSinceWrite > 0) {
      text = this.marker(this.droppedSinceWrite) + data
      this.droppedSinceWrite = 0
    }
    this.inFlight += text.length
    if (this.inFlight >= this.high) this.isPaused = true
    let called = false
    const entry = done && { done }
    if (entry) this.inFlightDone.add(entry)
    this.sink.write(text, () => {
      if (called || generation !== this.generation) return
      called = true
      this.inFlight -= text.length
      if (entry) {
        this.inFlightDone.delete(entry)
        entry.done()
      }
      if (this.isPaused && this.inFlight <= this.low) {
        this.isPaused = false
        this.drain()
      }
    })
  }

  private drain(): void {
    while (!this.isPaused && this.held.length > 0) {
      const next = this.held.shift()!
      this.heldSize -= next.data.length
      this.send(next.data, next.done)
    }
  }
}
