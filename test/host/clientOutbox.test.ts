import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { ClientOutbox, type OutboxLimits } from '../../core/host/web/clientOutbox'
import { waitFor } from '../support/waitFor'

// The browser host's per-client backlog, on a real WebSocket whose client stops reading.
const LIMITS: OutboxLimits = { drainedBytes: 16 * 1024, congestedBytes: 64 * 1024, paneDropBytes: 256 * 1024, hardCapBytes: 512 * 1024 }
/** Enough to fill loopback's kernel buffers (a few MB) and then the outbox's own marks. */
const GIVE_UP_BYTES = 256 * 1024 * 1024

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const close of cleanup) close()
  cleanup = []
})

async function pair(): Promise<{ server: WebSocket; client: WebSocket; received: Array<{ event?: string; payload?: unknown; id?: unknown }>; requests: string[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((r) => wss.once('listening', r))
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r))
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
  const server = await accepted
  await new Promise((r) => (client.readyState === client.OPEN ? r(null) : client.once('open', r)))
  cleanup.push(() => {
    client.terminate()
    wss.close()
  })
  const received: Array<{ event?: string; payload?: unknown; id?: unknown }> = []
  client.on('message', (raw) => received.push(JSON.parse(String(raw)) as (typeof received)[number]))
  const requests: string[] = []
  server.on('message', (raw) => requests.push(String(raw)))
  return { server, client, received, requests }
}

const chunk = 'x'.repeat(8 * 1024)

describe('client outbox', () => {
  it('reports congestion past its mark and the drain below the low mark', async () => {
    const { server, client } = await pair()
    const congestion: boolean[] = []
    const outbox = new ClientOutbox(server, (c) => congestion.push(c), LIMITS)
    client.pause()
    let sent = 0
    while (server.bufferedAmount <= LIMITS.congestedBytes && sent < GIVE_UP_BYTES) {
      outbox.push('terminals.data', { terminalId: 'p1', data: chunk })
      sent += chunk.length
      await new Promise((r) => setImmediate(r)) // let the socket flush into the kernel as a live host would
    }
    expect(congestion).toEqual([true])
    client.resume()
    await waitFor('the drain', () => congestion.length === 2)
    expect(congestion).toEqual([true, false])
    expect(server.bufferedAmount).toBeLessThanOrEqual(LIMITS.drainedBytes)
  })

  it('drops pane frames past their mark, then every push past the hard cap; tells the client and reads again once drained', async () => {
    const { server, client, received, requests } = await pair()
    const outbox = new ClientOutbox(server, () => {}, LIMITS)
    client.pause()
    let sent = 0
    let paneRefused = false
    let pushes = 0
    while (sent < GIVE_UP_BYTES) {
      if (!outbox.push('task.updated', { id: 't1', filler: chunk })) break
      pushes++
      sent += chunk.length
      if (server.bufferedAmount > LIMITS.paneDropBytes) paneRefused ||= !outbox.push('events.data', { subscriptionId: 's1', data: chunk, dropped: 0 })
      await new Promise((r) => setImmediate(r))
    }
    expect(paneRefused).toBe(true)
    // Over the cap: the backlog stops growing; only a terminal's exit still goes out.
    const capped = server.bufferedAmount
    expect(capped).toBeGreaterThan(LIMITS.hardCapBytes)
    expect(capped).toBeLessThanOrEqual(LIMITS.hardCapBytes + 2 * chunk.length)
    for (let i = 0; i < 50; i++) expect(outbox.push('server.updated', { id: 'a', filler: chunk })).toBe(false)
    expect(outbox.push('terminals.exit', { terminalId: 'p1', code: 0 })).toBe(true)
    expect(server.bufferedAmount).toBeLessThan(capped + 1024)
    // ...and the client's requests wait, so no reply can pile up behind the backlog.
    client.send('{"id":1,"method":"servers.list"}')
    await new Promise((r) => setTimeout(r, 200))
    expect(requests).toEqual([])

    client.resume()
    await waitFor('the resync', () => received.some((m) => m.event === 'resync'))
    const tail = received.slice(-3)
    expect(tail[0]).toEqual({ event: 'terminals.exit', payload: { terminalId: 'p1', code: 0 } })
    expect(tail[1]).toMatchObject({ event: 'notice', payload: { level: 'warning', message: expect.stringContaining('51 updates were not sent') } })
    expect(tail[2]).toEqual({ event: 'resync', payload: { dropped: 51 } })
    expect(received.filter((m) => m.event === 'task.updated')).toHaveLength(pushes)
    await waitFor('the waiting request', () => requests.length === 1)
    // Caught up: pushes go out again.
    expect(outbox.push('server.updated', { id: 'a' })).toBe(true)
  })

  it('refuses limits in the wrong order', async () => {
    const { server } = await pair()
    expect(() => new ClientOutbox(server, () => {}, { ...LIMITS, drainedBytes: LIMITS.congestedBytes })).toThrow(RangeError)
  })
})
