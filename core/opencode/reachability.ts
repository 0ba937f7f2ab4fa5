import { connect } from 'node:net'

/** A server that cannot be reached right now (refused, not found, timed out): its message says why. */
export class UnreachableError extends Error {
  constructor(readonly reason: string) {
    super(`server unreachable: ${reason}`)
    this.name = 'UnreachableError'
  }
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (name lookup failed; try again later)',
  EAI_NONAME: 'host not found',
  ETIMEDOUT: 'timed out connecting',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_SOCKET: 'connection closed by the other side',
}

/**
 * What a failed fetch says about reaching the server, as a few words ("connection refused",
 * "host not found", "timed out…"), or undefined when the failure was not about reaching it.
 */
export function unreachableCause(error: unknown, timeoutMs: number): string | undefined {
  if (!(error instanceof Error)) return undefined
  if (error.name === 'TimeoutError') return `timed out (no answer within ${timeoutMs} ms)`
  const cause: unknown = error.cause
  if (!(cause instanceof Error)) return undefined
  const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined
  if (code && code in CAUSES) return CAUSES[code]
  // TLS failures (an unknown CA, a name mismatch) keep node's wording: it names the fix.
  if (code && /CERT|TLS|SSL/.test(code)) return `TLS handshake failed (${cause.message})`
  return undefined
}

/**
 * Ports that fetch refuses to connect to ("bad ports" in the Fetch standard, undici follows it):
 * a request there fails with "bad port" before any connection is tried.
 */
const FETCH_BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
  119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989,
  990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
])

export function isFetchBlockedPort(port: number): boolean {
  return FETCH_BLOCKED_PORTS.has(port)
}

/** Tries a TCP connection: undefined when something accepts it, else the cause ("connection refused"…). */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (cause: string | undefined) => {
      socket.destroy()
      resolve(cause)
    }
    socket.setTimeout(timeoutMs, () => done(`timed out connecting (no answer within ${timeoutMs} ms)`))
    socket.once('connect', () => done(undefined))
    socket.once('error', (error: NodeJS.ErrnoException) => done((error.code && CAUSES[error.code]) ?? error.message))
  })
}
