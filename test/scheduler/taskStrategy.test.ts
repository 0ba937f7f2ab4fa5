import { describe, expect, it } from 'vitest'
import { Scheduler } from '../../core/scheduler/scheduler'
import { FakePool, FakeRunner, FakeServer, spec, until, live } from '../support/fakeScheduler'

describe('a task that names its own strategy', () => {
  it('is placed by that strategy, and the scheduler keeps its own for every other task', async () => {
    const servers = [new FakeServer('a'), new FakeServer('b'), new FakeServer('c')]
    const runner = new FakeRunner()
    // random() near 1 picks the last candidate; least-loaded would take the next in rotation.
    const scheduler = new Scheduler({ pool: new FakePool(servers), runner, strategy: 'least-loaded', random: () => 0.99 })
    const [plain] = live(scheduler, scheduler.submit([spec()]))
    const [own] = live(scheduler, scheduler.submit([spec({ target: { kind: 'any', strategy: 'random' } })]))
    await until(() => scheduler.get(own.id).serverId !== undefined)
    expect(scheduler.get(plain.id).serverId).toBe('a')
    expect(scheduler.get(own.id)).toMatchObject({ serverId: 'c', target: { kind: 'any', strategy: 'random' } })
    expect(scheduler.strategy).toBe('least-loaded')
  })
})
