import { existsSync } from 'node:fs'
import { join, posix } from 'node:path'
import { FlotillaError } from '../lib/errors'
import type { Engine } from './engine'

/** A task's kept worktree, with the server it ran on; `remote` when it is on that server's machine. */
export interface TaskWorktree {
  /** The folder the task worked in (its subfolder of the worktree), on the machine the worktree is on. */
  directory: string
  serverId?: string
  /** On another machine: which, the server that reaches it, and whether that server can now (running, its connection up). */
  remote?: { host: string; serverName: string; reachable: boolean }
}

/** A task's kept worktree (for a shell or a TUI there), on this machine or on its server's. */
export function taskWorktree(engine: Engine, taskId: string): TaskWorktree {
  const task = engine.scheduler.get(taskId)
  const root = task.result?.worktree
  const host = task.result?.worktreeHost
  const serverId = task.serverId ?? task.attempts.at(-1)?.serverId
  if (!root || !task.workspace || (!host && !existsSync(root))) {
    const why = task.result?.land?.status === 'landed' ? 'it was landed' : task.result?.discarded ? 'it was discarded' : task.result?.worktreeMissing ? 'its folder is gone' : task.result ? 'it ran in a shared folder, or a follow-up took its worktree over' : 'it has no result yet'
    throw new FlotillaError(`expected a task whose worktree is kept on this machine or on its server's, got ${taskId}: ${why}`, 'conflict')
  }
  const subdir = task.workspace.subdir
  if (!host) return { directory: subdir ? join(root, subdir) : root, serverId }
  const server = serverId !== undefined && engine.fleet.has(serverId) ? engine.fleet.get(serverId) : undefined
  const state = server?.state
  return {
    directory: subdir ? posix.join(root, subdir) : root,
    serverId,
    remote: { host, serverName: server?.spec.name ?? serverId ?? 'its server', reachable: Boolean(server?.instance?.openShell) && (state === 'ready' || state === 'unhealthy') },
  }
}
