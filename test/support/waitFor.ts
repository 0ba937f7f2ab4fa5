/**
 * Polls `probe` until it returns a value (not undefined or false); `check` runs on every poll and
 * may throw to give up early (a backlog running away while waiting for it to stop).
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, options: { timeoutMs?: number; check?: () => void } = {}): Promise<T> {
  const { timeoutMs = 20_000, check } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined && value !== false) return value
    check?.()
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
