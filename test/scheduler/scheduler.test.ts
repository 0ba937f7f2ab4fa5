import { describe, expect, it } from 'vitest'
import { completed, FakeServer, RESULT, setup, spec, until, type Attempt, live } from '../support/fakeScheduler'

describe('Scheduler', () => {
  it('moves a task queued → dispatched → running → completed and journals every change', async () => {
    const { scheduler, runner, journal, events } = setup([new FakeServer('a')])
    const [task] = live(scheduler, scheduler.submit([spec()]))
    expect(task!.state).toBe('dispatched') // bound at once: a free slot exists
    const attempt = await runner.attemptFor(task!.id)
    attempt.handle.started('ses_1', 'http://127.0.0.1:1')
    expect(task!.state).toBe('running')
    expect(task!.sessionId).toBe('ses_1')
    attempt.resolve(completed)
    await until(() => task!.state === 'completed')
    expect(task!.result).toEqual(RESULT)
    expect(task!.attempts).toMatchObject([{ attempt: 1, serverId: 'a', sessionId: 'ses_1', outcome: 'completed' }])
    expect(journal.map((t) => t.state)).toEqual(['queued', 'dispatched', 'running', 'completed'])
    expect(events).toEqual(journal) // the sink sees exactly what the UI is told
    expect(scheduler.pending).toBe(0)
  })

  it('binds late: nothing is bound while no server accepts work', async () => {
    const a = new FakeServer('a', 'starting')
    const { scheduler, runner } = setup([a])
    const tasks = live(scheduler, scheduler.submit([spec(), spec()]))
    scheduler.pump()
    expect(tasks.map((t) => t.state)).toEqual(['queued', 'queued'])
    expect(tasks.every((t) => t.serverId === undefined && t.attempts.length === 0)).toBe(true)
    a.state = 'ready'
    scheduler.pump()
    expect(tasks.map((t) => t.state)).toEqual(['dispatched', 'queued']) // capacity 1
    ;(await runner.attemptFor(tasks[0]!.id)).resolve(completed)
    await until(() => tasks[1]!.state === 'dispatched') // a freed slot pulls the next task
    expect(tasks[1]!.serverId).toBe('a')
  })

  it('never runs more than capacity attempts at once on a server', async () => {
    const servers = [new FakeServer('a', 'ready', { capacity: 2 }), new FakeServer('b', 'ready', { capacity: 3 })]
    const { scheduler, runner } = setup(servers, 'least-loaded')
    const tasks = live(scheduler, scheduler.submit(Array.from({ length: 40 }, () => spec())))
    const settled = new Set<Attempt>()
    while (settled.size < 40) {
      await until(() => runner.attempts.some((x) => !settled.has(x)))
      for (const s of servers) expect(scheduler.load(s.id).running).toBeLessThanOrEqual(s.spec.capacity)
      // Settle one open attempt (alternating ends, so both servers churn).
      const open = runner.attempts.filter((x) => !settled.has(x))
      const next = settled.size % 2 ? open.at(-1)! : open[0]!
      settled.add(next)
      next.resolve(completed)
    }
    await until(() => tasks.every((t) => t.state === 'completed'))
    expect(runner.maxLive.get('a')).toBe(2) // full use of the slots, and never more
    expect(runner.maxLive.get('b')).toBe(3)
    expect(servers.map((s) => scheduler.load(s.id).running)).toEqual([0, 0])
  })

  it('dispatches by priority, then submission order', async () => {
    const a = new FakeServer('a', 'stopped')
    const { scheduler, runner } = setup([a])
    const [low, high, mid1, mid2] = live(scheduler, scheduler.submit([spec({ priority: -5 }), spec({ priority: 10 }), spec({ priority: 3 }), spec({ priority: 3 })]))
    a.state = 'ready'
    scheduler.pump()
    const order: string[] = []
    for (let i = 0; i < 4; i++) {
      await until(() => runner.attempts.length > i)
      order.push(runner.attempts[i]!.handle.task.id)
      runner.attempts[i]!.resolve(completed)
    }
    expect(order).toEqual([high!.id, mid1!.id, mid2!.id, low!.id])
  })

  it('does not let a task waiting for its busy server block tasks for other servers', async () => {
    const { scheduler, runner } = setup([new FakeServer('a'), new FakeServer('b')])
    const [onA] = live(scheduler, scheduler.submit([spec({ target: { kind: 'server', serverId: 'a' } })]))
    const [waitsForA, anyServer] = live(scheduler, scheduler.submit([spec({ priority: 50, target: { kind: 'server', serverId: 'a' } }), spec()]))
    expect(waitsForA!.state).toBe('queued')
    expect(anyServer!.serverId).toBe('b') // went past the higher-priority task stuck behind a
    ;(await runner.attemptFor(onA!.id)).resolve(completed)
    await until(() => waitsForA!.state === 'dispatched')
    expect(waitsForA!.serverId).toBe('a')
  })

  it('cancels a queued task without ever binding it', () => {
    const { scheduler, runner } = setup([new FakeServer('a', 'starting')])
    const [task] = live(scheduler, scheduler.submit([spec()]))
    expect(scheduler.cancel(task!.id).state).toBe('cancelled')
    scheduler.pump()
    expect(task!.attempts).toEqual([])
    expect(runner.attempts).toEqual([])
  })

  it('cancels a running task: the runner sees the abort with reason "cancel"', async () => {
    const { scheduler, runner } = setup([new FakeServer('a')])
    const [task] = live(scheduler, scheduler.submit([spec()]))
    const attempt = await runner.attemptFor(task!.id)
    attempt.handle.started('ses_1', 'http://127.0.0.1:1')
    scheduler.cancel(task!.id)
    expect(attempt.handle.signal.aborted).toBe(true)
    expect(attempt.reasonAtAbort).toBe('cancel')
    await until(() => task!.state === 'cancelled')
    expect(task!.attempts.map((x) => x.outcome)).toEqual(['cancelled'])
  })

  it('fails a task that runs past timeoutMs', async () => {
    const { scheduler, runner } = setup([new FakeServer('a')])
    const [task] = live(scheduler, scheduler.submit([spec({ timeoutMs: 50 })]))
    const attempt = await runner.attemptFor(task!.id)
    await until(() => task!.state === 'failed')
    expect(attempt.reasonAtAbort).toBe('timeout')
    expect(task!.error).toMatch(/timed out/)
    expect(task!.attempts[0]!.outcome).toBe('failed')
  })

  it('re-queues a task whose server is lost to another server, keeping both attempts', async () => {
    const { scheduler, runner } = setup([new FakeServer('a'), new FakeServer('b')])
    const [task] = live(scheduler, scheduler.submit([spec()]))
    expect(task!.serverId).toBe('a')
    scheduler.serverLost('a') // a stays "ready": the task must still avoid it
    await until(() => task!.attempts.length === 2)
    expect(task!.serverId).toBe('b')
    ;(await runner.attemptFor(task!.id)).resolve(completed)
    await until(() => task!.state === 'completed')
    expect(task!.attempts.map((x) => [x.serverId, x.outcome])).toEqual([['a', 'server-lost'], ['b', 'completed']])
  })

  it('fails a task after maxAttempts lost servers', async () => {
    const { scheduler } = setup([new FakeServer('a'), new FakeServer('b')])
    const [task] = live(scheduler, scheduler.submit([spec({ maxAttempts: 2 })]))
    scheduler.serverLost('a')
    await until(() => task!.serverId === 'b')
    scheduler.serverLost('b')
    await until(() => task!.state === 'failed')
    expect(task!.attempts.map((x) => x.outcome)).toEqual(['server-lost', 'server-lost'])
    expect(task!.error).toMatch(/after 2 attempts/)
  })

  it('broadcasts one task per server with a shared groupId', () => {
    const { scheduler } = setup([new FakeServer('a'), new FakeServer('b'), new FakeServer('c')])
    const tasks = live(scheduler, scheduler.submit([spec({ target: { kind: 'broadcast' } })]))
    expect(tasks.map((t) => t.target)).toEqual(['a', 'b', 'c'].map((serverId) => ({ kind: 'server', serverId })))
    expect(tasks.map((t) => t.serverId)).toEqual(['a', 'b', 'c'])
    expect(new Set(tasks.map((t) => t.groupId)).size).toBe(1)
    expect(tasks[0]!.groupId).toBeTruthy()
  })

  it('retries a finished task as a new task', async () => {
    const { scheduler, runner } = setup([new FakeServer('a')])
    const [task] = live(scheduler, scheduler.submit([spec({ prompt: 'again', priority: 7 })]))
    ;(await runner.attemptFor(task!.id)).resolve({ kind: 'failed', error: 'boom' })
    await until(() => task!.state === 'failed')
    expect(task!.error).toBe('boom')
    const retry = scheduler.retry(task!.id)
    expect(retry.id).not.toBe(task!.id)
    expect(retry).toMatchObject({ prompt: 'again', priority: 7, state: 'dispatched' })
    expect(task!.state).toBe('failed') // the old one is history, untouched
    expect(scheduler.list()).toHaveLength(2)
    expect(() => scheduler.retry(retry.id)).toThrow(/finished task/)
  })

  it('rejects a submit naming an unknown server and creates nothing', () => {
    const { scheduler, journal } = setup([new FakeServer('a')])
    expect(() => live(scheduler, scheduler.submit([spec(), spec({ target: { kind: 'server', serverId: 'nope' } })]))).toThrow(/nope/)
    expect(() => live(scheduler, scheduler.submit([spec({ target: { kind: 'broadcast', serverIds: ['a', 'zz'] } })]))).toThrow(/zz/)
    expect(scheduler.list()).toEqual([])
    expect(journal).toEqual([])
  })
})

