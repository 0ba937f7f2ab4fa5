import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { createDispatcher } from '../dispatcher'
import type { Engine } from '../engine'
import { AccessControl, SESSION_COOKIE, sameOrigin } from './access'
import { ClientOutbox } from './clientOutbox'
import { loadStatic } from './staticFiles'

export interface WebHostOptions {
  engine: Engine
  /** The built renderer (out/renderer). */
  staticDir: string
  host?: string
  port?: number
}

export interface WebHost {
  /** Base URL, e.g. http://127.0.0.1:7420 */
  url: string
  /** A fresh one-time login URL. */
  loginUrl(): string
  clients(): number
  /** Bytes queued for all clients and not yet written out (kept bounded by each client's ClientOutbox). */
  bufferedBytes(): number
  close(): Promise<void>
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/**
 * The browser host: HTTP serves the built renderer, a WebSocket at /ws carries the same API
 * envelope as Electron's IPC. Bound to 127.0.0.1 unless told otherwise; every request needs the
 * session cookie from the one-time login URL, and the WebSocket also a same-origin Origin.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const access = new AccessControl()
  const sockets = new Set<Socket>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 })

  const server = createServer((req, res) => void serveHttp(req, res))
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://host')
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed')
    const token = url.searchParams.get('token')
    if (token !== null) {
      const session = access.redeem(token)
      if (!session) return reply(res, 401, 'This login link was already used or is not valid. Run `flotilla serve` again or press Enter in its terminal for a new one.')
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        'set-cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        location: '/',
      })
      return void res.end()
    }
    if (!access.admits(req.headers.cookie)) return reply(res, 401, 'Not signed in: open the login URL that `flotilla serve` printed.')
    const file = await loadStatic(options.staticDir, url.pathname)
    if (!file) return reply(res, 404, 'not found')
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://host')
    if (url.pathname !== '/ws' || !access.admits(req.headers.cookie) || !sameOrigin(req.headers.origin, req.headers.host)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => bindClient(ws))
  })

  function bindClient(ws: WebSocket): void {
    // The dispatcher exists only after the outbox, which reports congestion to it.
    let onCongestion = (_congested: boolean) => {}
    const outbox = new ClientOutbox(ws, (congested) => onCongestion(congested))
    const dispatcher = createDispatcher(options.engine, (event, payload) => outbox.push(event, payload))
    onCongestion = (congested) => dispatcher.setCongested(congested)
    ws.on('message', (data) => {
      let message: unknown
      try {
        message = JSON.parse(String(data))
      } catch {
        outbox.respond({ id: null, error: { code: 'bad_request', message: 'expected a JSON message, got unparsable text' } })
        return
      }
      void dispatcher.handle(message).then((response) => outbox.respond(response))
    })
    ws.on('close', () => dispatcher.dispose())
    ws.on('error', () => ws.terminate())
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address() as AddressInfo
  const hostName = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const base = `http://${hostName}:${address.port}`
  return {
    url: base,
    loginUrl: () => `${base}/?token=${access.issueToken()}`,
    clients: () => wss.clients.size,
    bufferedBytes: () => [...wss.clients].reduce((sum, client) => sum + client.bufferedAmount, 0),
    async close() {
      for (const client of wss.clients) client.terminate()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
  res.end(text)
}
