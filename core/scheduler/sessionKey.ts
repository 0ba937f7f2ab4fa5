/** The one key of a session across the fleet (session ids are unique per server, not across servers). */
export function sessionKey(serverId: string, sessionId: string): string {
  return `${serverId}\u0000${sessionId}`
}
