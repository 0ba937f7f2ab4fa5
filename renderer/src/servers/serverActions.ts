import type { ServerView } from '../../../core/contract/servers'
import { errorMessage, type ApiClient } from '../api/client'
import type { FleetStore } from '../state/store'

export type ServerAction = 'servers.start' | 'servers.stop' | 'servers.restart'

const VERBS: Record<ServerAction, string> = { 'servers.start': 'start', 'servers.stop': 'stop', 'servers.restart': 'restart' }

/** Start, stop or restart a server; its new view is applied, a refusal becomes a notice. */
export async function runServerAction(api: ApiClient, store: FleetStore, server: Pick<ServerView, 'id' | 'name'>, action: ServerAction): Promise<void> {
  try {
    store.apply('server.updated', await api[action]({ id: server.id }))
  } catch (error) {
    store.notify('error', `Could not ${VERBS[action]} ${server.name}: ${errorMessage(error)}`)
  }
}

/** Which of a server's actions make sense in its state (the card's and the row's buttons agree). */
export function allowedActions(server: Pick<ServerView, 'state' | 'kind'>): { start: boolean; stop: boolean; tui: boolean; shell: boolean } {
  return {
    start: server.state === 'stopped' || server.state === 'failed',
    stop: server.state !== 'stopped',
    tui: server.state === 'ready' || server.state === 'busy',
    shell: server.kind !== 'url',
  }
}

/** Compact "since": 4 s, 3 min, 2 h, 5 d; "—" when it never happened. */
export function since(at: number | undefined, now: number): string {
  if (at === undefined) return '—'
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min`
  if (s < 86_400) return `${Math.floor(s / 3600)} h`
  return `${Math.floor(s / 86_400)} d`
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`
  return `${Math.round(bytes / 1024 ** 2)} MB`
}
