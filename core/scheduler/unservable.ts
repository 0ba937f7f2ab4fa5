import type { TaskView } from '../contract/tasks'
import type { SchedulableServer } from './types'

/** Why a server will not take work unless a user steps in: it failed, or it cannot be reached. */
export function downReason(server: SchedulableServer): string | undefined {
  return server.unavailable ?? (server.state === 'failed' ? 'failed' : undefined)
}

/** Up, or on its way up by itself (starting, or restarting a server Flotilla owns). */
export function mayTakeWork(server: SchedulableServer): boolean {
  return server.state !== 'stopped' && downReason(server) === undefined
}

/**
 * Why no server can take this queued task, or undefined while one may: its target server is
 * down, or (any server) every server is down or stopped. An empty fleet, or one the user
 * stopped, is not a reason: the user may add or start a server, so the task waits.
 */
export function noServerFor(task: TaskView, servers: readonly SchedulableServer[]): string | undefined {
  const target = task.target
  if (target.kind === 'server') {
    const server = servers.find((s) => s.id === target.serverId)
    return server && downReason(server)
  }
  if (servers.some(mayTakeWork)) return undefined
  const down = servers.filter((s) => downReason(s) !== undefined)
  if (down.length === 1) return downReason(down[0]!)
  if (down.length === 0) return undefined
  return `no server can take it: ${down.map((s) => `${s.spec.name ?? s.id}: ${downReason(s)}`).join('; ')}`
}
