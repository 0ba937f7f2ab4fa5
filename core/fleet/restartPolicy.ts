import { fullJitterDelay, type BackoffPolicy } from '../lib/backoff'

export interface RestartPolicyOptions {
  backoff: BackoffPolicy
  /** Give up after this many failures within `windowMs`. */
  maxFailures: number
  windowMs: number
  /** Uptime after which the backoff starts again from its base. */
  stableMs: number
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  backoff: { baseMs: 1_000, capMs: 30_000 },
  maxFailures: 5,
  windowMs: 5 * 60_000,
  stableMs: 60_000,
}

/**
 * Servers Flotilla does not own: an attempt to reach one that is down fails at once (one request),
 * so more tries spread over about two minutes ride out a restart of the remote server.
 */
export const DEFAULT_RECONNECT_POLICY: RestartPolicyOptions = {
  backoff: { baseMs: 1_000, capMs: 30_000 },
  maxFailures: 12,
  windowMs: 10 * 60_000,
  stableMs: 60_000,
}

export type RestartDecision = { kind: 'restart'; delayMs: number; attempt: number } | { kind: 'give-up'; failures: number }

/**
 * Pure bookkeeping for one server's restarts: which failures still count, how long to wait,
 * and when to stop trying. `readyAt` is when the failed incarnation became ready (if it did).
 */
export function decideRestart(
  failures: readonly number[],
  now: number,
  consecutive: number,
  readyAt: number | undefined,
  policy: RestartPolicyOptions,
  random: () => number = Math.random,
): { decision: RestartDecision; failures: number[]; consecutive: number } {
  const recent = [...failures.filter((t) => now - t < policy.windowMs), now]
  // A server that ran stably before failing starts its backoff from the base again.
  const streak = readyAt !== undefined && now - readyAt >= policy.stableMs ? 0 : consecutive
  if (recent.length >= policy.maxFailures) {
    return { decision: { kind: 'give-up', failures: recent.length }, failures: recent, consecutive: streak + 1 }
  }
  const delayMs = fullJitterDelay(streak, policy.backoff, random)
  return { decision: { kind: 'restart', delayMs, attempt: streak + 1 }, failures: recent, consecutive: streak + 1 }
}
