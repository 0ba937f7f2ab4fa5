import WebSocket from 'ws'
import { events } from '../../core/contract/api'
import { TERMINAL_FLOW } from '../../core/contract/terminalFlow'
import type { WebHost } from '../../core/host/web/webHost'

interface TerminalSeen {
  /** Characters of output received. */
  received: number
  /** The last few KB of it. */
  tail: string
  /** Characters the host said it dropped. */
  dropped: number
}

type Envelope = { id?: unknown; result?: unknown; error?: { code: string; message: string }; event?: string; payload?: unknown }

/**
 * A browser stand-in on a real WebSocket to a real browser host: logs in, calls methods, and
 * acknowledges terminal output as the renderer does (every TERMINAL_FLOW.ackEveryChars). It can
 * stop reading its socket altogether, like a frozen tab or a dead link.
 */
export class WsReader {
  readonly terminals = new Map<string, TerminalSeen>()
  /** Names of every push other than terminals.data, in order. */
  readonly events: Array<{ event: string; payload: unknown }> = []
  private readonly waiting = new Map<number, (message: Envelope) => void>()
  private readonly unacked = new Map<string, number>()
  private nextId = 1

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.receive(JSON.parse(String(raw)) as Envelope))
  }

  static async connect(host: WebHost): Promise<WsReader> {
    const login = await fetch(host.loginUrl(), { redirect: 'manual' })
    const cookie = login.headers.get('set-cookie')?.split(';')[0]
    if (!cookie) throw new Error(`expected a session cookie from the login URL, got status ${login.status}`)
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}/ws`, { headers: { cookie, origin: host.url } })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new WsReader(ws)
  }

  call(method: string, params: unknown): Promise<Envelope> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.waiting.set(id, resolve)
      this.ws.send(JSON.stringify({ id, method, params }))
    })
  }

  async openShell(): Promise<string> {
    const reply = await this.call('terminals.open', { kind: 'shell', cols: 80, rows: 24 })
    const result = reply.result as { terminalId?: unknown } | undefined
    if (typeof result?.terminalId !== 'string') throw new Error(`expected a terminal id, got ${JSON.stringify(reply)}`)
    this.terminals.set(result.terminalId, { received: 0, tail: '', dropped: 0 })
    return result.terminalId
  }

  seen(terminalId: string): TerminalSeen {
    const seen = this.terminals.get(terminalId)
    if (!seen) throw new Error(`expected a terminal this reader opened, got ${terminalId}`)
    return seen
  }

  /** Stops reading the socket: the host's writes back up (kernel buffers, then its own). */
  stopReading(): void {
    this.ws.pause()
  }

  resumeReading(): void {
    this.ws.resume()
  }

  close(): void {
    this.ws.terminate()
  }

  private receive(message: Envelope): void {
    if (typeof message.id === 'number') {
      this.waiting.get(message.id)?.(message)
      this.waiting.delete(message.id)
      return
    }
    if (message.event !== 'terminals.data') {
      if (message.event) this.events.push({ event: message.event, payload: message.payload })
      return
    }
    const { terminalId, data, dropped } = events['terminals.data'].parse(message.payload)
    const seen = this.seen(terminalId)
    seen.received += data.length
    seen.tail = (seen.tail + data).slice(-4096)
    seen.dropped += dropped
    const owed = (this.unacked.get(terminalId) ?? 0) + data.length
    if (owed < TERMINAL_FLOW.ackEveryChars) return void this.unacked.set(terminalId, owed)
    this.unacked.set(terminalId, 0)
    void this.call('terminals.ack', { terminalId, chars: owed })
  }
}
