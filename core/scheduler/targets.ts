import type { TaskSpec, TaskView } from '../contract/tasks'
import { FlotillaError } from '../lib/errors'
import type { Candidate } from './strategies'
import type { SchedulableServer } from './types'
import { mayTakeWork } from './unservable'

/** Refuses a submit that names a server the fleet does not have; checked for all specs before any is created. */
export function checkTargets(specs: readonly TaskSpec[], servers: readonly string[]): void {
  for (const spec of specs) {
    if (spec.target.kind === 'server' && !servers.includes(spec.target.serverId)) {
      throw new FlotillaError(`expected a known server id as target, got "${spec.target.serverId}"`, 'not_found')
    }
    if (spec.target.kind === 'broadcast') {
      const ids = spec.target.serverIds ?? servers
      const unknown = ids.find((id) => !servers.includes(id))
      if (unknown) throw new FlotillaError(`expected known server ids to broadcast to, got "${unknown}"`, 'not_found')
      if (ids.length === 0) throw new FlotillaError('expected at least one server to broadcast to, got none', 'bad_request')
    }
  }
}

/** The live servers a task may run on: its target, minus the servers that died under it (`avoid`). */
export function eligibleServers(task: TaskView, live: SchedulableServer[], all: SchedulableServer[], avoid: ReadonlySet<string> | undefined): SchedulableServer[] {
  if (task.target.kind === 'server') {
    const id = task.target.serverId
    return live.filter((s) => s.id === id)
  }
  if (!avoid) return live
  const preferred = live.filter((s) => !avoid.has(s.id))
  if (preferred.length > 0) return preferred
  // Wait for another server if one may still come up; otherwise take what there is.
  const othersAlive = all.some((s) => !avoid.has(s.id) && mayTakeWork(s))
  return othersAlive ? [] : live
}

export function toCandidate(server: SchedulableServer, running: number, externalBusy: number): Candidate {
  return { id: server.id, running, capacity: server.spec.capacity, externalBusy }
}
