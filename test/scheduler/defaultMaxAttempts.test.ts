import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { createDispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'

let dir: string | undefined
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }))

it("settings.maxAttempts is the attempts of every task that does not set its own", async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-attempts-'))
  const engine = await Engine.create({ settingsDir: dir })
  const dispatcher = createDispatcher(engine, () => {})
  try {
    const call = async (method: 'settings.update' | 'tasks.submit', params: unknown) => {
      const res = await dispatcher.call(method, params)
      if ('error' in res) throw new Error(res.error.message)
      return res.result
    }
    await call('settings.update', { patch: { maxAttempts: 5 } })
    const [inherits, own] = (await call('tasks.submit', { tasks: [{ prompt: 'a' }, { prompt: 'b', maxAttempts: 2 }] })) as TaskView[]
    expect(inherits!.maxAttempts).toBe(5)
    expect(own!.maxAttempts).toBe(2)
    // A later change applies to tasks submitted after it.
    await call('settings.update', { patch: { maxAttempts: 1 } })
    const [later] = (await call('tasks.submit', { tasks: [{ prompt: 'c' }] })) as TaskView[]
    expect(later!.maxAttempts).toBe(1)
  } finally {
    dispatcher.dispose()
    await engine.close()
  }
})
