import type { ConnectionStatus, Transport } from '../../core/contract/transport'

type Handler = (method: string, params: unknown) => unknown

/**
 * An in-memory transport (for the typed client and the renderer): requests are answered by `handler` (a thrown Error becomes an error
 * envelope) on a later microtask, like a real connection; tests push events and flip the status.
 */
export class FakeTransport implements Transport {
  readonly sent: Array<{ id: number; method: string; params: unknown }> = []
  private readonly messageHandlers = new Set<(message: unknown) => void>()
  private readonly statusHandlers = new Set<(status: ConnectionStatus) => void>()
  private current: ConnectionStatus

  constructor(
    private handler: Handler = () => ({}),
    open = true,
  ) {
    this.current = open ? { state: 'open', attempt: 0 } : { state: 'connecting', attempt: 0 }
  }

  respondWith(handler: Handler): void {
    this.handler = handler
  }

  send(message: object): void {
    const request = message as { id: number; method: string; params: unknown }
    this.sent.push(request)
    queueMicrotask(() => {
      let reply: object
      try {
        reply = { id: request.id, result: this.handler(request.method, request.params) }
      } catch (error) {
        reply = { id: request.id, error: { code: 'bad_request', message: (error as Error).message } }
      }
      this.deliver(reply)
    })
  }

  /** Delivers anything the engine could send (or garbage). */
  deliver(message: unknown): void {
    for (const handler of [...this.messageHandlers]) handler(message)
  }

  push(event: string, payload: unknown): void {
    this.deliver({ event, payload })
  }

  setStatus(status: ConnectionStatus): void {
    this.current = status
    for (const handler of [...this.statusHandlers]) handler(status)
  }

  onMessage(handler: (message: unknown) => void): () => void {
    this.messageHandlers.add(handler)
    return () => this.messageHandlers.delete(handler)
  }

  onStatus(handler: (status: ConnectionStatus) => void): () => void {
    this.statusHandlers.add(handler)
    return () => this.statusHandlers.delete(handler)
  }

  status(): ConnectionStatus {
    return this.current
  }

  methods(): string[] {
    return this.sent.map((m) => m.method)
  }
}

/** Lets queued microtasks and timers of 0 ms run. */
export const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0))
