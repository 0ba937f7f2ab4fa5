import type { OcEvent } from '../contract/opencode'

/**
 * Sessions busy on each server, from their status events, with the folder each runs in. Those
 * that no task of ours runs (a TUI user, another client) load a server without holding one of
 * our slots: least-loaded counts them. Their folders are where a resync must look.
 */
export class BusySessions {
  /** serverId → busy session → the folder (opencode instance) it runs in, as opencode said. */
  private readonly busy = new Map<string, Map<string, string | undefined>>()

  constructor(private readonly ours: (serverId: string, sessionId: string) => boolean) {}

  onEvent(serverId: string, event: OcEvent, directory: string | undefined): void {
    if (event.type === 'session.status') this.set(serverId, event.properties.sessionID, event.properties.status.type !== 'idle', directory)
    else if (event.type === 'session.idle') this.set(serverId, event.properties.sessionID, false, directory)
  }

  /** Busy sessions on the server that none of our tasks runs. */
  external(serverId: string): number {
    let n = 0
    for (const id of this.busy.get(serverId)?.keys() ?? []) if (!this.ours(serverId, id)) n++
    return n
  }

  directories(serverId: string): Iterable<string | undefined> {
    return this.busy.get(serverId)?.values() ?? []
  }

  /** The server went away: its sessions are no longer busy there. */
  dropServer(serverId: string): void {
    this.busy.delete(serverId)
  }

  private set(serverId: string, sessionId: string, busy: boolean, directory: string | undefined): void {
    const sessions = this.busy.get(serverId) ?? new Map<string, string | undefined>()
    this.busy.set(serverId, sessions)
    if (busy) sessions.set(sessionId, directory)
    else sessions.delete(sessionId)
  }
}
