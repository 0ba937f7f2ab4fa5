import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { FlotillaError } from '../lib/errors'
import type { Engine } from './engine'

/** A task's worktree kept on this machine (for a shell or a TUI there), with the server it ran on. */
export function taskWorktree(engine: Engine, taskId: string): { directory: string; serverId?: string } {
  const task = engine.scheduler.get(taskId)
  const root = task.result?.worktree
  if (!root || !task.workspace || !existsSync(root)) {
    const why = task.result?.land?.status === 'landed' ? 'it was landed' : task.result?.discarded ? 'it was discarded' : task.result?.worktreeMissing ? 'its folder is gone' : task.result ? 'it ran in a shared folder or on another machine, whose worktree goes with its result' : 'it has no result yet'
    throw new FlotillaError(`expected a task whose worktree is kept on this machine, got ${taskId}: ${why}`, 'conflict')
  }
  return { directory: task.workspace.subdir ? join(root, task.workspace.subdir) : root, serverId: task.serverId ?? task.attempts.at(-1)?.serverId }
}
