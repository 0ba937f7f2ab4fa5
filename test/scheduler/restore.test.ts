import { describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { completed, FakeRunner, FakeServer, setup, spec, until } from '../support/fakeScheduler'

/** What the journal holds after a run on server `a`: one task done, one running in ses_9, one dispatched before its session existed, one queued. */
async function journalAtCrash(): Promise<{ saved: TaskView[]; ids: Record<'done' | 'running' | 'unstarted' | 'queued', string> }> {
  const first = setup([new FakeServer('a', 'ready', { capacity: 2 })])
  const [done, running, unstarted, queued] = first.scheduler.submit([spec({ prompt: 'done' }), spec({ prompt: 'running' }), spec({ prompt: 'unstarted' }), spec({ prompt: 'queued' })])
  ;(await first.runner.attemptFor(done!.id)).resolve(completed)
  ;(await first.runner.attemptFor(running!.id)).handle.started('ses_9', 'http://127.0.0.1:1')
  await first.runner.attemptFor(unstarted!.id) // dispatched; the crash comes before its session is recorded
  expect(queued!.state).toBe('queued')
  return { saved: first.scheduler.list().map((t) => structuredClone(t)), ids: { done: done!.id, running: running!.id, unstarted: unstarted!.id, queued: queued!.id } }
}

describe('Scheduler.restore', () => {
  it('resolves a task with a session on its own server before anything else; only work that never started runs again', async () => {
    const { saved, ids } = await journalAtCrash()
    const a = new FakeServer('a', 'starting', { capacity: 2 })
    const b = new FakeServer('b')
    const second = setup([a, b])
    const resume = new FakeRunner()
    second.scheduler.restore(saved, resume)
    const running = second.scheduler.get(ids.running)
    // Never re-dispatched elsewhere while its server is coming up, though b is free.
    expect(running).toMatchObject({ state: 'running', serverId: 'a', sessionId: 'ses_9' })
    expect(second.scheduler.get(ids.done).state).toBe('completed')
    // The never-started one lost its empty attempt and runs again; the queued one runs as it was.
    const unstarted = second.scheduler.get(ids.unstarted)
    expect(unstarted.state).toBe('dispatched')
    expect(unstarted.serverId).toBe('b')
    expect(unstarted.attempts).toHaveLength(1)
    expect(second.scheduler.get(ids.queued).state).toBe('queued')
    expect(resume.attempts).toEqual([])

    a.state = 'ready'
    second.scheduler.pump()
    const attempt = await resume.attemptFor(ids.running)
    expect(attempt.handle.serverId).toBe('a')
    expect(attempt.handle.task.sessionId).toBe('ses_9')
    // The restored session holds one of a's two slots; the queued task takes the other.
    expect(second.scheduler.load('a').running).toBe(2)
    expect(second.scheduler.get(ids.queued).serverId).toBe('a')
    attempt.resolve(completed)
    await until(() => second.scheduler.get(ids.running).state === 'completed')
    expect(second.scheduler.get(ids.running).attempts).toMatchObject([{ attempt: 1, serverId: 'a', sessionId: 'ses_9', outcome: 'completed' }])
    expect(second.runner.attempts.filter((x) => x.handle.task.id === ids.running)).toEqual([]) // never sent again
  })

  it('keeps the slot of a server with a session to read: queued work waits until it is read', async () => {
    const { saved, ids } = await journalAtCrash()
    const a = new FakeServer('a', 'ready', { capacity: 1 })
    const second = setup([a])
    const resume = new FakeRunner()
    second.scheduler.restore(saved, resume)
    expect(second.scheduler.load('a').running).toBe(1)
    expect((await resume.attemptFor(ids.running)).handle.task.id).toBe(ids.running)
    expect(second.scheduler.get(ids.queued).state).toBe('queued')
    expect(second.scheduler.get(ids.unstarted).state).toBe('queued')
  })

  it('a session that never got its prompt runs again without using up an attempt', async () => {
    const { saved, ids } = await journalAtCrash()
    const second = setup([new FakeServer('a', 'ready', { capacity: 3 })])
    const resume = new FakeRunner()
    second.scheduler.restore(
      saved.map((t) => (t.id === ids.running ? { ...t, maxAttempts: 1 } : t)),
      resume,
    )
    ;(await resume.attemptFor(ids.running)).resolve({ kind: 'not-started' })
    await until(() => second.runner.attempts.some((x) => x.handle.task.id === ids.running))
    const task = second.scheduler.get(ids.running)
    expect(task.state).toBe('dispatched')
    expect(task.attempts).toMatchObject([{ attempt: 1, outcome: 'running' }])
    expect(task.sessionId).toBeUndefined()
  })

  it('a session whose server failed gets the server-lost policy: another server, within its attempts', async () => {
    const { saved, ids } = await journalAtCrash()
    const a = new FakeServer('a', 'starting')
    const second = setup([a, new FakeServer('b', 'ready', { capacity: 3 })])
    const resume = new FakeRunner()
    second.scheduler.restore(saved, resume)
    a.state = 'failed'
    second.scheduler.pump()
    const task = second.scheduler.get(ids.running)
    expect(task.state).toBe('dispatched')
    expect(task.serverId).toBe('b')
    expect(task.attempts.map((x) => [x.serverId, x.outcome])).toEqual([
      ['a', 'server-lost'],
      ['b', 'running'],
    ])
    expect(task.attempts[0]!.error).toMatch(/server a failed before its session could be read/)
    expect(resume.attempts).toEqual([])
  })

  it('a session whose server is not configured again within the grace time is handled as a lost server', async () => {
    const { saved, ids } = await journalAtCrash()
    let now = 1_000_000
    const second = setup([new FakeServer('b', 'ready', { capacity: 3 })], 'round-robin', { now: () => now })
    second.scheduler.restore(
      saved.map((t) => (t.id === ids.running ? { ...t, maxAttempts: 1 } : t)),
      new FakeRunner(),
      { graceMs: 5_000 },
    )
    const task = () => second.scheduler.get(ids.running)
    now += 4_999
    second.scheduler.pump()
    expect(task().state).toBe('running')
    now += 1
    second.scheduler.pump()
    expect(task().state).toBe('failed') // its one attempt is used: never run twice
    expect(task().error).toMatch(/its server a is not configured any more \(after 1 attempt\)/)
  })

  it('cancelling a task whose session was not read yet ends it and says the session may still run', async () => {
    const { saved, ids } = await journalAtCrash()
    const a = new FakeServer('a', 'starting')
    const second = setup([a])
    const resume = new FakeRunner()
    second.scheduler.restore(saved, resume)
    const task = second.scheduler.cancel(ids.running)
    expect(task.state).toBe('cancelled')
    expect(task.error).toMatch(/before its session on a could be read/)
    a.state = 'ready'
    second.scheduler.pump()
    expect(resume.attempts).toEqual([])
  })

  it('stopRestoring (the engine closing) leaves unread sessions as journalled, for the next start', async () => {
    const { saved, ids } = await journalAtCrash()
    let now = 0
    const second = setup([], 'round-robin', { now: () => now })
    second.scheduler.restore(saved, new FakeRunner(), { graceMs: 10 })
    const writes = second.journal.length
    second.scheduler.stopRestoring()
    now += 1_000
    second.scheduler.pump()
    expect(second.scheduler.get(ids.running).state).toBe('running')
    expect(second.journal.filter((t) => t.id === ids.running)).toEqual([])
    expect(second.journal).toHaveLength(writes)
  })
})
