import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TERMINAL_FLOW } from '../../core/contract/terminalFlow'
import { stripAnsi } from '../../core/view/ansi'
import { Engine } from '../../core/host/engine'
import { startWebHost, type WebHost } from '../../core/host/web/webHost'
import { bytesWritten, killAll, ownProcesses, untilBlocked } from '../support/procIo'
import { waitFor as waitUntil } from '../support/waitFor'
import { WsReader } from '../support/wsReader'

// Issue 9, item 4: `yes` in shell panes of a browser that stops reading its socket. Real browser
// host, real WebSocket, real node-pty; what is measured is the host's own backlog
// (ws.bufferedAmount) and whether the programs are blocked (their write counters stop).
let engine: Engine
let host: WebHost
let staticDir: string
const started = new Set<number>()
const readers: WsReader[] = []

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'flotilla-static-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Flotilla</title>')
  engine = await Engine.create({})
  host = await startWebHost({ engine, staticDir, port: 0 })
})
afterAll(async () => {
  for (const reader of readers) reader.close()
  killAll(started)
  await host?.close()
  await engine?.close()
  rmSync(staticDir, { recursive: true, force: true })
})

/** Before the fix the backlog grew by ~100 MB/s; give up long before that hurts the machine. */
const RUNAWAY_BYTES = 64 * 1024 * 1024
/** What the host may hold for one stopped client: its congestion mark plus a frame per terminal. */
const BOUND_BYTES = 2 * 1024 * 1024

/** Waits for `probe`, giving up if the host's backlog runs away meanwhile. */
const waitFor = <T>(what: string, probe: () => T | undefined | false) => waitUntil(what, probe, { check: refuseRunaway })

/** Waits until all of `pids` are blocked, giving up if the host's backlog runs away meanwhile. */
const allBlocked = (pids: number[], samples = 5) => untilBlocked(pids, { samples, check: refuseRunaway })

function refuseRunaway(): void {
  if (host.bufferedBytes() > RUNAWAY_BYTES) throw new Error(`the host buffered ${host.bufferedBytes()} bytes for a client that stopped reading`)
}

describe('terminal output to a client that stops reading', () => {
  it('pauses the programs instead of buffering, and resumes them when the client reads again', async () => {
    const reader = await WsReader.connect(host)
    readers.push(reader)
    const names = ['a', 'b', 'c']
    const ids = await Promise.all(names.map(() => reader.openShell()))
    for (const [i, id] of ids.entries()) void reader.call('terminals.write', { terminalId: id, data: `yes flotilla-${names[i]}\r` })
    const pids = await waitFor('the three yes processes', () => {
      const found = names.flatMap((n) => ownProcesses(`yes flotilla-${n}`))
      return found.length === names.length && found
    })
    for (const pid of pids) started.add(pid)

    // A reader that keeps up (and acknowledges) gets far more than one flow-control window.
    await waitFor('output past the window', () => ids.every((id) => reader.seen(id).received > 3 * TERMINAL_FLOW.highChars))

    reader.stopReading()
    const blocked = await allBlocked(pids)
    const peak = host.bufferedBytes()
    console.log(`stopped reader: host buffered ${peak} bytes; the programs blocked after ${blocked.map((n) => (n / 1e6).toFixed(1)).join(', ')} MB written`)
    expect(peak).toBeLessThanOrEqual(BOUND_BYTES)
    // Still blocked and still bounded a while later: nothing is queued behind the reader's back.
    await allBlocked(pids, 10)
    expect(pids.map(bytesWritten)).toEqual(blocked)
    expect(host.bufferedBytes()).toBeLessThanOrEqual(BOUND_BYTES)

    reader.resumeReading()
    await waitFor('the programs to write again', () => pids.every((pid, i) => bytesWritten(pid) > blocked[i]! + 4 * TERMINAL_FLOW.highChars))
    for (const id of ids) void reader.call('terminals.write', { terminalId: id, data: '\x03echo "after-$((6 * 7))"\r' })
    await waitFor('the shells to answer after the flood', () => ids.every((id) => stripAnsi(reader.seen(id).tail).includes('after-42')))
    // Paused, not dropped: every character reached the client, and nothing had to be resynced.
    expect(ids.map((id) => reader.seen(id).dropped)).toEqual([0, 0, 0])
    expect(reader.events.filter((e) => e.event === 'resync')).toEqual([])
    await waitFor('yes to be gone', () => names.every((n) => ownProcesses(`yes flotilla-${n}`).length === 0))
  }, 90_000)
})
