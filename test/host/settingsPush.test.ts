import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Settings } from '../../core/contract/settings'
import { createApiClient, type ApiClient } from '../../core/contract/client'
import { Engine } from '../../core/host/engine'
import { createInProcessTransport } from '../../core/host/inProcessTransport'

let dir: string
let engine: Engine
let clients: ApiClient[]

/** A client on the shared engine (a browser tab, the app window) and every settings push it got. */
function connect(): { client: ApiClient; seen: Settings[] } {
  const client = createApiClient(createInProcessTransport(engine))
  const seen: Settings[] = []
  client.on('settings.updated', (settings) => seen.push(settings))
  clients.push(client)
  return { client, seen }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-settings-push-'))
  engine = await Engine.create({ settingsDir: dir })
  clients = []
})

afterEach(async () => {
  for (const client of clients) client.close()
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('settings changes reach every client', () => {
  it('a change made by one client is pushed to the other as settings.updated', async () => {
    const a = connect()
    const b = connect()
    const saved = await a.client['settings.update']({ patch: { theme: 'dark', strategy: 'random' } })
    expect(saved).toMatchObject({ theme: 'dark', strategy: 'random' })
    expect(b.seen).toEqual([saved])
    expect(a.seen).toEqual([saved])
    expect(engine.scheduler.strategy).toBe('random')
    expect(await b.client['settings.get']({})).toEqual(saved)
  })

  it('scheduler.setStrategy goes through the same owner: saved, applied and pushed', async () => {
    const a = connect()
    const b = connect()
    await expect(a.client['scheduler.setStrategy']({ strategy: 'round-robin' })).resolves.toEqual({ strategy: 'round-robin' })
    expect(b.seen.map((s) => s.strategy)).toEqual(['round-robin'])
    expect(engine.settings!.get().strategy).toBe('round-robin')
    expect(engine.scheduler.strategy).toBe('round-robin')
    // Nothing changed, nothing announced.
    await a.client['settings.update']({ patch: { strategy: 'round-robin' } })
    expect(b.seen).toHaveLength(1)
  })

  it("a task's own strategy travels with the task and changes no setting", async () => {
    const a = connect()
    const b = connect()
    const [task] = await a.client['tasks.submit']({ tasks: [{ prompt: 'per prompt', target: { kind: 'any', strategy: 'random' } }] })
    expect(task!.target).toEqual({ kind: 'any', strategy: 'random' })
    expect(engine.settings!.get().strategy).toBe('least-loaded')
    expect(engine.scheduler.strategy).toBe('least-loaded')
    expect([...a.seen, ...b.seen]).toEqual([])
  })
})
