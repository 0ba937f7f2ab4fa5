import type { ResponseEnvelope } from '../../core/contract/api'

/** The parts of Electron's ipcMain / event objects the binding needs (injected, so it is testable). */
export interface IpcInvokeEvent {
  senderFrame: { url: string } | null
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}
export interface DispatcherLike {
  call(method: string, params: unknown, id?: number | string): Promise<ResponseEnvelope>
}

export const CALL_CHANNEL = 'flotilla:call'
export const PUSH_CHANNEL = 'flotilla:push'

/**
 * Whether an IPC call comes from our own renderer: the app's file:// page, or the dev server
 * in development. Anything else (a navigated-away frame, an injected iframe) is refused.
 */
export function isTrustedFrame(url: string | undefined, trusted: { rendererFile: string; devServerUrl?: string }): boolean {
  if (!url) return false
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'file:') return decodeURIComponent(parsed.pathname) === trusted.rendererFile
  if (trusted.devServerUrl) return parsed.origin === new URL(trusted.devServerUrl).origin
  return false
}

/**
 * Binds the dispatcher to one IPC channel: the sender frame is checked first, then the
 * dispatcher validates the payload against the contract. A refused call gets an error
 * envelope and never reaches the engine.
 */
export function bindDispatcher(ipcMain: IpcMainLike, dispatcher: DispatcherLike, trusted: (event: IpcInvokeEvent) => boolean): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, method, params) => {
    if (!trusted(event)) {
      return { id: 0, error: { code: 'bad_request', message: `refused: call from an untrusted frame (${event.senderFrame?.url ?? 'unknown'})` } }
    }
    if (typeof method !== 'string') return { id: 0, error: { code: 'bad_request', message: `expected a method name, got ${typeof method}` } }
    return dispatcher.call(method, params)
  })
  return () => ipcMain.removeHandler(CALL_CHANNEL)
}
