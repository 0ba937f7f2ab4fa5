import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { createApiClient } from '../../core/contract/client'
import { Engine } from '../../core/host/engine'
import { createInProcessTransport } from '../../core/host/inProcessTransport'

let dir: string | undefined
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }))

it("settings.maxAttempts is the attempts of every task that does not set its own", async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-attempts-'))
  const engine = await Engine.create({ settingsDir: dir })
  const client = createApiClient(createInProcessTransport(engine))
  try {
    await client['settings.update']({ patch: { maxAttempts: 5 } })
    const [inherits, own] = await client['tasks.submit']({ tasks: [{ prompt: 'a' }, { prompt: 'b', maxAttempts: 2 }] })
    expect(inherits!.maxAttempts).toBe(5)
    expect(own!.maxAttempts).toBe(2)
    // A later change applies to tasks submitted after it.
    await client['settings.update']({ patch: { maxAttempts: 1 } })
    const [later] = await client['tasks.submit']({ tasks: [{ prompt: 'c' }] })
    expect(later!.maxAttempts).toBe(1)
  } finally {
    client.close()
    await engine.close()
  }
})
