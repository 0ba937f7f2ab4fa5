import type { ConnectionStatus, Transport } from './transport'

/** The subset of the browser WebSocket this transport uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}

export interface WsTransportOptions {
  url?: string
  createSocket?: (url: string) => SocketLike
  /** First retry delay; doubles per failed attempt up to maxDelayMs, with ±20 % jitter. */
  initialDelayMs?: number
  maxDelayMs?: number
  /** Sends queued while not connected beyond this are dropped, oldest first (memory stays bounded). */
  maxQueued?: number
  random?: () => number
  now?: () => number
}

const OPEN = 1

/** The host serves the UI and the WebSocket from one origin: `/ws` next to the page. */
export function defaultWsUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
}

export function backoffDelay(attempt: number, initial: number, max: number, random: () => number): number {
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt - 1))
  return Math.round(base * (0.8 + 0.4 * random()))
}

export function createWsTransport(options: WsTransportOptions = {}): Transport {
  const url = options.url ?? defaultWsUrl(window.location)
  const createSocket = options.createSocket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike)
  const initial = options.initialDelayMs ?? 250
  const max = options.maxDelayMs ?? 10_000
  const maxQueued = options.maxQueued ?? 1_000
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const messageHandlers = new Set<(message: unknown) => void>()
  const statusHandlers = new Set<(status: ConnectionStatus) => void>()
  const queue: string[] = []
  let status: ConnectionStatus = { state: 'connecting', attempt: 0 }
  let socket: SocketLike | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  function setStatus(next: ConnectionStatus): void {
    status = next
    for (const handler of [...statusHandlers]) handler(status)
  }

  function connect(): void {
    timer = undefined
    if (closed) return
    let ws: SocketLike
    try {
      ws = createSocket(url)
    } catch {
      scheduleRetry()
      return
    }
    socket = ws
    ws.onopen = () => {
      if (socket !== ws) return
      setStatus({ state: 'open', attempt: 0 })
      while (queue.length > 0 && ws.readyState === OPEN) ws.send(queue.shift()!)
    }
    ws.onmessage = (event) => {
      if (socket !== ws || typeof event.data !== 'string') return
      let message: unknown
      try {
        message = JSON.parse(event.data)
      } catch {
        return // not JSON: ignore, never crash on garbage
      }
      for (const handler of [...messageHandlers]) handler(message)
    }
    ws.onerror = () => {} // a close event always follows; retry happens there
    ws.onclose = () => {
      if (socket !== ws) return
      socket = undefined
      scheduleRetry()
    }
  }

  function scheduleRetry(): void {
    if (closed) return
    const attempt = status.attempt + 1
    const delay = backoffDelay(attempt, initial, max, random)
    setStatus({ state: 'reconnecting', attempt, retryAt: now() + delay })
    timer = setTimeout(connect, delay)
  }

  /** Back online or the tab came back: retry now instead of waiting out the backoff. */
  function retrySoon(): void {
    if (closed || status.state !== 'reconnecting' || !timer) return
    clearTimeout(timer)
    connect()
  }
  if (typeof window !== 'undefined' && !options.createSocket) window.addEventListener('online', retrySoon)

  connect()

  return {
    send(message) {
      const text = JSON.stringify(message)
      if (socket && socket.readyState === OPEN && status.state === 'open') socket.send(text)
      else {
        queue.push(text)
        if (queue.length > maxQueued) queue.shift()
      }
    },
    onMessage(handler) {
      messageHandlers.add(handler)
      return () => messageHandlers.delete(handler)
    },
    onStatus(handler) {
      statusHandlers.add(handler)
      return () => statusHandlers.delete(handler)
    },
    status: () => status,
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      if (typeof window !== 'undefined') window.removeEventListener('online', retrySoon)
      const ws = socket
      socket = undefined
      ws?.close(1000, 'closed by the client')
      setStatus({ state: 'closed', attempt: status.attempt })
    },
  }
}
