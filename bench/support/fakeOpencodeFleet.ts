import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for many opencode servers, for the fleet e2e spec and the dashboard bench: a real
 * `opencode serve` costs ~0.4 GiB and ~1 s of CPU to start, so the 60 (e2e) or 200 (bench)
 * servers those need would not fit this 2-core machine. Each fake is a tiny HTTP server that
 * answers what Flotilla's url launcher and supervisor ask of an attached server (see
 * core/launchers/url.ts, core/fleet/managedServer.ts, core/opencode/client.ts and
 * eventStream.ts): `GET /global/health`, the `GET /global/event` SSE stream (server.connected,
 * then a heartbeat so the watchdog stays quiet), `/session/status`, `/permission`, `/question`,
 * `/provider` and `/config`. It runs no model: tasks are not its business.
 *
 * Fakes listen on several loopback addresses (127.0.0.2, 127.0.0.3, ...) so that "group by
 * host" has hosts to group by; all of 127.0.0.0/8 is loopback on Linux.
 */
export interface FakeOpencode {
  id: string
  name: string
  baseUrl: string
  /** The loopback address it listens on (its "machine"). */
  address: string
}

export interface FakeFleet {
  servers: FakeOpencode[]
  /** The url server specs to save into FLOTILLA_HOME/config.json so `flotilla serve` attaches them. */
  specs(): Array<{ kind: 'url'; id: string; name: string; capacity: number; baseUrl: string }>
  /** Stops answering on one fake (its stream ends; probes fail) until `revive`. */
  kill(id: string): Promise<void>
  close(): Promise<void>
}

export interface FakeFleetOptions {
  count: number
  /** Loopback addresses to spread the fakes over, round-robin (default 127.0.0.2 … 127.0.0.6). */
  addresses?: string[]
  /** Server names: `${prefix}-${n}` (default "fake"). */
  prefix?: string
  heartbeatMs?: number
}

const VERSION = '1.18.33-fake'

export async function startFakeFleet(options: FakeFleetOptions): Promise<FakeFleet> {
  const addresses = options.addresses ?? ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']
  const prefix = options.prefix ?? 'fake'
  const heartbeatMs = options.heartbeatMs ?? 5_000
  const running = new Map<string, { server: Server; streams: Set<ServerResponse>; timer: NodeJS.Timeout }>()
  const servers: FakeOpencode[] = []
  for (let n = 1; n <= options.count; n++) {
    const address = addresses[(n - 1) % addresses.length]!
    const streams = new Set<ServerResponse>()
    const server = createServer((req, res) => answer(req, res, streams))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, address, () => resolve())
    })
    const timer = setInterval(() => {
      for (const res of streams) res.write(`data: ${JSON.stringify({ payload: { type: 'server.heartbeat', properties: {} } })}\n\n`)
    }, heartbeatMs)
    timer.unref()
    const id = `${prefix}-${String(n).padStart(3, '0')}`
    running.set(id, { server, streams, timer })
    servers.push({ id, name: id, address, baseUrl: `http://${address}:${(server.address() as AddressInfo).port}` })
  }

  async function stop(id: string): Promise<void> {
    const one = running.get(id)
    if (!one) return
    running.delete(id)
    clearInterval(one.timer)
    for (const res of one.streams) res.destroy()
    one.server.closeAllConnections()
    await new Promise<void>((resolve) => one.server.close(() => resolve()))
  }

  return {
    servers,
    specs: () => servers.map((s) => ({ kind: 'url', id: s.id, name: s.name, capacity: 1, baseUrl: s.baseUrl })),
    kill: stop,
    close: async () => void (await Promise.all([...running.keys()].map(stop))),
  }
}

function answer(req: IncomingMessage, res: ServerResponse, streams: Set<ServerResponse>): void {
  const path = (req.url ?? '/').split('?')[0]
  const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  switch (path) {
    case '/global/health':
      return json({ healthy: true, version: VERSION })
    case '/global/event':
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.write(`data: ${JSON.stringify({ payload: { type: 'server.connected', properties: {} } })}\n\n`)
      streams.add(res)
      res.on('close', () => streams.delete(res))
      return
    case '/session/status':
      return json({})
    case '/permission':
    case '/question':
      return json([])
    case '/provider':
      return json({ all: [], default: {}, connected: [] })
    case '/config':
      return json({})
    default:
      void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `the fake opencode does not serve ${req.method} ${path}` }))
  }
}
