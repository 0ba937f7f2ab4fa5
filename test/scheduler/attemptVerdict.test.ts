import { describe, expect, it } from 'vitest'
import { attemptVerdict } from '../../core/scheduler/attemptVerdict'

const RESULT = { text: 'ok', tokens: { input: 1, output: 1, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, cost: 0, durationMs: 5, files: [] }

describe('attemptVerdict', () => {
  it('lets the scheduler’s own reason win over what the runner saw', () => {
    expect(attemptVerdict('cancel', { kind: 'failed', error: 'aborted' }, undefined)).toEqual({ kind: 'finish', attempt: 'cancelled', state: 'cancelled', error: 'cancelled' })
    expect(attemptVerdict('timeout', { kind: 'completed', result: RESULT }, 90_400)).toEqual({ kind: 'finish', attempt: 'failed', state: 'failed', error: 'timed out after 90 s' })
    expect(attemptVerdict('server-lost', { kind: 'failed', error: 'socket hang up' }, undefined)).toEqual({ kind: 'server-lost', error: 'socket hang up' })
    expect(attemptVerdict('server-lost', { kind: 'cancelled' }, undefined)).toEqual({ kind: 'server-lost', error: 'server lost' })
  })

  it('takes the runner’s outcome when nothing stopped the attempt', () => {
    expect(attemptVerdict(undefined, { kind: 'completed', result: RESULT }, undefined)).toEqual({ kind: 'finish', attempt: 'completed', state: 'completed', result: RESULT })
    expect(attemptVerdict(undefined, { kind: 'failed', error: 'tool failed' }, undefined)).toEqual({ kind: 'finish', attempt: 'failed', state: 'failed', error: 'tool failed' })
    expect(attemptVerdict(undefined, { kind: 'cancelled' }, undefined)).toEqual({ kind: 'finish', attempt: 'cancelled', state: 'cancelled', error: 'cancelled on the server' })
    expect(attemptVerdict(undefined, { kind: 'server-lost', error: 'gone' }, undefined)).toEqual({ kind: 'server-lost', error: 'gone' })
    // A prompt that never reached its session does not count as an attempt…
    expect(attemptVerdict(undefined, { kind: 'not-started' }, undefined)).toEqual({ kind: 'not-started' })
    // …unless the scheduler stopped it meanwhile.
    expect(attemptVerdict('cancel', { kind: 'not-started' }, undefined)).toMatchObject({ kind: 'finish', state: 'cancelled' })
  })
})
