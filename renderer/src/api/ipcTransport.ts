import type { Transport } from './transport'

/** What the Electron preload exposes as `window.flotilla` (electron/preload/index.ts). */
export interface FlotillaBridge {
  /** Resolves to the dispatcher's response envelope (its id is not ours). */
  call(method: string, params: unknown): Promise<unknown>
  onPush(handler: (message: unknown) => void): () => void
}

export function isFlotillaBridge(value: unknown): value is FlotillaBridge {
  const v = value as Partial<FlotillaBridge> | null | undefined
  return typeof v === 'object' && v !== null && typeof v.call === 'function' && typeof v.onPush === 'function'
}

/** The Electron transport: each request is one IPC call; pushes come on their own channel. Always connected. */
export function createIpcTransport(bridge: FlotillaBridge): Transport {
  const handlers = new Set<(message: unknown) => void>()
  const deliver = (message: unknown) => {
    for (const handler of [...handlers]) handler(message)
  }
  const offPush = bridge.onPush(deliver)
  return {
    send(message) {
      const { id, method, params } = message as { id: number; method: string; params: unknown }
      bridge.call(method, params).then(
        (response) => {
          // The main process answers with its own id: the request is ours, so the id is too.
          if (typeof response === 'object' && response !== null && !Array.isArray(response)) deliver({ ...response, id })
          else deliver({ id, error: { code: 'internal', message: 'expected a response envelope from the main process' } })
        },
        (error: unknown) => deliver({ id, error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } }),
      )
    },
    onMessage(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    close: offPush,
  }
}
