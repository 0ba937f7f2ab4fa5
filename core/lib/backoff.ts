/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * 2^attempt)).
 * Full jitter spreads many clients that failed together (a fleet after a network blip) so they
 * do not retry in lockstep.
 */
export interface BackoffPolicy {
  baseMs: number
  capMs: number
}

export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt))
  return Math.floor(random() * ceiling)
}
