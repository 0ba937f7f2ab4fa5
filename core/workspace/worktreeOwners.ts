import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { ownerAlive, processStartTime } from '../lib/ownedTempDir'

/**
 * Who a worktree folder belongs to, in `<worktree>.owner.json` beside it (not in it: the
 * worktree's files are the task's). `active`: an attempt works in it; `result`: it holds a
 * result that a journal lists (the app, `serve`) or a run that will remove it at its end
 * (journal null); `kept`: --keep-worktrees, never removed unasked; `spare`: a removed task's
 * worktree, cleaned, that its process keeps for its next task (see LocalWorktrees).
 */
export const WorktreeOwner = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string().optional(),
  state: z.enum(['active', 'result', 'kept', 'spare']),
  journal: z.string().nullable(),
})
export type WorktreeOwner = z.infer<typeof WorktreeOwner>

export interface FoundWorktree {
  /** The user's repository (from the folder's `repo` note); undefined when the note is gone. */
  repo?: string
  path: string
  taskId: string
  owner?: WorktreeOwner
}

const ownerFile = (path: string) => `${path}.owner.json`

export function writeOwner(path: string, state: WorktreeOwner['state'], journal: string | null): void {
  const owner: WorktreeOwner = { pid: process.pid, startedAt: processStartTime(process.pid), state, journal }
  writeFileSync(ownerFile(path), JSON.stringify(owner), { mode: 0o600 })
}

export function removeOwner(path: string): void {
  rmSync(ownerFile(path), { force: true })
}

function readOwner(path: string): WorktreeOwner | undefined {
  try {
    const parsed = WorktreeOwner.safeParse(JSON.parse(readFileSync(ownerFile(path), 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** Every task worktree folder under Flotilla's worktree root. */
export function findWorktrees(root: string): FoundWorktree[] {
  const found: FoundWorktree[] = []
  for (const repoFolder of safeList(root)) {
    const folder = join(root, repoFolder)
    if (!isDirectory(folder)) continue
    let repo: string | undefined
    try {
      repo = readFileSync(join(folder, 'repo'), 'utf8').trim() || undefined
    } catch {
      repo = undefined
    }
    for (const name of safeList(folder)) {
      const path = join(folder, name)
      if (name === 'repo' || name.endsWith('.owner.json') || !isDirectory(path)) continue
      found.push({ repo, path, taskId: name, owner: readOwner(path) })
    }
  }
  return found
}

/**
 * Why a worktree is left over (a crash or kill -9 skipped its removal), or undefined when it is
 * someone's: a live process's, a kept one, or a result a journal still lists.
 * `journal`: this process's task journal; `listed`: the worktrees its restored tasks hold.
 */
export function leftoverReason(found: FoundWorktree, journal: string | null, listed: ReadonlySet<string>): string | undefined {
  const owner = found.owner
  if (!owner) return 'it names no owner'
  if (owner.state === 'kept') return undefined
  // A spare is its process's while that lives (this one's included); it holds no result.
  if (owner.state === 'spare') return ownerAlive(owner) ? undefined : `a spare worktree whose process ${owner.pid} is gone`
  if (ownerAlive(owner) && owner.pid !== process.pid) return undefined
  if (owner.state === 'active') return `its task's attempt ended without cleaning up (process ${owner.pid} is gone)`
  if (owner.journal === null) return `the run that made it (process ${owner.pid}) ended before removing it`
  if (owner.journal === journal) return listed.has(found.path) ? undefined : 'no task in the journal holds it any more'
  // Another Flotilla home's result: its own next start judges it, unless its journal is gone.
  return existsSync(owner.journal) ? undefined : `its journal ${owner.journal} is gone`
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
