import type { Result } from '../../../core/contract/api'
import type { WorkspaceRequestInput } from '../../../core/contract/tasks'

export type HostInfo = Result<'host.info'>

export const OWN_WORKTREE_KEY = 'flotilla.prompt.ownWorktree'

/** The "own worktree" switch as last left in this browser (on unless turned off). */
export function loadOwnWorktree(storage: Pick<Storage, 'getItem'> | undefined = safeStorage()): boolean {
  try {
    return storage?.getItem(OWN_WORKTREE_KEY) !== 'off'
  } catch {
    return true
  }
}

export function saveOwnWorktree(on: boolean, storage: Pick<Storage, 'setItem'> | undefined = safeStorage()): void {
  try {
    storage?.setItem(OWN_WORKTREE_KEY, on ? 'on' : 'off')
  } catch {
    // A browser that refuses storage (private mode, quota) forgets the choice: nothing else breaks.
  }
}

function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage
  } catch {
    return undefined
  }
}

/**
 * What a submitted task asks for: its own worktree of the host's project (the folder, not the
 * repository's top, so a subfolder stays the task's folder), or nothing (the server's folder, shared).
 */
export function workspaceFor(info: HostInfo | null, ownWorktree: boolean): WorkspaceRequestInput | undefined {
  if (!ownWorktree || !info?.projectDir || !info.repository) return undefined
  return { repo: info.projectDir }
}

/** "flotilla (main)": the repository's folder name and branch, for the prompt bar. */
export function repositoryLabel(info: HostInfo | null): string | null {
  const repo = info?.repository
  if (!repo) return null
  const name = repo.root.replace(/\/+$/, '').split('/').pop() || repo.root
  return `${name} (${repo.branch ?? 'detached HEAD'})`
}
