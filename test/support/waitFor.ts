/** What a probe answers: a value when the wait is over, `undefined` or `false` while it is not. */
export type Probe<T> = T | undefined | false

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number
  /** Time between probes (default 50 ms); fakes that pass through short-lived states poll faster. */
  intervalMs?: number
  /** Runs on every poll and may throw to give up early (a backlog running away while waiting for it to stop). */
  check?: () => void
  /** What the wait saw last, for the timeout's message (a task's state, a process's stderr). */
  seen?: () => string
}

/**
 * The one polling wait of the tests: polls `probe` (sync or async) until it returns a value (not
 * undefined or false) and returns that value; fails naming `what` and how long it waited.
 */
export async function waitFor<T>(what: string, probe: () => Probe<T> | Promise<Probe<T>>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 50, check, seen } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    check?.()
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; ${seen()}` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
