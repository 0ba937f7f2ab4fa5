import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAST_SUPERVISOR, startHarness, type Harness } from '../support/harness'
import { closedPort, TcpStandin } from '../support/tcpStandins'

// Attached (url) servers that cannot be reached, next to a real local opencode server: the
// supervisor keeps reconnecting, but no task waits for a server that cannot take it.
let h: Harness
const standins: TcpStandin[] = []

beforeAll(async () => {
  // Reconnects a little faster than the default, so "it came back" takes seconds here.
  h = await startHarness(0, { supervisor: { ...FAST_SUPERVISOR, reconnect: { ...FAST_SUPERVISOR.restart, maxFailures: 50 } } })
}, 60_000)

afterAll(async () => {
  for (const standin of standins) await standin.close()
  await h?.close()
})

const final = (state: string) => ['completed', 'failed', 'cancelled'].includes(state)

function addUrl(id: string, port: number, password?: string) {
  return h.engine.addServer({ kind: 'url', id, name: id, capacity: 1, baseUrl: `http://127.0.0.1:${port}` }, { password, start: true })
}

describe('servers that cannot be reached', () => {
  it('a url server nothing listens on says "connection refused" at once; its tasks, and tasks for any server, fail with that', async () => {
    const started = Date.now()
    const view = await addUrl('refused', await closedPort())
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(view.lastError).toBe('server unreachable: connection refused')
    expect(view.state).toBe('restarting')
    expect(h.pushes.some((p) => p.event === 'notice' && /refused: server unreachable: connection refused; reconnecting/.test(JSON.stringify(p.payload)))).toBe(true)

    const tasks = await h.submit([{ prompt: '@reply any' }, { prompt: '@reply targeted', target: { kind: 'server', serverId: 'refused' } }])
    const done = await h.waitTasks(tasks.map((t) => t.id), 15_000)
    expect(done.map((t) => [t.state, t.error, t.attempts.length])).toEqual([
      ['failed', 'server unreachable: connection refused', 0],
      ['failed', 'server unreachable: connection refused', 0],
    ])
  }, 60_000)

  it('port 1 (which fetch refuses to use) with nothing listening is "connection refused" too', async () => {
    const view = await addUrl('port-one', 1)
    expect(view.lastError).toBe('server unreachable: connection refused')
    await h.engine.removeServer('port-one')
  }, 30_000)

  it('while another server is starting, work for any server waits for it and runs there; work for the unreachable one still fails', async () => {
    const adding = h.engine.addServer({ kind: 'local', id: 'local-1', name: 'local-1', capacity: 1, directory: h.project, demo: true }, { start: true })
    expect(h.engine.fleet.get('local-1').state).toBe('starting')
    const [any, targeted] = await h.submit([{ prompt: '@reply waited for local-1' }, { prompt: '@reply never', target: { kind: 'server', serverId: 'refused' } }])
    await h.waitTasks([targeted!.id], 15_000)
    expect(h.engine.scheduler.get(targeted!.id)).toMatchObject({ state: 'failed', error: 'server unreachable: connection refused' })
    expect(h.engine.scheduler.get(any!.id).state).not.toBe('failed')
    expect((await adding).lastError).toBeUndefined()
    const [done] = await h.waitTasks([any!.id])
    expect(done).toMatchObject({ state: 'completed', serverId: 'local-1', result: expect.objectContaining({ text: 'waited for local-1' }) })
  }, 90_000)

  it('an attached server that accepts connections but never answers: "timed out", its tasks fail', async () => {
    const silent = await TcpStandin.listen(0)
    standins.push(silent)
    const view = await addUrl('silent', silent.port)
    expect(view.lastError).toBe(`server unreachable: timed out (no answer within ${FAST_SUPERVISOR.healthTimeoutMs} ms)`)
    const [task] = await h.submit([{ prompt: '@reply never', target: { kind: 'server', serverId: 'silent' } }])
    const [done] = await h.waitTasks([task!.id], 15_000)
    expect(done).toMatchObject({ state: 'failed', error: view.lastError })
    await h.engine.removeServer('silent')
  }, 60_000)

  it('a wrong password is refused at once: the server fails and its tasks fail with that reason', async () => {
    const local = new URL(h.engine.fleet.get('local-1').instance!.baseUrl)
    const started = Date.now()
    const view = await addUrl('wrong-password', Number(local.port), 'not-the-password')
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(view.state).toBe('failed')
    expect(view.lastError).toMatch(/refused our credentials \(HTTP 401\)/)
    const [task] = await h.submit([{ prompt: '@reply never', target: { kind: 'server', serverId: 'wrong-password' } }])
    const [done] = await h.waitTasks([task!.id], 15_000)
    expect(done).toMatchObject({ state: 'failed', error: view.lastError })
  }, 60_000)

  it('reconnects once the server comes up, takes work, and its queued work fails when it goes away again', async () => {
    const local = h.engine.fleet.get('local-1').instance!
    const port = await closedPort()
    expect((await addUrl('comes-and-goes', port, local.auth!.password)).lastError).toBe('server unreachable: connection refused')
    const relay = await TcpStandin.listen(port, Number(new URL(local.baseUrl).port))
    standins.push(relay)
    await h.waitFor('the url server to reconnect', () => h.engine.fleet.get('comes-and-goes').state === 'ready')
    const target = { kind: 'server' as const, serverId: 'comes-and-goes' }
    const [first] = await h.submit([{ prompt: '@reply through the relay', target }])
    expect((await h.waitTasks([first!.id]))[0]).toMatchObject({ state: 'completed', result: expect.objectContaining({ text: 'through the relay' }) })

    // Busy with a long task, one more queued behind it; then the server vanishes.
    const [long, queued] = await h.submit([{ prompt: '@delay 60000\n@reply late', target }, { prompt: '@reply queued', target }])
    await h.waitFor('the long task to run', () => h.engine.scheduler.get(long!.id).state === 'running')
    await relay.close()
    const [gone] = await h.waitTasks([queued!.id], 30_000)
    expect(gone!.state).toBe('failed')
    // Failed by the probes (unhealthy), or by its own attempts if the slot freed first: either way the real cause.
    expect(gone!.error).toMatch(/(health probe failed \d× \(GET \/global\/health|POST \/session): connection refused/)
    h.engine.scheduler.cancel(long!.id)
    await h.waitFor('the long task to end', () => final(h.engine.scheduler.get(long!.id).state), 15_000)
  }, 120_000)
})
