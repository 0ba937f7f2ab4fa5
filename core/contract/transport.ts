/**
 * How a client reaches the engine: a duplex channel of JSON-able envelopes. The browser uses a
 * WebSocket, the desktop app its preload's IPC bridge, the CLI and tests a dispatcher in the
 * same process (core/host/inProcessTransport).
 */
export interface Transport {
  /** Sends one envelope; a transport that is not connected yet queues it. */
  send(message: object): void
  /** Every decoded message from the engine (responses and pushes); returns an unsubscribe. */
  onMessage(handler: (message: unknown) => void): () => void
  /** Connection changes; omitted by transports that are always connected (IPC, in-process). */
  onStatus?(handler: (status: ConnectionStatus) => void): () => void
  /** The current connection status; omitted = always open. */
  status?(): ConnectionStatus
  close?(): void
}

export interface ConnectionStatus {
  /** connecting: first attempt; open; reconnecting: lost, waiting to retry; closed: given up / closed by us. */
  state: 'connecting' | 'open' | 'reconnecting' | 'closed'
  /** Failed attempts since the last open connection. */
  attempt: number
  /** When the next attempt starts (epoch ms), while reconnecting. */
  retryAt?: number
}

export const ALWAYS_OPEN: ConnectionStatus = { state: 'open', attempt: 0 }
