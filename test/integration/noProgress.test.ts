import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../support/harness'

// The no-progress watchdog: a session that stays busy with no event for noProgressMs fails its
// task (a wedged agent must not hold the slot); time spent waiting on a person does not count.
const NO_PROGRESS_MS = 4_000
let h: Harness

beforeAll(async () => {
  h = await startHarness(1, { demo: { permission: { bash: 'ask' } }, noProgressMs: NO_PROGRESS_MS })
  // The first prompt of a fresh server loads a lot and can be silent for seconds: warm it up.
  const [warm] = await h.submit([{ prompt: '@reply warm' }])
  await h.waitTasks([warm!.id])
}, 90_000)

afterAll(async () => {
  await h?.close()
})

describe('no-progress watchdog', () => {
  it('fails a task whose session stays busy and silent, aborts its session, and frees the slot', async () => {
    const [task] = await h.submit([{ prompt: '@delay 30000\n@reply far too late' }])
    const [done] = await h.waitTasks([task!.id], 20_000)
    expect(done!.state).toBe('failed')
    expect(done!.error).toBe(`no progress: the session stayed busy with no event for ${NO_PROGRESS_MS / 1000} s`)
    const client = h.engine.fleet.get('local-1').client!
    const sessionId = done!.attempts[0]!.sessionId!
    const deadline = Date.now() + 5_000
    let status = 'busy'
    while (status !== 'idle' && Date.now() < deadline) {
      status = (await client.sessionStatus())[sessionId]?.type ?? 'idle'
      if (status !== 'idle') await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe('idle')
    const [next] = await h.submit([{ prompt: '@reply next one' }])
    const [ok] = await h.waitTasks([next!.id], 20_000)
    expect(ok!.state, ok!.error).toBe('completed')
  }, 60_000)

  it('does not count the time a permission request waits for its answer', async () => {
    const [task] = await h.submit([{ prompt: '@tool bash {"command":"echo waited","description":"wait for me"}\n@reply answered in time' }])
    const item = await h.waitFor('the permission request', () => h.engine.attention.list().find((a) => a.taskId === task!.id))
    await new Promise((r) => setTimeout(r, NO_PROGRESS_MS + 2_000))
    expect(h.engine.scheduler.get(task!.id).state).toBe('running')
    await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'permission', reply: 'once' } })
    const [done] = await h.waitTasks([task!.id], 20_000)
    expect(done!.state, done!.error).toBe('completed')
  }, 60_000)
})
