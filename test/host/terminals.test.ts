import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { startHarness, type Harness } from '../support/harness'

// Terminal panes through the dispatcher: a real shell in node-pty, and the real opencode TUI
// attached to a real server (scripted model).
let h: Harness

beforeAll(async () => {
  h = await startHarness(1)
}, 90_000)
afterAll(async () => {
  await h?.close()
})

function output(terminalId: string): string {
  return h.pushes
    .filter((p) => p.event === 'terminals.data' && (p.payload as { terminalId: string }).terminalId === terminalId)
    .map((p) => (p.payload as { data: string }).data)
    .join('')
}

async function open(kind: 'shell' | 'tui', serverId?: string): Promise<string> {
  const res = await h.dispatcher.call('terminals.open', { kind, serverId, cols: 100, rows: 30 })
  if ('error' in res) throw new Error(res.error.message)
  return (res.result as { terminalId: string }).terminalId
}

describe('terminals', () => {
  it('a shell echoes what is typed, in the server directory; closing it ends the process', async () => {
    const id = await open('shell', 'local-1')
    await h.dispatcher.call('terminals.write', { terminalId: id, data: 'echo "flotilla-$((40 + 2))"; pwd\r' })
    await h.waitFor('the echo', () => stripAnsi(output(id)).includes('flotilla-42'), 15_000)
    expect(stripAnsi(output(id))).toContain(h.project)
    expect(await h.dispatcher.call('terminals.close', { terminalId: id })).toEqual({ id: 0, result: { ok: true } })
    await h.waitFor('the exit push', () => h.pushes.some((p) => p.event === 'terminals.exit' && (p.payload as { terminalId: string }).terminalId === id), 10_000)
    expect(await h.dispatcher.call('terminals.write', { terminalId: id, data: 'x' })).toMatchObject({ error: { code: 'not_found' } })
  }, 30_000)

  it('a TUI terminal shows the real opencode TUI attached to the server', async () => {
    const id = await open('tui', 'local-1')
    // The TUI draws its prompt with the model it got from the server: our scripted model.
    await h.waitFor('the TUI to draw', () => stripAnsi(output(id)).includes('Scripted model'), 45_000)
    expect(stripAnsi(output(id))).toContain('Ask anything')
    await h.dispatcher.call('terminals.close', { terminalId: id })
  }, 60_000)

  it('refuses what it cannot open, with a reason', async () => {
    expect(await h.dispatcher.call('terminals.open', { kind: 'tui' })).toMatchObject({ error: { code: 'bad_request', message: expect.stringMatching(/serverId/) } })
    expect(await h.dispatcher.call('terminals.open', { kind: 'tui', serverId: 'ghost' })).toMatchObject({ error: { code: 'not_found' } })
    expect(await h.dispatcher.call('terminals.open', { kind: 'shell', cols: 1 })).toMatchObject({ error: { code: 'bad_request' } })
  })
})
