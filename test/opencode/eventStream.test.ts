import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { OcEvent } from '../../core/contract/opencode'
import { ServerEventStream } from '../../core/opencode/eventStream'
import { waitFor } from '../support/waitFor'

/** An SSE endpoint the test scripts: what each connection sends, and when it goes quiet. */
async function sseServer(onConnect: (res: ServerResponse, n: number) => void): Promise<{ url: string; server: Server; auth: string[]; paths: string[] }> {
  let n = 0
  const auth: string[] = []
  const paths: string[] = []
  const server = createServer((req, res) => {
    auth.push(String(req.headers.authorization))
    paths.push(String(req.url))
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    onConnect(res, ++n)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, auth, paths }
}

/** As `/global/event` sends them: each bus event wrapped with the directory of its instance. */
const send = (res: ServerResponse, data: unknown, directory?: string) =>
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify({ directory, payload: data })}\n\n`)

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const c of cleanup) c()
  cleanup = []
})

describe('ServerEventStream', () => {
  it('follows /global/event with the auth header, parses events with their directory, counts malformed ones, and reconnects when the heartbeat stops', async () => {
    const { url, server, auth, paths } = await sseServer((res, n) => {
      send(res, { type: 'server.connected', properties: {} })
      send(res, 'not json')
      send(res, { type: 'sync', syncEvent: { type: 'session.idle.1' } }, '/work/b')
      send(res, { type: 'plugin.added', properties: {} }, '/work/b')
      send(res, { type: 'session.idle', properties: { sessionID: `s${n}` } }, '/work/b')
      // …and then silence: no heartbeat.
    })
    const events: Array<[OcEvent, string | undefined]> = []
    const opens: boolean[] = []
    const stream = new ServerEventStream(
      { baseUrl: url, headers: { authorization: 'Basic abc' }, watchdogMs: 300, backoff: { baseMs: 10, capMs: 20 } },
      { onEvent: (e, _at, directory) => events.push([e, directory]), onOpen: ({ reconnect }) => void opens.push(reconnect) },
    )
    cleanup.push(() => stream.close(), () => server.closeAllConnections(), () => server.close())
    stream.start()
    await waitFor('session.idle from the second connection', () => events.some(([e]) => e.type === 'session.idle' && e.properties.sessionID === 's2'))
    expect(paths.every((p) => p === '/global/event')).toBe(true)
    expect(events.find(([e]) => e.type === 'session.idle')).toEqual([{ type: 'session.idle', properties: { sessionID: 's1' } }, '/work/b'])
    expect(events.find(([e]) => e.type === 'server.connected')?.[1]).toBeUndefined()
    expect(opens.slice(0, 2)).toEqual([false, true])
    // sync copies and event types Flotilla does not read are dropped quietly, not called malformed.
    expect(stream.stats.ignored).toBeGreaterThanOrEqual(4)
    expect(events.some(([e]) => (e.type as string) === 'sync' || (e.type as string) === 'plugin.added')).toBe(false)
    expect(stream.stats.malformed).toBeGreaterThanOrEqual(2)
    expect(stream.stats.drops).toBeGreaterThanOrEqual(1)
    expect(auth.every((a) => a === 'Basic abc')).toBe(true)
  })

  it('holds events that arrive during the resync and applies them after it, in order', async () => {
    let resolveResync: () => void = () => {}
    const { url, server } = await sseServer((res) => {
      send(res, { type: 'server.connected', properties: {} })
      send(res, { type: 'session.idle', properties: { sessionID: 'a' } })
      send(res, { type: 'session.idle', properties: { sessionID: 'b' } })
    })
    const order: string[] = []
    const stream = new ServerEventStream(
      { baseUrl: url, headers: {}, watchdogMs: 10_000 },
      {
        onEvent: (e) => order.push(`event:${e.type}:${String(e.properties.sessionID ?? '')}`),
        onOpen: () =>
          new Promise<void>((resolve) => {
            order.push('resync-start')
            resolveResync = () => {
              order.push('resync-done')
              resolve()
            }
          }),
      },
    )
    cleanup.push(() => stream.close(), () => server.closeAllConnections(), () => server.close())
    stream.start()
    await waitFor('three events held back', () => stream.stats.events >= 3)
    expect(order).toEqual(['resync-start'])
    resolveResync()
    await waitFor('the resync and the held events', () => order.length === 5)
    expect(order).toEqual(['resync-start', 'resync-done', 'event:server.connected:', 'event:session.idle:a', 'event:session.idle:b'])
  })

  it('close() ends the connection: the server sees the client go', async () => {
    let closed = false
    const { url, server } = await sseServer((res) => {
      send(res, { type: 'server.connected', properties: {} })
      res.on('close', () => (closed = true))
    })
    const stream = new ServerEventStream({ baseUrl: url, headers: {} }, { onEvent: () => {} })
    cleanup.push(() => server.closeAllConnections(), () => server.close())
    stream.start()
    await waitFor('the stream to connect', () => stream.connected)
    stream.close()
    await waitFor('the server to see the client go', () => closed)
    expect(stream.connected).toBe(false)
  })
})
