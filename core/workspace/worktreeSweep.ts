import { existsSync, rmSync } from 'node:fs'
import { errorMessage } from '../lib/errors'
import { findWorktrees, leftoverReason, removeOwner, type FoundWorktree } from './worktreeOwners'
import type { LocalWorktrees } from './worktrees'

export interface SweptWorktree {
  path: string
  repo?: string
  reason: string
  error?: string
}

/**
 * Worktrees a crash or kill -9 left behind (see leftoverReason), removed through git so the
 * repository forgets them too; their branches stay. A worktree of this process (`isLive`) is
 * never one.
 */
export async function sweepLeftovers(
  worktrees: LocalWorktrees,
  root: string,
  options: { listed?: ReadonlySet<string>; dryRun?: boolean; journal: string | null; isLive: (taskId: string) => boolean },
): Promise<SweptWorktree[]> {
  const swept: SweptWorktree[] = []
  for (const found of findWorktrees(root)) {
    if (options.isLive(found.taskId)) continue
    const reason = leftoverReason(found, options.journal, options.listed ?? new Set())
    if (!reason) continue
    const entry: SweptWorktree = { path: found.path, repo: found.repo, reason }
    if (!options.dryRun) {
      try {
        await removeFound(worktrees, found)
      } catch (error) {
        entry.error = errorMessage(error)
      }
    }
    swept.push(entry)
  }
  return swept
}

/** Worktrees kept with --keep-worktrees. */
export function keptWorktrees(root: string): Array<{ path: string; repo?: string }> {
  return findWorktrees(root)
    .filter((f) => f.owner?.state === 'kept')
    .map((f) => ({ path: f.path, repo: f.repo }))
}

/** Removes the --keep-worktrees worktrees (flotilla gc --kept); returns the ones that could not be. */
export async function removeKept(worktrees: LocalWorktrees, root: string): Promise<string[]> {
  const failures: string[] = []
  for (const kept of findWorktrees(root).filter((f) => f.owner?.state === 'kept')) {
    try {
      await removeFound(worktrees, kept)
    } catch (error) {
      failures.push(`${kept.path}: ${errorMessage(error)}`)
    }
  }
  return failures
}

/** Through git when its repository is still there (git forgets it too), else the folder alone. */
async function removeFound(worktrees: LocalWorktrees, found: Pick<FoundWorktree, 'path' | 'repo'>): Promise<void> {
  if (found.repo && existsSync(found.repo)) {
    await worktrees.remove(found.repo, found.path)
    return
  }
  rmSync(found.path, { recursive: true, force: true })
  removeOwner(found.path)
}
