import { GitError, type GitRunner } from './git'

/** Why a landing did not happen; nothing of the user's was changed unless the reason says otherwise. */
export interface Refusal {
  reason: string
  files?: string[]
}

/**
 * The worktree that has `branch` checked out (main or linked), from `git worktree list`; undefined
 * when none has. A worktree whose folder is gone (`prunable`) still holds the branch for git.
 */
export async function checkoutOf(git: GitRunner, repo: string, branch: string): Promise<{ path: string; prunable: boolean } | undefined> {
  // -z: one field per NUL, records end with an empty field (a path may hold a newline).
  const { stdout } = await git.run(['worktree', 'list', '--porcelain', '-z'], { cwd: repo })
  let record: string[] = []
  for (const field of stdout.split('\0')) {
    if (field !== '') {
      record.push(field)
      continue
    }
    const path = record.find((f) => f.startsWith('worktree '))?.slice('worktree '.length)
    if (path !== undefined && record.includes(`branch refs/heads/${branch}`)) return { path, prunable: record.some((f) => f === 'prunable' || f.startsWith('prunable ')) }
    record = []
  }
  return undefined
}

/**
 * Every path with uncommitted work in a worktree: staged, modified, deleted, unmerged, and
 * untracked files one by one (`--untracked-files=all`, so an untracked folder lists its files).
 * Ignored files are not work (git's own checkout overwrites them too).
 */
export async function dirtyPaths(git: GitRunner, worktree: string): Promise<string[]> {
  const { stdout } = await git.run(['status', '--porcelain', '-z', '--no-renames', '--untracked-files=all'], { cwd: worktree })
  const fields = stdout.split('\0')
  const paths: string[] = []
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]
    if (field.length < 4) continue
    paths.push(field.slice(3))
    // A rename or copy (were renames on after all) is followed by its source path.
    if (field[0] === 'R' || field[0] === 'C') paths.push(fields[++i])
  }
  return paths
}

/**
 * The dirty paths a landing that writes `writes` would overwrite: the same path, or one inside a
 * folder the landing turns into a file (or the other way round).
 */
export function pathsInTheWay(writes: readonly string[], dirty: readonly string[]): string[] {
  const exact = new Set(writes)
  const hits = dirty.filter((d) => exact.has(d) || writes.some((w) => d.startsWith(`${w}/`) || w.startsWith(`${d}/`)))
  return [...new Set(hits)].sort()
}

/**
 * Moves refs/heads/<branch> from `from` to `to`, with `from` as update-ref's guard: if the branch
 * is no longer at `from` (someone committed or landed meanwhile) git refuses atomically and the
 * branch keeps its newer value. Undefined when moved; a refusal when the guard held it back.
 */
export async function moveBranch(git: GitRunner, cwd: string, branch: string, to: string, from: string, why: string): Promise<Refusal | undefined> {
  const ref = `refs/heads/${branch}`
  try {
    await git.run(['update-ref', '-m', why, ref, to, from], { cwd })
    return undefined
  } catch (error) {
    const now = await git.run(['rev-parse', '--verify', '--quiet', ref], { cwd, okCodes: [1] })
    const value = now.stdout.trim() || 'none'
    if (value === from) throw error // the guard was not what failed
    return { reason: `expected "${branch}" still at ${from}, got ${value}: it moved while landing` }
  }
}

export interface CheckoutLanding {
  worktree: string
  branch: string
  oldCommit: string
  newCommit: string
  oldTree: string
  newTree: string
  /** The paths that differ between oldTree and newTree. */
  files: readonly string[]
}

/**
 * Lands into a branch that is checked out: the worktree's index and files follow the branch, but
 * only if none of the files the landing writes has uncommitted work; other dirty files stay as
 * they are. `git read-tree -m -u old new` is a two-tree merge: it carries local changes to paths
 * the two trees agree on and refuses (changing nothing) if it would overwrite one, which also
 * covers an edit made after the status check. No porcelain, so no checkout or merge hooks run.
 */
export async function landInCheckout(git: GitRunner, l: CheckoutLanding): Promise<Refusal | undefined> {
  const cwd = l.worktree
  const head = await git.run(['symbolic-ref', '--quiet', 'HEAD'], { cwd, okCodes: [1] })
  if (head.stdout.trim() !== `refs/heads/${l.branch}`) {
    return { reason: `expected ${cwd} to have "${l.branch}" checked out, got ${head.stdout.trim() || 'a detached HEAD'}: nothing was changed` }
  }
  const inTheWay = pathsInTheWay(l.files, await dirtyPaths(git, cwd))
  if (inTheWay.length > 0) {
    return {
      reason: `expected no uncommitted changes in the files the landing writes, got some in ${inTheWay.join(', ')} ("${l.branch}" is checked out in ${cwd}): nothing was changed`,
      files: inTheWay,
    }
  }
  // Files only touched (same content, new timestamps) would make read-tree call them "not uptodate".
  await git.run(['update-index', '-q', '--refresh'], { cwd, okCodes: [1] })
  try {
    await git.run(['read-tree', '-m', '-u', l.oldTree, l.newTree], { cwd })
  } catch (error) {
    if (!(error instanceof GitError)) throw error
    return { reason: `expected the checkout of "${l.branch}" in ${cwd} to take the landing, got git read-tree's refusal: ${error.stderr.trim() || error.message}: nothing was changed` }
  }
  const putBack = async (): Promise<string> => {
    try {
      await git.run(['read-tree', '-m', '-u', l.newTree, l.oldTree], { cwd })
      return `the checkout's files were put back`
    } catch (error) {
      return `putting the checkout's files back failed too (${error instanceof Error ? error.message : String(error)}); they hold the landed content`
    }
  }
  let refused: Refusal | undefined
  try {
    refused = await moveBranch(git, cwd, l.branch, l.newCommit, l.oldCommit, `flotilla: land ${l.newCommit}`)
  } catch (error) {
    await putBack()
    throw error
  }
  if (refused) return { reason: `${refused.reason}; ${await putBack()}` }
  return undefined
}
