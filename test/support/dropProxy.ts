import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A loopback HTTP proxy in front of one server that can cut its SSE connections on demand,
 * as a flaky network would. Everything else passes through untouched.
 */
export class DropProxy {
  private readonly streams = new Set<Socket>()
  private readonly sockets = new Set<Socket>()
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<DropProxy> {
    const upstream = new URL(target)
    let proxy: DropProxy | undefined
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          if (req.url?.startsWith('/global/event')) proxy!.streams.add(req.socket)
          answer.pipe(res)
        },
      )
      out.on('error', () => res.destroy())
      req.pipe(out)
    })
    server.on('connection', (socket) => {
      proxy?.sockets.add(socket)
      socket.on('close', () => {
        proxy?.sockets.delete(socket)
        proxy?.streams.delete(socket)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    proxy = new DropProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    return proxy
  }

  get openStreams(): number {
    return this.streams.size
  }

  /** Cuts every open event stream (the client sees the connection drop). */
  dropStreams(): number {
    const n = this.streams.size
    for (const socket of this.streams) socket.destroy()
    this.streams.clear()
    return n
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
