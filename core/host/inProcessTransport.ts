import type { Transport } from '../contract/transport'
import { createDispatcher, type Dispatcher } from './dispatcher'
import type { Engine } from './engine'

export interface InProcessTransport extends Transport {
  /** The dispatcher behind it, for callers that need raw envelopes (tests of bad payloads). */
  readonly dispatcher: Dispatcher
}

/**
 * A transport that hands envelopes to a dispatcher in this process: the CLI and tests use the
 * same typed client (core/contract/client) as the renderer, with the same validation, without
 * a socket. Always connected; close() disposes the dispatcher.
 */
export function createInProcessTransport(engine: Engine): InProcessTransport {
  const handlers = new Set<(message: unknown) => void>()
  const deliver = (message: unknown) => {
    for (const handler of [...handlers]) handler(message)
  }
  const dispatcher = createDispatcher(engine, (event, payload) => deliver({ event, payload }))
  return {
    dispatcher,
    send: (message) => void dispatcher.handle(message).then(deliver),
    onMessage(handler) {
      handlers.add(handler)
      return () => void handlers.delete(handler)
    },
    close: () => dispatcher.dispose(),
  }
}
