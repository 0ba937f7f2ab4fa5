import { describe, expect, it } from 'vitest'
import { createDispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'

// The answers of servers.* and attention.list carry the same redacted views as the pushes: a
// known server password never comes back in a server's last error or an inbox item's text.
describe('API answers are redacted like the pushes', () => {
  it('servers.list and attention.list show no known password', async () => {
    const engine = await Engine.create({})
    const dispatcher = createDispatcher(engine, () => {})
    const password = 'pw-Zq8xLm2Rt5Vb9Nc3'
    try {
      await engine.addServer({ kind: 'url', id: 'att', name: 'att', capacity: 1, baseUrl: 'http://127.0.0.1:9' }, { password, start: false })
      // What a server can put in front of the user: its last error, a question shown in the inbox.
      engine.fleet.get('att').lastError = `upstream said: password ${password} rejected`
      const asked = engine.attention.askInstall('att', { host: `box-${password}`, command: 'npm install -g opencode-ai' })
      const servers = await dispatcher.call('servers.list', {})
      const items = await dispatcher.call('attention.list', {})
      expect(JSON.stringify(servers)).not.toContain(password)
      expect(JSON.stringify(servers)).toContain('upstream said: password •••• rejected')
      // The item's title is what the user reads (its ids stay as they are, to be answered by).
      expect(items).toMatchObject({ result: [{ title: 'opencode is not installed on box-••••. Install it there with: npm install -g opencode-ai' }] })
      const id = engine.attention.list()[0]!.id
      await dispatcher.call('attention.answer', { id, answer: { kind: 'install', accept: false } })
      expect(await asked).toBe(false)
    } finally {
      dispatcher.dispose()
      await engine.close()
    }
  })
})
