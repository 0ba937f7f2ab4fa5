import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A minimal HTTP server that answers the two calls supervision needs (`/global/health` and the
 * `/global/event` stream), for supervisor tests that are about process lifecycles, not opencode.
 * `hang()` makes it stop answering, like a wedged server.
 */
export class FakeOpencode {
  private hung = false
  private readonly streams = new Set<ServerResponse>()
  private constructor(private readonly server: Server, readonly baseUrl: string) {}

  static async start(): Promise<FakeOpencode> {
    let fake: FakeOpencode | undefined
    const server = createServer((req, res) => {
      if (fake!.hung) return // never answer
      if (req.url === '/global/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ healthy: true, version: '0.0.0-fake' }))
      } else if (req.url?.startsWith('/global/event')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(`data: ${JSON.stringify({ payload: { type: 'server.connected', properties: {} } })}\n\n`)
        fake!.streams.add(res)
        res.on('close', () => fake!.streams.delete(res))
      } else res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    fake = new FakeOpencode(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    return fake
  }

  hang(): void {
    this.hung = true
  }

  async close(): Promise<void> {
    for (const res of this.streams) res.destroy()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