describe('task snapshots', () => {
  it('are frozen, and one taken earlier does not change under its reader', async () => {
    const { scheduler, runner, events } = setup([new FakeServer('a')])
    const [first] = scheduler.submit([spec()])
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first!.attempts)).toBe(true)
    expect(() => ((first as { state: string }).state = 'completed')).toThrow(TypeError)
    ;(await runner.attemptFor(first!.id)).resolve(completed)
    await until(() => scheduler.get(first!.id).state === 'completed')
    expect(first!.state).toBe('dispatched')
    expect(events.map((t) => t.state)).toEqual(['queued', 'dispatched', 'completed'])
    expect(events.every((t) => Object.isFrozen(t))).toBe(true)
  })
})

describe('slots', () => {
  it('are the scheduler’s: a turn that is over frees its slot for the next task while its result is still being read', async () => {
    const { scheduler, runner, pool } = setup([new FakeServer('a')])
    const [first, second] = live(scheduler, scheduler.submit([spec({ prompt: 'one' }), spec({ prompt: 'two' })]))
    const one = await runner.attemptFor(first!.id)
    expect(scheduler.load('a')).toEqual({ running: 1, queued: 0 })
    expect(second!.state).toBe('queued')
    one.handle.turnOver() // the agent is idle; files and commits are still being collected
    const two = await runner.attemptFor(second!.id)
    expect(first!.state).toBe('dispatched') // not settled yet…
    expect(scheduler.load('a').running).toBe(1) // …and only the second holds the slot
    one.resolve(completed)
    two.resolve(completed)
    await until(() => first!.state === 'completed' && second!.state === 'completed')
    expect(scheduler.load('a').running).toBe(0)
    expect(pool.loadChanges.filter((id) => id === 'a').length).toBeGreaterThanOrEqual(4) // taken and freed, twice
  })

  it('counts the queued tasks that wait for one server as its load', () => {
    const { scheduler } = setup([new FakeServer('a', 'starting'), new FakeServer('b', 'starting')])
    scheduler.submit([spec({ target: { kind: 'server', serverId: 'a' } }), spec({ target: { kind: 'server', serverId: 'a' } }), spec()])
    expect(scheduler.load('a')).toEqual({ running: 0, queued: 2 })
    expect(scheduler.load('b')).toEqual({ running: 0, queued: 0 })
  })
})
