import { events, methods, type Api, type EventName, type EventPayload, type MethodName, type ParamsIn, type Result } from './api'
import { ALWAYS_OPEN, type ConnectionStatus, type Transport } from './transport'

// Every runtime this client runs in (browser, Electron, Node) has a console; the contract's lib declares none.
declare const console: { error(...data: unknown[]): void }

/** A rejected API call: `message` is the engine's message verbatim, `code` its error code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export type PushHandler<E extends EventName> = (payload: EventPayload<E>) => void

/** The typed API over any transport: the renderer, the CLI and tests all program against this. */
export type ApiClient = Api & {
  call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>>
  on<E extends EventName>(event: E, handler: PushHandler<E>): () => void
  onStatus(handler: (status: ConnectionStatus) => void): () => void
  status(): ConnectionStatus
  close(): void
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

type AnyHandler = (payload: unknown) => void

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isEventName = (name: string): name is EventName => Object.prototype.hasOwnProperty.call(events, name)

export function createApiClient(transport: Transport): ApiClient {
  const pending = new Map<number, Pending>()
  const handlers = new Map<string, Set<AnyHandler>>()
  let nextId = 1
  let current = transport.status?.() ?? ALWAYS_OPEN

  function receive(message: unknown): void {
    // A host may batch several envelopes into one message.
    if (Array.isArray(message)) {
      for (const item of message) receive(item)
      return
    }
    if (!isRecord(message)) return
    if (typeof message.event === 'string') return dispatch(message.event, message.payload)
    const id = message.id
    const waiter = typeof id === 'number' ? pending.get(id) : undefined
    if (!waiter || typeof id !== 'number') return
    if ('error' in message) {
      const error = message.error
      if (!isRecord(error) || typeof error.message !== 'string') return
      pending.delete(id)
      waiter.reject(new ApiError(error.message, typeof error.code === 'string' ? error.code : 'internal'))
    } else if ('result' in message) {
      pending.delete(id)
      waiter.resolve(message.result)
    }
  }

  function dispatch(event: string, payload: unknown): void {
    const listeners = handlers.get(event)
    if (!listeners || listeners.size === 0 || !isEventName(event)) return
    let value: unknown
    if (event === 'events.data') {
      // The hot path (terminal output): a cheap shape check instead of a schema parse.
      if (!isRecord(payload) || typeof payload.subscriptionId !== 'string' || typeof payload.data !== 'string') return
      value = { subscriptionId: payload.subscriptionId, data: payload.data, dropped: typeof payload.dropped === 'number' ? payload.dropped : 0 }
    } else {
      const parsed = events[event].safeParse(payload)
      if (!parsed.success) return
      value = parsed.data
    }
    for (const listener of [...listeners]) {
      try {
        listener(value)
      } catch (error) {
        console.error(`flotilla: a handler for "${event}" threw`, error)
      }
    }
  }

  const offMessage = transport.onMessage(receive)
  const statusListeners = new Set<(status: ConnectionStatus) => void>()
  const offStatus = transport.onStatus?.((status) => {
    const wasOpen = current.state === 'open'
    current = status
    // Requests sent on a connection that is gone will never be answered.
    if (wasOpen && status.state !== 'open') rejectAll('the connection to Flotilla was lost')
    for (const listener of [...statusListeners]) listener(status)
  })

  function rejectAll(reason: string): void {
    const waiting = [...pending.values()]
    pending.clear()
    for (const waiter of waiting) waiter.reject(new ApiError(reason, 'unavailable'))
  }

  function call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>> {
    const id = nextId++
    return new Promise<Result<M>>((resolve, reject) => {
      // Results are typed on the engine's side (core/host/api/types.ts Handlers) and not parsed again here.
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      try {
        transport.send({ id, method, params })
      } catch (error) {
        pending.delete(id)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }

  const api = {} as Record<string, unknown>
  for (const method of Object.keys(methods) as MethodName[]) api[method] = (params: unknown) => call(method, params as never)

  return Object.assign(api as Api, {
    call,
    on<E extends EventName>(event: E, handler: PushHandler<E>) {
      let set = handlers.get(event)
      if (!set) handlers.set(event, (set = new Set()))
      set.add(handler as AnyHandler)
      return () => void set.delete(handler as AnyHandler)
    },
    onStatus(handler: (status: ConnectionStatus) => void) {
      statusListeners.add(handler)
      return () => void statusListeners.delete(handler)
    },
    status: () => current,
    close() {
      offMessage()
      offStatus?.()
      rejectAll('the client was closed')
      transport.close?.()
    },
  })
}

/** The message to show for any failure (ApiError messages are already user-facing). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
