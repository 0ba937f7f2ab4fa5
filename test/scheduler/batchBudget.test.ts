import { describe, expect, it } from 'vitest'
import { Scheduler } from '../../core/scheduler/scheduler'
import { FakePool, FakeRunner, FakeServer, RESULT, spec, until } from '../support/fakeScheduler'

// --max-cost: once a batch's finished attempts have cost its limit, none of its queued tasks starts.
describe('a batch with a cost limit', () => {
  it('starts tasks while the batch has cost less than its limit, then cancels the rest with the reason; other batches go on', async () => {
    const runner = new FakeRunner()
    const scheduler = new Scheduler({ pool: new FakePool([new FakeServer('a')]), runner })
    const limited = scheduler.submit([spec(), spec(), spec()], [], { maxCost: 1 })
    const free = scheduler.submit([spec()])
    const costing = (cost: number) => ({ kind: 'completed' as const, result: { ...RESULT, cost } })
    ;(await runner.attemptFor(limited[0]!.id)).resolve(costing(0.6))
    // $0.60 of $1: the second starts.
    ;(await runner.attemptFor(limited[1]!.id)).resolve(costing(0.6))
    // $1.20: the third is not started; the other batch's task is.
    await until(() => scheduler.get(limited[2]!.id).state === 'cancelled')
    expect(scheduler.get(limited[2]!.id).error).toBe('not started: its group has cost $1.2000 so far, its limit is $1.0000 (--max-cost)')
    expect(runner.attempts.some((a) => a.handle.task.id === limited[2]!.id)).toBe(false)
    ;(await runner.attemptFor(free[0]!.id)).resolve(costing(5))
    await until(() => scheduler.get(free[0]!.id).state === 'completed')
  })

  it('refuses a limit that is not a positive number of dollars', () => {
    const scheduler = new Scheduler({ pool: new FakePool([new FakeServer('a')]), runner: new FakeRunner() })
    expect(() => scheduler.submit([spec()], [], { maxCost: 0 })).toThrow(/expected a cost limit above 0 USD, got 0/)
    expect(() => scheduler.submit([spec()], [], { maxCost: Number.NaN })).toThrow(/above 0 USD/)
  })
})
