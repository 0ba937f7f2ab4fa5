import type { ServerView } from '../../../core/contract/servers'

/** How long a toast stays (ms) by level; hovering or focusing the toasts holds them. Every notice stays in the log. */
export const TOAST_LIFETIME_MS = { info: 6_000, warning: 12_000, error: 30_000 } as const
/** Past notices the palette's log keeps (newest last). */
export const MAX_NOTICE_LOG = 200

export interface NoticeIdentity {
  /** One toast per key: a newer notice with the same key replaces the older one. */
  key: string
  /** The server it is about, when its message names one (the engine's notices start with the server's name). */
  serverId?: string
}

/**
 * Which server and what kind of thing a notice is about, from its text: the fleet's notices read
 * "NAME: event stream dropped (…); reconnecting", "NAME: exited (code 137); restarting in 1.2 s
 * (attempt 2)", "NAME failed: …". The kind is the words before the first "(" or ";" with numbers
 * dropped, so attempt 2 and attempt 3 of the same trouble are one toast. Other notices are keyed
 * by their whole text (the same message twice is one toast).
 */
export function noticeIdentity(level: string, message: string, servers: ReadonlyArray<Pick<ServerView, 'id' | 'name'>>): NoticeIdentity {
  // The longest name first: "gpu-10" must not be taken for "gpu-1".
  const named = [...servers].sort((a, b) => b.name.length - a.name.length)
  for (const server of named) {
    if (!message.startsWith(server.name)) continue
    const rest = message.slice(server.name.length)
    let kind: string | undefined
    if (rest.startsWith(' failed:')) kind = 'failed'
    else if (rest.startsWith(': ')) kind = rest.slice(2).split(/[(;]/)[0]!.replace(/\d+(\.\d+)?/g, '#').trim()
    if (kind !== undefined) return { key: `${server.id}\u0000${level}\u0000${kind}`, serverId: server.id }
  }
  return { key: `\u0000${level}\u0000${message}` }
}

export interface ToastLike {
  id: number
  level: keyof typeof TOAST_LIFETIME_MS
  at: number
}

/** The toasts whose time is up at `now`; none until `heldUntil` (pointer or focus on them, and a moment after). */
export function expiredToasts<T extends ToastLike>(toasts: readonly T[], now: number, heldUntil = 0): T[] {
  if (now < heldUntil) return []
  return toasts.filter((t) => now - t.at > TOAST_LIFETIME_MS[t.level])
}
