import { randomBytes } from 'node:crypto'

/** A password for a server Flotilla starts: 32 url-safe characters, 192 bits. */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url')
}

/** A short id (tasks, subscriptions): 10 url-safe characters. */
export function shortId(prefix = ''): string {
  return prefix + randomBytes(8).toString('base64url').replace(/[-_]/g, '').slice(0, 10).padEnd(10, '0')
}
