import { randomBytes, timingSafeEqual } from 'node:crypto'

export const SESSION_COOKIE = 'flotilla_session'

/**
 * Who may use the browser host. `flotilla serve` prints a URL with a one-time token; opening
 * it exchanges the token for a session cookie (HttpOnly, SameSite=Strict). Every HTTP request
 * and every WebSocket must carry that cookie; nothing else gets in.
 */
export class AccessControl {
  private readonly pending = new Set<string>()
  private readonly sessions = new Set<string>()

  /** A fresh single-use token for a login URL. */
  issueToken(): string {
    const token = randomBytes(24).toString('base64url')
    this.pending.add(token)
    return token
  }

  /** Spends a login token; returns the session secret for the cookie, or undefined. */
  redeem(token: string): string | undefined {
    for (const candidate of this.pending) {
      if (!safeEqual(candidate, token)) continue
      this.pending.delete(candidate)
      const session = randomBytes(32).toString('base64url')
      this.sessions.add(session)
      return session
    }
    return undefined
  }

  /** Whether a Cookie header carries a live session. */
  admits(cookieHeader: string | undefined): boolean {
    const value = readCookie(cookieHeader, SESSION_COOKIE)
    if (!value) return false
    for (const session of this.sessions) if (safeEqual(session, value)) return true
    return false
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * Same-origin check for the WebSocket upgrade: a page from another site must not be able to
 * drive the fleet through the user's browser, even with the cookie attached.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false
  try {
    const url = new URL(origin)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host
  } catch {
    return false
  }
}
