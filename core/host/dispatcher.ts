import { isMethodName, methods, RequestEnvelope, type ErrorCode, type MethodName, type PushArgs, type ResponseEnvelope } from '../contract/api'
import { FlotillaError } from '../lib/errors'
import { attentionHandlers } from './api/attention'
import { serverHandlers } from './api/servers'
import { settingsHandlers } from './api/settings'
import { ClientStreams, streamHandlers } from './api/streams'
import { taskHandlers } from './api/tasks'
import { resultHandlers } from './api/results'
import { hostHandlers } from './api/host'
import type { Handlers } from './api/types'
import { terminalHandlers } from './api/terminals'
import { taskWorktree } from './taskWorktree'
import { ClientTerminals } from '../stream/clientTerminals'
import { weztermHandlers } from './api/wezterm'
import type { Engine } from './engine'

type AnyHandler = (params: unknown) => unknown

export interface Dispatcher {
  /** Handles one raw message (already JSON-decoded); never throws. */
  handle(message: unknown): Promise<ResponseEnvelope>
  /** Calls one method with raw params; never throws. */
  call(method: string, params: unknown, id?: number | string): Promise<ResponseEnvelope>
  /** The transport to the client is backed up (true) or has drained (false): its terminals pause meanwhile. */
  setCongested(congested: boolean): void
  dispose(): void
}

/** Sends one push to the client, typed per event; returns false when the transport dropped it (a client over its cap). */
export type Push = (...push: PushArgs) => boolean | void

/**
 * The API for one client connection. Every payload is validated against the contract before
 * it reaches the engine: a bad one gets `bad_request` with the first problem spelled out, and
 * changes nothing. Pushes (engine events, stream frames) go to `push`.
 */
export function createDispatcher(engine: Engine, push: Push): Dispatcher {
  const streams = new ClientStreams(engine, (frame) => push('events.data', frame))
  const terminals = new ClientTerminals(
    engine,
    (terminalId, data, dropped) => push('terminals.data', dropped > 0 ? { terminalId, data, dropped } : { terminalId, data }),
    (terminalId, code) => push('terminals.exit', { terminalId, code }),
  )
  // Typed as the whole contract, so a method without a handler does not compile.
  const typed: Handlers<MethodName> = {
    ...serverHandlers(engine),
    ...taskHandlers(engine),
    ...resultHandlers(engine),
    ...hostHandlers(engine),
    ...attentionHandlers(engine),
    ...settingsHandlers(engine),
    ...streamHandlers(streams),
    ...terminalHandlers(terminals, (taskId) => taskWorktree(engine, taskId)),
    ...weztermHandlers(engine),
  }
  // The dispatcher validates params against each method's schema before the call: here they are unknown.
  const handlers = typed as unknown as Record<MethodName, AnyHandler>
  const forward = (...args: PushArgs) => push(...args)
  engine.on('push', forward)

  async function call(method: string, params: unknown, id: number | string = 0): Promise<ResponseEnvelope> {
    if (!isMethodName(method)) return failure(id, 'unknown_method', `expected one of the API methods, got "${String(method).slice(0, 100)}"`)
    const parsed = methods[method].params.safeParse(params)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const where = issue.path.length ? issue.path.join('.') : 'params'
      return failure(id, 'bad_request', `${method}: ${where}: ${issue.message}`)
    }
    try {
      return { id, result: await handlers[method](parsed.data) }
    } catch (error) {
      if (error instanceof FlotillaError) return failure(id, error.code, error.message)
      return failure(id, 'internal', error instanceof Error ? error.message : String(error))
    }
  }

  return {
    call,
    async handle(message) {
      const envelope = RequestEnvelope.safeParse(message)
      if (!envelope.success) {
        const id = typeof message === 'object' && message && 'id' in message ? (message as { id: unknown }).id : null
        const safeId = (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id.length <= 100) ? id : null
        return { id: safeId, error: { code: 'bad_request', message: `expected {id, method, params}, got ${describe(message)}` } }
      }
      return call(envelope.data.method, envelope.data.params, envelope.data.id)
    },
    setCongested: (congested) => terminals.setCongested(congested),
    dispose() {
      engine.off('push', forward)
      streams.dispose()
      terminals.dispose()
    },
  }
}

function failure(id: number | string | null, code: ErrorCode, message: string): ResponseEnvelope {
  return { id, error: { code, message } }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`
  return `a ${typeof value}`
}
