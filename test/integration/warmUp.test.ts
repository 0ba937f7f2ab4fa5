import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LocalLauncher } from '../../core/launchers/local'
import type { RunningServer } from '../../core/launchers/types'
import { OpencodeClient } from '../../core/opencode/client'
import { startHarness, type Harness } from '../support/harness'

// opencode loads a folder's instance and its providers lazily, on the first request that needs
// them (~1-3 s here): a Flotilla server asks for its launch folder's as it comes up, so its first
// task does not pay for it. Observed through `GET /provider?directory=`: ~1 s on a fresh server,
// a few ms once loaded. A bare server started the same way (no warm-up) is the reference, side by side.
let h: Harness
let bare: RunningServer | undefined

beforeAll(async () => {
  h = await startHarness(1)
}, 90_000)

afterAll(async () => {
  await bare?.stop()
  await h?.close()
})

async function timedProvider(client: OpencodeClient, directory: string): Promise<number> {
  const started = performance.now()
  const response = await fetch(`${client.baseUrl}/provider?directory=${encodeURIComponent(directory)}`, { headers: client.authHeaders() })
  expect(response.status).toBe(200)
  await response.arrayBuffer()
  return performance.now() - started
}

async function healthy(client: OpencodeClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await client.health().then((x) => x.healthy, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('bare server never became healthy')
}

describe('warm-up of a freshly started server', () => {
  it('has loaded the launch folder’s providers by the time its warm-up settles, unlike a bare server', async () => {
    const server = h.engine.fleet.get('local-1')
    expect(server.state).toBe('ready')
    await server.client!.warmedUp
    const warmed = await timedProvider(server.client!, h.project)

    bare = await new LocalLauncher().start({ kind: 'local', id: 'bare', name: 'bare', capacity: 1, directory: h.project, demo: true }, { env: h.engine.demo!.envFor('bare') })
    const bareClient = new OpencodeClient({ baseUrl: bare.baseUrl, auth: bare.auth })
    await healthy(bareClient)
    const cold = await timedProvider(bareClient, h.project)

    // Measured here: 4-30 ms warmed vs 650-1900 ms cold; a third leaves room for a loaded machine.
    expect(warmed, `warmed ${warmed.toFixed(0)} ms vs cold ${cold.toFixed(0)} ms`).toBeLessThan(cold / 3)
  }, 90_000)
})

describe('result collection on the same server', () => {
  it('asks for no diff when the turn has no patch part (opencode\'s would be empty), and one when it has', async () => {
    const diff = vi.spyOn(h.engine.fleet.get('local-1').client!, 'diff')
    try {
      const [text] = await h.submit([{ prompt: '@reply nothing written', target: { kind: 'server', serverId: 'local-1' } }])
      const [done] = await h.waitTasks([text!.id])
      expect(done!.state).toBe('completed')
      expect(done!.result?.files).toEqual([])
      expect(diff).not.toHaveBeenCalled()

      const [write] = await h.submit([{ prompt: '@tool write {"filePath":"warm-written.txt","content":"hi\\n"}\n@reply wrote it', target: { kind: 'server', serverId: 'local-1' } }])
      const [wrote] = await h.waitTasks([write!.id])
      expect(wrote!.result?.files).toEqual([expect.objectContaining({ file: 'warm-written.txt', additions: 1 })])
      expect(diff).toHaveBeenCalled()
    } finally {
      diff.mockRestore()
    }
  }, 90_000)
})
