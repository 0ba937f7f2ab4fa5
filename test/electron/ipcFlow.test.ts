import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TERMINAL_FLOW } from '../../core/contract/terminalFlow'
import { createDispatcher, type Dispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'
import { bindDispatcher, CALL_CHANNEL, type IpcInvokeEvent } from '../../electron/main/ipcBinding'
import { bytesWritten, killAll, ownProcesses, untilBlocked } from '../support/procIo'
import { TerminalPushes } from '../support/terminalPushes'
import { waitFor } from '../support/waitFor'

// Electron IPC has no backlog to measure (webContents.send queues inside Electron), so terminal
// output over IPC is paced by the renderer's acknowledgements alone. The Electron binary cannot
// run here: the real dispatcher is bound to a stand-in ipcMain, pushes go to a stand-in
// webContents.send, and the terminal is a real node-pty shell running `yes`.
let engine: Engine
let dispatcher: Dispatcher
let invoke: (method: string, params: unknown) => Promise<unknown>
const pushes = new TerminalPushes()
const started = new Set<number>()

beforeAll(async () => {
  engine = await Engine.create({})
  // What electron/main/index.ts does: webContents.send for pushes, the dispatcher on one channel.
  dispatcher = createDispatcher(engine, pushes.push)
  const handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>>()
  bindDispatcher({ handle: (channel, listener) => void handlers.set(channel, listener), removeHandler: (channel) => void handlers.delete(channel) }, dispatcher, () => true)
  invoke = (method, params) => handlers.get(CALL_CHANNEL)!({ senderFrame: { url: 'file:///app/index.html' } }, method, params)
})
afterAll(async () => {
  killAll(started)
  dispatcher?.dispose()
  await engine?.close()
})

describe('terminal flow control over Electron IPC', () => {
  it('pauses a program once a window of its output is unacknowledged; acknowledgements through the IPC call resume it', async () => {
    const opened = (await invoke('terminals.open', { kind: 'shell', cols: 80, rows: 24 })) as { result: { terminalId: string } }
    const terminalId = opened.result.terminalId
    await invoke('terminals.write', { terminalId, data: 'yes flotilla-ipc\r' })
    const [pid] = await waitFor('yes', () => ownProcesses('yes flotilla-ipc').length === 1 && ownProcesses('yes flotilla-ipc'))
    started.add(pid!)

    // The renderer acknowledges nothing: one window (plus a frame in flight) is all it gets.
    const [blockedAt] = await untilBlocked([pid!])
    const first = pushes.received(terminalId)
    console.log(`unacknowledged: ${first} characters pushed before the program blocked (window ${TERMINAL_FLOW.highChars})`)
    expect(first).toBeGreaterThanOrEqual(TERMINAL_FLOW.highChars)
    expect(first).toBeLessThanOrEqual(TERMINAL_FLOW.highChars + 256 * 1024)

    // Hysteresis: acknowledged down to one above the low mark it stays paused; at the low mark it runs again.
    await invoke('terminals.ack', { terminalId, chars: first - TERMINAL_FLOW.lowChars - 1 })
    await untilBlocked([pid!], { samples: 3 })
    expect(bytesWritten(pid!)).toBe(blockedAt)
    await invoke('terminals.ack', { terminalId, chars: 1 })
    await waitFor('more output', () => pushes.received(terminalId) > first + TERMINAL_FLOW.highChars / 2)

    // A renderer that keeps acknowledging keeps it running; its keys still reach the shell.
    let acked = first
    await waitFor('a long run', () => {
      const now = pushes.received(terminalId)
      if (now > acked) void invoke('terminals.ack', { terminalId, chars: now - acked })
      acked = now
      return now > first + 8 * TERMINAL_FLOW.highChars
    })
    await invoke('terminals.write', { terminalId, data: '\x03echo "ipc-$((6 * 7))"\r' })
    await waitFor('the shell to answer', () => {
      const now = pushes.received(terminalId)
      if (now > acked) void invoke('terminals.ack', { terminalId, chars: now - acked })
      acked = now
      return pushes.tail(terminalId).includes('ipc-42')
    })
    await invoke('terminals.close', { terminalId })
  }, 60_000)

  it('validates acknowledgements against the contract before they touch a terminal', async () => {
    for (const params of [{ terminalId: 'p1', chars: 0 }, { terminalId: 'p1', chars: -5 }, { terminalId: 'p1', chars: 1.5 }, { terminalId: 'p1', chars: '10' }, { terminalId: 'p1', chars: 1, extra: true }, { chars: 1 }]) {
      expect(await invoke('terminals.ack', params), JSON.stringify(params)).toMatchObject({ error: { code: 'bad_request' } })
    }
    expect(await invoke('terminals.ack', { terminalId: 'p-none', chars: 10 })).toMatchObject({ error: { code: 'not_found' } })
  })
})
