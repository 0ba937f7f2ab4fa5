import type { TaskResult } from '../contract/tasks'
import type { AbortReason, AttemptOutcome } from './types'

/** What an ended attempt means for its task. */
export type AttemptVerdict =
  | { kind: 'finish'; attempt: 'completed' | 'failed' | 'cancelled'; state: 'completed' | 'failed' | 'cancelled'; error?: string; result?: TaskResult }
  /** The prompt never reached the session: nothing ran, so the attempt does not count. */
  | { kind: 'not-started' }
  /** The server went away under it: try another server, within the task's attempts. */
  | { kind: 'server-lost'; error: string }

/**
 * Judges an ended attempt. Why the scheduler stopped it wins over what the runner saw: a cancel
 * or a timeout looks like an error on the server's side.
 */
export function attemptVerdict(reason: AbortReason | undefined, outcome: AttemptOutcome, timeoutMs: number | undefined): AttemptVerdict {
  if (reason === 'cancel') return { kind: 'finish', attempt: 'cancelled', state: 'cancelled', error: 'cancelled' }
  if (reason === 'timeout') {
    const error = `timed out after ${Math.round((timeoutMs ?? 0) / 1000)} s`
    return { kind: 'finish', attempt: 'failed', state: 'failed', error }
  }
  if (outcome.kind === 'not-started' && reason === undefined) return { kind: 'not-started' }
  if (reason === 'server-lost' || outcome.kind === 'server-lost') {
    return { kind: 'server-lost', error: outcome.kind === 'server-lost' || outcome.kind === 'failed' ? outcome.error : 'server lost' }
  }
  if (outcome.kind === 'completed') return { kind: 'finish', attempt: 'completed', state: 'completed', result: outcome.result }
  if (outcome.kind === 'cancelled') return { kind: 'finish', attempt: 'cancelled', state: 'cancelled', error: 'cancelled on the server' }
  const error = outcome.kind === 'failed' ? outcome.error : 'no outcome'
  return { kind: 'finish', attempt: 'failed', state: 'failed', error }
}
