// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { createApiClient } from '../../renderer/src/api/client'
import { openTerminalSession } from '../../renderer/src/terminal/terminalSession'
import { FakeTransport, flush } from '../support/fakeTransport'

function setup(size = { cols: 100, rows: 30 }) {
  let n = 0
  const transport = new FakeTransport((method) => {
    if (method === 'terminals.open') return { terminalId: `p${++n}`, title: 'shell · local-1' }
    if (method.startsWith('terminals.')) return { ok: true }
    throw new Error(`unexpected ${method}`)
  })
  const out: string[] = []
  /** Completions of pushed text, run when the test says the pane has parsed it. */
  const parsed: Array<() => void> = []
  const running = vi.fn()
  const current = { ...size }
  const sink = { push: (d: string, done?: () => void) => (out.push(d), done && parsed.push(done)), reset: () => {} }
  const session = openTerminalSession(createApiClient(transport), { kind: 'shell', serverId: 'local-1' }, sink, () => current, { onRunning: running })
  const calls = (method: string) => transport.sent.filter((m) => m.method === method).map((m) => m.params)
  return { transport, out, parsed, running, session, current, calls }
}

describe('terminal session', () => {
  it('opens at the pane size, relays its output, sends keys typed before and after it opened', async () => {
    const { transport, out, running, session, calls } = setup()
    session.write('e')
    expect(calls('terminals.open')).toEqual([{ kind: 'shell', serverId: 'local-1', cols: 100, rows: 30 }])
    await flush()
    session.write('cho hi\r')
    transport.push('terminals.data', { terminalId: 'p1', data: 'hi\r\n' })
    transport.push('terminals.data', { terminalId: 'other', data: 'not mine' })
    expect(calls('terminals.write')).toEqual([{ terminalId: 'p1', data: 'e' }, { terminalId: 'p1', data: 'cho hi\r' }])
    expect(out).toEqual(['hi\r\n'])
    expect(running).toHaveBeenLastCalledWith(true)
  })

  it('follows resizes, including one made while it was opening', async () => {
    const { session, current, calls } = setup()
    current.cols = 120
    await flush()
    expect(calls('terminals.resize')).toEqual([{ terminalId: 'p1', cols: 120, rows: 30 }])
    session.resize(90, 20)
    expect(calls('terminals.resize').at(-1)).toEqual({ terminalId: 'p1', cols: 90, rows: 20 })
  })

  it('shows the exit; Enter starts a new one', async () => {
    const { transport, out, running, session, calls } = setup()
    await flush()
    transport.push('terminals.exit', { terminalId: 'p1', code: 0 })
    expect(stripAnsi(out.join(''))).toContain('[exited with code 0; press Enter to start again]')
    expect(running).toHaveBeenLastCalledWith(false)
    session.write('x')
    expect(calls('terminals.write')).toEqual([])
    session.write('\r')
    await flush()
    expect(calls('terminals.open')).toHaveLength(2)
  })

  it('sends a long paste in pieces the contract accepts', async () => {
    const { session, calls } = setup()
    await flush()
    session.write('y'.repeat(150_000))
    expect(calls('terminals.write').map((p) => (p as { data: string }).data.length)).toEqual([65_536, 65_536, 18_928])
  })

  it('closes the terminal with the pane', async () => {
    const { session, calls } = setup()
    await flush()
    session.close()
    expect(calls('terminals.close')).toEqual([{ terminalId: 'p1' }])
  })

  it('after a reconnect, opens a fresh terminal in place of the lost one', async () => {
    const { transport, out, session, calls } = setup()
    await flush()
    transport.setStatus({ state: 'reconnecting', attempt: 1 })
    transport.setStatus({ state: 'open', attempt: 0 })
    await flush()
    expect(calls('terminals.open')).toHaveLength(2)
    expect(stripAnsi(out.join(''))).toContain('[connection lost: this terminal ended]')
    session.write('a')
    expect(calls('terminals.write').at(-1)).toEqual({ terminalId: 'p2', data: 'a' })
  })

  it('acknowledges output once the pane has parsed it, in batches, only for the live terminal', async () => {
    const { transport, parsed, calls } = setup()
    await flush()
    const frame = 'y\r\n'.repeat(2000) // 6000 characters
    for (let i = 0; i < 5; i++) transport.push('terminals.data', { terminalId: 'p1', data: frame })
    expect(calls('terminals.ack')).toEqual([]) // received is not parsed
    parsed.splice(0, 2).forEach((done) => done())
    expect(calls('terminals.ack')).toEqual([]) // 12000 parsed: below one batch
    parsed.splice(0, 1).forEach((done) => done())
    expect(calls('terminals.ack')).toEqual([{ terminalId: 'p1', chars: 18_000 }])
    transport.push('terminals.exit', { terminalId: 'p1', code: 0 })
    parsed.splice(0).forEach((done) => done()) // output of an ended terminal: the host forgot it
    expect(calls('terminals.ack')).toHaveLength(1)
  })

  it('says so in the pane when the host had to drop output', async () => {
    const { transport, out } = setup()
    await flush()
    transport.push('terminals.data', { terminalId: 'p1', data: 'after\r\n', dropped: 4096 })
    expect(stripAnsi(out.join(''))).toMatch(/4096 characters of output not shown.*\r\nafter/s)
  })
})
