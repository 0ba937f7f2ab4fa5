import { TERMINAL_FLOW } from '../contract/terminalFlow'

/** What can be told to stop producing for a while: a node-pty pty, an ssh2 channel. */
export interface Pausable {
  pause(): void
  resume(): void
}

export interface TerminalFlowLimits {
  highChars: number
  lowChars: number
}

/**
 * Output flow control for one terminal. The program is paused while either the client holds
 * too much of its output unacknowledged (high mark, then low mark: hysteresis, so it does not
 * flap per frame) or the client's transport is congested (the host says so for all its terminals).
 */
export class TerminalFlow {
  private unacked = 0
  private overWindow = false
  private congested = false
  private paused = false
  private source: Pausable | undefined

  constructor(private readonly limits: TerminalFlowLimits = TERMINAL_FLOW) {
    if (!(limits.lowChars < limits.highChars)) throw new RangeError(`expected lowChars < highChars, got ${limits.lowChars} and ${limits.highChars}`)
  }

  /** The program behind the flow; it may arrive after its first output (an SSH shell opens asynchronously). */
  attach(source: Pausable): void {
    this.source = source
    if (this.paused) source.pause()
  }

  get isPaused(): boolean {
    return this.paused
  }

  /** Characters sent and not yet acknowledged. */
  get outstanding(): number {
    return this.unacked
  }

  sent(chars: number): void {
    this.unacked += chars
    if (this.unacked >= this.limits.highChars) this.overWindow = true
    this.apply()
  }

  acknowledged(chars: number): void {
    // Clamped at zero: acknowledging more than was sent must not bank credit for later output.
    this.unacked = Math.max(0, this.unacked - chars)
    if (this.overWindow && this.unacked <= this.limits.lowChars) this.overWindow = false
    this.apply()
  }

  setCongested(congested: boolean): void {
    this.congested = congested
    this.apply()
  }

  private apply(): void {
    const pause = this.overWindow || this.congested
    if (pause === this.paused) return
    this.paused = pause
    if (pause) this.source?.pause()
    else this.source?.resume()
  }
}
