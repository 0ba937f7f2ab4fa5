import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalLauncher } from '../../core/launchers/local'
import type { RunningServer } from '../../core/launchers/types'
import { stripAnsi } from '../../core/view/ansi'
import { DropProxy } from '../support/dropProxy'
import { startHarness, type Harness } from '../support/harness'

// A real server reached through a proxy that cuts the SSE stream mid-task.
let h: Harness
let direct: RunningServer
let proxy: DropProxy

beforeAll(async () => {
  h = await startHarness(0)
  direct = await new LocalLauncher().start(
    { kind: 'local', id: 'behind-proxy', name: 'behind-proxy', capacity: 1, directory: h.project, demo: true },
    { env: h.engine.demo!.envFor('behind-proxy') },
  )
  proxy = await DropProxy.start(direct.baseUrl)
  await h.engine.addServer(
    { kind: 'url', id: 'flaky', name: 'flaky', capacity: 1, baseUrl: proxy.url },
    { password: direct.auth!.password, start: true },
  )
}, 90_000)

afterAll(async () => {
  // The server first: it keeps its state in the demo runtime's folder, which h.close() removes
  // (and its background plugin install may still be writing there).
  await direct?.stop()
  await proxy?.close()
  await h?.close()
})

const WORDS = Array.from({ length: 24 }, (_, i) => `w${i}`)

describe('event stream drops', () => {
  it('reconnects, resyncs, and shows no event twice in the task output', async () => {
    const [task] = await h.submit([{ prompt: `@rate 8\n@reply ${WORDS.join(' ')}` }])
    await h.waitFor('streaming to start', () => stripAnsi(h.engine.outputs.get(task!.id)).includes('w2'))
    expect(proxy.dropStreams()).toBeGreaterThan(0)
    // Drop again once it has reconnected, while the answer is still streaming.
    await h.waitFor('the stream to reconnect', () => proxy.openStreams > 0)
    // ...and once the engine has caught up through it (resync done, words flowing again).
    const words = () => stripAnsi(h.engine.outputs.get(task!.id)).match(/w\d+/g)?.length ?? 0
    const before = words()
    await h.waitFor('a word that came after the reconnect', () => words() > before)
    expect(h.engine.scheduler.get(task!.id).state).toBe('running')
    proxy.dropStreams()

    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('completed')
    expect(done!.attempts).toHaveLength(1)
    const output = stripAnsi(h.engine.outputs.get(task!.id))
    // Every word exactly once, in order: nothing lost, nothing repeated.
    const seen = output.match(/w\d+/g)
    expect(seen).toEqual(WORDS)
    expect(done!.result?.text).toBe(WORDS.join(' '))
    expect(h.engine.fleet.get('flaky').state).toBe('ready')
  }, 90_000)

  it('a turn that ends while the stream is down is still noticed (resync)', async () => {
    const [task] = await h.submit([{ prompt: '@rate 20\n@reply short and quick while nobody listens' }])
    await h.waitFor('streaming to start', () => stripAnsi(h.engine.outputs.get(task!.id)).includes('short'))
    proxy.dropStreams()
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('completed')
    expect(stripAnsi(h.engine.outputs.get(task!.id)).match(/short/g)).toHaveLength(1)
  }, 90_000)
})
