import type { ServerState, ServerView } from '../../../core/contract/servers'
import type { TaskView } from '../../../core/contract/tasks'

/** Above this many servers the dashboard shows dense rows instead of cards (cards fit ~3 per screen). */
export const LIST_VIEW_ABOVE = 6

/** Where a server runs, for grouping and filtering: its host without the port; local kinds are this machine. */
export function serverHost(server: Pick<ServerView, 'host' | 'kind'>): string {
  const host = server.host?.trim()
  if (!host) return server.kind === 'url' ? 'unknown host' : 'this machine'
  if (host === '127.0.0.1' && server.kind === 'local') return 'this machine'
  // "[::1]:4096" and "box:22" lose the port; a bare IPv6 address (several colons) stays whole.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host)
  if (bracketed) return bracketed[1]!
  const colons = host.split(':').length - 1
  return colons === 1 ? host.replace(/:\d+$/, '') : host
}

const FIELDS = ['name', 'host', 'kind', 'state'] as const
type Field = (typeof FIELDS)[number]

function fieldText(server: ServerView, field: Field): string {
  switch (field) {
    case 'name': return server.name
    case 'host': return `${serverHost(server)} ${server.host ?? ''}`
    case 'kind': return server.kind
    case 'state': return server.state
  }
}

/**
 * The filter box: every word must match (case-insensitive, any order). A bare word matches the
 * name, host, kind or state; `host:box`, `kind:ssh`, `state:failed`, `name:gpu` match one field;
 * `state:failed,unhealthy` matches either; `-word` excludes.
 */
export function matchesFilter(server: ServerView, query: string): boolean {
  for (const raw of query.toLowerCase().split(/\s+/).filter(Boolean)) {
    const negate = raw.startsWith('-') && raw.length > 1
    const word = negate ? raw.slice(1) : raw
    const colon = word.indexOf(':')
    const field = colon > 0 ? (word.slice(0, colon) as Field) : undefined
    const scoped = field !== undefined && (FIELDS as readonly string[]).includes(field)
    // `state:failed,unhealthy`: any of the comma-separated values.
    const needles = (scoped ? word.slice(colon + 1) : word).split(',').filter(Boolean)
    const fields = scoped ? [field!] : FIELDS
    const hit = needles.length === 0 || fields.some((f) => needles.some((n) => fieldText(server, f).toLowerCase().includes(n)))
    if (hit === negate) return false
  }
  return true
}

export type ListRow =
  | { type: 'group'; key: string; host: string; count: number; unhealthy: number }
  | { type: 'server'; key: string; server: ServerView }

/** The rows the list shows: filtered, and under one heading per host when grouped (hosts A→Z, servers in fleet order). */
export function listRows(servers: readonly ServerView[], query: string, groupByHost: boolean): ListRow[] {
  const shown = servers.filter((s) => matchesFilter(s, query))
  if (!groupByHost) return shown.map((server) => ({ type: 'server', key: server.id, server }))
  const groups = new Map<string, ServerView[]>()
  for (const server of shown) {
    const host = serverHost(server)
    const group = groups.get(host)
    if (group) group.push(server)
    else groups.set(host, [server])
  }
  const rows: ListRow[] = []
  for (const host of [...groups.keys()].sort(compareHosts)) {
    const members = groups.get(host)!
    rows.push({ type: 'group', key: `host:${host}`, host, count: members.length, unhealthy: members.filter((s) => isTroubled(s.state)).length })
    for (const server of members) rows.push({ type: 'server', key: server.id, server })
  }
  return rows
}

/** This machine first, then by name with numbers in order (127.0.0.2 before 127.0.0.10). */
function compareHosts(a: string, b: string): number {
  if (a === 'this machine' || b === 'this machine') return a === b ? 0 : a === 'this machine' ? -1 : 1
  return a.localeCompare(b, undefined, { numeric: true })
}

export function isTroubled(state: ServerState): boolean {
  return state === 'unhealthy' || state === 'restarting'
}

export interface FleetSummary {
  servers: number
  ready: number
  busy: number
  /** unhealthy or restarting */
  unhealthy: number
  failed: number
  starting: number
  stopped: number
  running: number
  queued: number
  tokens: number
  cost: number
}

/** The one-line fleet summary: servers by state, tasks running and queued, tokens and cost of finished tasks so far. */
export function fleetSummary(servers: readonly ServerView[], tasks: readonly TaskView[]): FleetSummary {
  const summary: FleetSummary = { servers: servers.length, ready: 0, busy: 0, unhealthy: 0, failed: 0, starting: 0, stopped: 0, running: 0, queued: 0, tokens: 0, cost: 0 }
  for (const server of servers) {
    const state = server.state
    if (state === 'unhealthy' || state === 'restarting') summary.unhealthy++
    else summary[state]++
  }
  for (const task of tasks) {
    if (task.state === 'queued') summary.queued++
    else if (task.state === 'running' || task.state === 'dispatched') summary.running++
    const result = task.result
    if (result) {
      const t = result.tokens
      summary.tokens += t.input + t.output + t.reasoning + t.cacheRead + t.cacheWrite
      summary.cost += result.cost
    }
  }
  return summary
}

/** Whether the dashboard shows rows: the user's choice, else rows above LIST_VIEW_ABOVE servers. */
export function showsList(choice: 'auto' | 'list' | 'cards', count: number): boolean {
  return choice === 'auto' ? count > LIST_VIEW_ABOVE : choice === 'list'
}
