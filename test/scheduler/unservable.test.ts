import { describe, expect, it } from 'vitest'
import { completed, FakeServer, setup, spec, until, live } from '../support/fakeScheduler'

/** A server the fleet reports as down, like a ManagedServer Flotilla does not own and cannot reach. */
class UnreachableServer extends FakeServer {
  constructor(
    id: string,
    readonly unavailable = 'server unreachable: connection refused',
  ) {
    super(id, 'restarting')
  }
}

describe('Scheduler: work no server can take', () => {
  it('fails a task for an unreachable or failed server with its reason; work for any server waits while one is starting', () => {
    const starting = new FakeServer('s', 'starting')
    const failed = new FakeServer('f', 'failed')
    const { scheduler } = setup([new UnreachableServer('u'), failed, starting])
    const [forU, forF, any] = live(scheduler, scheduler.submit([spec({ target: { kind: 'server', serverId: 'u' } }), spec({ target: { kind: 'server', serverId: 'f' } }), spec()]))
    expect([forU, forF, any].map((t) => [t!.state, t!.error])).toEqual([
      ['failed', 'server unreachable: connection refused'],
      ['failed', 'failed'],
      ['queued', undefined],
    ])
    starting.state = 'ready'
    scheduler.pump()
    expect(any!.serverId).toBe('s')
  })

  it('work for any server fails once every server is down, naming each; a fleet the user stopped keeps it waiting', () => {
    const a = new FakeServer('a', 'stopped')
    const b = new FakeServer('b', 'stopped')
    const { scheduler } = setup([a, b])
    const [waits] = live(scheduler, scheduler.submit([spec()]))
    expect(waits!.state).toBe('queued')
    a.state = 'failed'
    scheduler.pump()
    expect(waits).toMatchObject({ state: 'failed', error: 'failed' })

    const { scheduler: other } = setup([new UnreachableServer('u'), new UnreachableServer('v', 'server unreachable: host not found')])
    const [task] = other.submit([spec()])
    expect(task!.error).toBe('no server can take it: u: server unreachable: connection refused; v: server unreachable: host not found')
  })

  it('a re-queued task does not wait for an unreachable server: it goes back to the one it left', async () => {
    const a = new FakeServer('a')
    const { scheduler, runner } = setup([a, new UnreachableServer('u')])
    const [task] = live(scheduler, scheduler.submit([spec()]))
    scheduler.serverLost('a')
    await until(() => task!.attempts.length === 2)
    expect(task!.attempts.map((x) => x.serverId)).toEqual(['a', 'a'])
    ;(await runner.attemptFor(task!.id)).resolve(completed)
    await until(() => task!.state === 'completed')
  })
})
