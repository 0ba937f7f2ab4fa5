import type { EventName, EventPayload, ResponseEnvelope } from '../../contract/api'

/** The parts of a `ws` WebSocket the outbox uses. */
export interface OutboxSocket {
  /** Bytes queued for the client and not yet handed to the kernel. */
  readonly bufferedAmount: number
  readonly readyState: number
  readonly OPEN: number
  /** The callback runs once this message has been written out (or the socket failed). */
  send(data: string, callback: (error?: Error) => void): void
  /** Stops reading the client's messages, and starts again. */
  pause(): void
  resume(): void
}

export interface OutboxLimits {
  /** Above this much unsent, the client's terminals pause (their programs block)... */
  congestedBytes: number
  /** ...until it is down to this; then also a client that was over the cap is told and resyncs. */
  drainedBytes: number
  /** Above this, frames of event panes are dropped (the pane is told how many with its next frame). */
  paneDropBytes: number
  /** Above this, every push is dropped and the client's requests wait: nothing more is queued for it. */
  hardCapBytes: number
}

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = {
  congestedBytes: 1024 * 1024,
  drainedBytes: 256 * 1024,
  paneDropBytes: 8 * 1024 * 1024,
  hardCapBytes: 16 * 1024 * 1024,
}

/**
 * Everything the browser host sends one client, with its memory bounded: the socket's backlog
 * pauses the client's terminals past one mark, drops pane frames past a second and every push
 * past a hard cap (reading the client's requests stops too, so no reply can pile up behind it).
 * Once the backlog has drained, a client that lost pushes gets a notice and a `resync`.
 */
export class ClientOutbox {
  private congested = false
  private readingPaused = false
  private droppedPushes = 0

  constructor(
    private readonly ws: OutboxSocket,
    private readonly onCongestion: (congested: boolean) => void,
    private readonly limits: OutboxLimits = DEFAULT_OUTBOX_LIMITS,
  ) {
    const { drainedBytes, congestedBytes, paneDropBytes, hardCapBytes } = limits
    if (!(drainedBytes < congestedBytes && congestedBytes <= paneDropBytes && paneDropBytes <= hardCapBytes)) {
      throw new RangeError(`expected drained < congested ≤ paneDrop ≤ hardCap, got ${drainedBytes}, ${congestedBytes}, ${paneDropBytes}, ${hardCapBytes}`)
    }
  }

  /** Sends a push; false when it was dropped. */
  push(event: EventName, payload: unknown): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false
    const buffered = this.ws.bufferedAmount
    if (event === 'events.data' && buffered > this.limits.paneDropBytes) return false
    // A terminal's exit is tiny and comes once; lost, it would leave its pane waiting on a dead program.
    if (buffered > this.limits.hardCapBytes && event !== 'terminals.exit') {
      this.droppedPushes++
      this.pauseReading()
      return false
    }
    this.write({ event, payload })
    return true
  }

  /** Sends a reply. Never dropped (its caller would wait forever); over the cap, no further request is read. */
  respond(response: ResponseEnvelope): void {
    if (this.ws.readyState !== this.ws.OPEN) return
    this.write(response)
    if (this.ws.bufferedAmount > this.limits.hardCapBytes) this.pauseReading()
  }

  private write(message: object): void {
    this.ws.send(JSON.stringify(message), () => this.written())
    if (!this.congested && this.ws.bufferedAmount > this.limits.congestedBytes) {
      this.congested = true
      this.onCongestion(true)
    }
  }

  private pauseReading(): void {
    if (this.readingPaused) return
    this.readingPaused = true
    this.ws.pause()
  }

  /** One message went out: the backlog only shrinks here, so this is where a drained client resumes. */
  private written(): void {
    if (this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount > this.limits.drainedBytes) return
    if (this.congested) {
      this.congested = false
      this.onCongestion(false)
    }
    if (this.readingPaused) {
      this.readingPaused = false
      this.ws.resume()
    }
    if (this.droppedPushes > 0) {
      const dropped = this.droppedPushes
      this.droppedPushes = 0
      const notice: EventPayload<'notice'> = { level: 'warning', message: `This window fell behind: ${dropped} update${dropped === 1 ? ' was' : 's were'} not sent to it, so it has been reloaded.` }
      this.write({ event: 'notice', payload: notice })
      this.write({ event: 'resync', payload: { dropped } satisfies EventPayload<'resync'> })
    }
  }
}
