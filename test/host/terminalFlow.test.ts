import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TERMINAL_FLOW } from '../../core/contract/terminalFlow'
import { createDispatcher, type Dispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'
import { bytesWritten, killAll, ownProcesses, untilBlocked } from '../support/procIo'
import { TerminalPushes } from '../support/terminalPushes'
import { waitFor } from '../support/waitFor'

// Terminal flow control in the dispatcher, with real node-pty shells running `yes`: the
// transport's congestion pauses every terminal of the client; acknowledgements cannot be banked.
let engine: Engine
let dispatcher: Dispatcher
const pushes = new TerminalPushes()
const started = new Set<number>()

beforeAll(async () => {
  engine = await Engine.create({})
  dispatcher = createDispatcher(engine, pushes.push)
})
afterAll(async () => {
  killAll(started)
  dispatcher?.dispose()
  await engine?.close()
})

async function call(method: string, params: unknown): Promise<unknown> {
  const reply = await dispatcher.call(method, params)
  if ('error' in reply) throw new Error(`${method}: ${reply.error.message}`)
  return reply.result
}

/** Opens a shell running `yes <word>`; returns its terminal id and the pid of yes. */
async function yes(word: string): Promise<{ terminalId: string; pid: number }> {
  const { terminalId } = (await call('terminals.open', { kind: 'shell', cols: 80, rows: 24 })) as { terminalId: string }
  await call('terminals.write', { terminalId, data: `yes ${word}\r` })
  const [pid] = await waitFor(`yes ${word}`, () => ownProcesses(`yes ${word}`).length === 1 && ownProcesses(`yes ${word}`))
  started.add(pid!)
  return { terminalId, pid: pid! }
}

/** Acknowledges everything received so far, like a renderer that keeps up. */
function acknowledger(terminalId: string): () => number {
  let acked = 0
  return () => {
    const now = pushes.received(terminalId)
    if (now > acked) void dispatcher.call('terminals.ack', { terminalId, chars: now - acked })
    acked = now
    return now
  }
}

describe('terminal flow control in the dispatcher', () => {
  it('a congested transport pauses every terminal of the client, however well it acknowledges; drained, they run again', async () => {
    const a = await yes('flotilla-a')
    const b = await yes('flotilla-b')
    const ackA = acknowledger(a.terminalId)
    const ackB = acknowledger(b.terminalId)
    const keepUp = () => ackA() + ackB()
    await waitFor('both running', () => keepUp() && pushes.received(a.terminalId) > 2 * TERMINAL_FLOW.highChars && pushes.received(b.terminalId) > 2 * TERMINAL_FLOW.highChars)

    dispatcher.setCongested(true)
    const blocked = await untilBlocked([a.pid, b.pid], { check: () => void keepUp() })
    dispatcher.setCongested(false)
    await waitFor('both writing again', () => keepUp() && bytesWritten(a.pid) > blocked[0]! + TERMINAL_FLOW.highChars && bytesWritten(b.pid) > blocked[1]! + TERMINAL_FLOW.highChars)

    // A terminal opened while the transport is congested starts paused.
    dispatcher.setCongested(true)
    const c = (await call('terminals.open', { kind: 'shell', cols: 80, rows: 24 })) as { terminalId: string }
    await call('terminals.write', { terminalId: c.terminalId, data: 'echo "late-$((6 * 7))"\r' })
    await new Promise((r) => setTimeout(r, 500))
    expect(pushes.tail(c.terminalId)).not.toContain('late-42')
    dispatcher.setCongested(false)
    await waitFor('the late shell to answer', () => pushes.tail(c.terminalId).includes('late-42'))

    for (const { terminalId } of [a, b, c]) await call('terminals.close', { terminalId })
  }, 60_000)

  it('acknowledging more than was sent banks no credit: the next window still pauses the program', async () => {
    const { terminalId, pid } = await yes('flotilla-overack')
    const before = pushes.received(terminalId)
    await call('terminals.ack', { terminalId, chars: 1_000_000_000 })
    await untilBlocked([pid])
    // What was sent before the ack is acknowledged (clamped); after it, one window and a frame in flight.
    expect(pushes.received(terminalId) - before).toBeLessThanOrEqual(TERMINAL_FLOW.highChars + 256 * 1024)
    await call('terminals.close', { terminalId })
  }, 30_000)
})
