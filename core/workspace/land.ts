import { gitLine, signingArgs, type GitRunner } from './git'
import { checkoutOf, landInCheckout, moveBranch, type Refusal } from './landCheckout'

// Landing a task's result (the commits base..head of flotilla/<id>) into a branch of the user's
// repository (DESIGN.md section 12). Every step is git plumbing: merge-tree computes the result
// without touching any checkout, commit-tree makes the commit, update-ref moves the branch with
// its old value as a guard, and a checked-out branch's files follow by a two-tree read-tree.

export interface LandRequest {
  /** The user's repository (a worktree path of it, on the machine the runner reaches). */
  repo: string
  /** Target branch name, e.g. "main" (refs/heads/<into>); must exist. */
  into: string
  /** The result's head commit (the tip of flotilla/<id>). */
  head: string
  /** The result's base: only the task's own commits base..head are applied. */
  base: string
  /** One commit with the target as only parent, instead of a merge commit. */
  squash?: boolean
  /** The message of the merge or squash commit. */
  message: string
}

export type LandOutcome =
  /** `files`: the paths the landing wrote (differ between the target's old and new tree). */
  | { status: 'landed'; commit: string; files: string[] }
  /** Nothing changed. */
  | { status: 'conflict'; files: string[]; reason: string }
  /** Dirty checkout in files the merge writes, target moved, ...: nothing changed. */
  | { status: 'refused'; reason: string; files?: string[] }

export interface MergeCheck {
  clean: boolean
  /** The conflicting files (empty when clean). */
  files: string[]
  /** The merged tree, when clean. */
  tree?: string
}

/**
 * Identity and date of the throwaway commits (the merge-base stand-in, virtual landings): they are
 * never referenced, so they must not need the user's identity (which may be unset) or a signature,
 * and a fixed date makes the same inputs give the same objects.
 */
const SCRATCH_ENV = {
  GIT_AUTHOR_NAME: 'flotilla',
  GIT_AUTHOR_EMAIL: 'flotilla@localhost',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'flotilla',
  GIT_COMMITTER_EMAIL: 'flotilla@localhost',
  GIT_COMMITTER_DATE: '@0 +0000',
}

interface Merge {
  clean: boolean
  tree: string
  conflicts: string[]
  /** base is an ancestor of the target: the result may be a merge commit with head as a parent. */
  baseInTarget: boolean
}

const short = (sha: string): string => sha.slice(0, 12)

async function resolveCommit(git: GitRunner, repo: string, rev: string, what: string): Promise<string> {
  if (rev === '' || rev.startsWith('-')) throw new Error(`expected a commit for ${what}, got "${rev}"`)
  const { stdout, code } = await git.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd: repo, okCodes: [1] })
  if (code !== 0) throw new Error(`expected a commit "${rev}" (${what}) in ${repo}, got none`)
  return stdout.trim()
}

/** The tip of refs/heads/<into>; a usage error when `into` is not an existing branch. */
async function resolveBranch(git: GitRunner, repo: string, into: string): Promise<string> {
  if (into === 'HEAD' || into.startsWith('refs/') || into.startsWith('-')) {
    throw new Error(`expected a branch name such as "main" to land into, got "${into}"${into === 'HEAD' ? ' (a detached HEAD is not a target)' : ''}`)
  }
  const valid = await git.run(['check-ref-format', `refs/heads/${into}`], { cwd: repo, okCodes: [1] })
  if (valid.code !== 0) throw new Error(`expected a branch name, got "${into}" (not a valid ref name)`)
  const { stdout, code } = await git.run(['rev-parse', '--verify', '--quiet', `refs/heads/${into}`], { cwd: repo, okCodes: [1] })
  if (code !== 0) throw new Error(`expected a branch "${into}" in ${repo}, got none`)
  return stdout.trim()
}

async function isAncestor(git: GitRunner, repo: string, ancestor: string, of: string): Promise<boolean> {
  return (await git.run(['merge-base', '--is-ancestor', ancestor, of], { cwd: repo, okCodes: [1] })).code === 0
}

const treeOf = (git: GitRunner, repo: string, commit: string): Promise<string> => gitLine(git, ['rev-parse', '--verify', `${commit}^{tree}`], { cwd: repo })

function scratchCommit(git: GitRunner, repo: string, tree: string, parents: readonly string[]): Promise<string> {
  return gitLine(git, ['commit-tree', '--no-gpg-sign', tree, ...parents.flatMap((p) => ['-p', p]), '-m', 'flotilla scratch commit'], { cwd: repo, env: SCRATCH_ENV })
}

/** head and base resolved, base checked to be head's ancestor. */
async function resolveResult(git: GitRunner, repo: string, head: string, base: string): Promise<{ head: string; base: string }> {
  const h = await resolveCommit(git, repo, head, 'head')
  const b = await resolveCommit(git, repo, base, 'base')
  if (!(await isAncestor(git, repo, b, h))) throw new Error(`expected base ${short(b)} to be an ancestor of head ${short(h)}, got unrelated commits`)
  return { head: h, base: b }
}

/**
 * The result of applying base..head to the commit `target`, as merge-tree computes it (objects
 * only: no ref, index or worktree is touched).
 */
async function computeMerge(git: GitRunner, repo: string, target: string, head: string, base: string): Promise<Merge> {
  const baseInTarget = await isAncestor(git, repo, base, target)
  let ours = target
  if (!baseInTarget) {
    // base is not in the target's history: it is a snapshot commit of the user's uncommitted
    // changes (its parent the target's old tip), or the target was rewritten. An ordinary merge
    // of head would take the merge base from history and bring the snapshot's changes along.
    // What is wanted is the three-way merge (base, target, head); `merge-tree --merge-base`
    // needs git 2.40, so: a scratch commit with the target's tree and `base` as its only parent.
    // The common ancestors of it and head are then exactly base and base's own ancestors, so the
    // merge base merge-tree picks is `base`, and the tree it writes is target + (head - base).
    ours = await scratchCommit(git, repo, await treeOf(git, repo, target), [base])
  }
  // Exit 1 is "conflicts" (an answer); anything above is an error and rejects.
  const { stdout, code } = await git.run(['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', ours, head], { cwd: repo, okCodes: [1] })
  const [tree, ...paths] = stdout.split('\0')
  if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new Error(`expected a tree id from git merge-tree, got "${tree.slice(0, 80)}"`)
  return { clean: code === 0, tree, conflicts: [...new Set(paths.filter((p) => p !== ''))], baseInTarget }
}

/** The paths that differ between two trees (both sides of a rename, a file turned folder's files). */
async function changedPaths(git: GitRunner, repo: string, from: string, to: string): Promise<string[]> {
  const { stdout } = await git.run(['diff-tree', '-r', '-z', '--name-only', '--no-renames', from, to], { cwd: repo })
  return stdout.split('\0').filter((p) => p !== '')
}

/**
 * Whether head (its own commits since base) merges cleanly into `into` now, and the conflicting
 * files if not. No refs, index or worktree change (merge-tree and a scratch commit write objects).
 */
export async function mergeCheck(git: GitRunner, req: { repo: string; into: string; head: string; base: string }): Promise<MergeCheck> {
  const target = await resolveBranch(git, req.repo, req.into)
  const { head, base } = await resolveResult(git, req.repo, req.head, req.base)
  const merge = await computeMerge(git, req.repo, target, head, base)
  return merge.clean ? { clean: true, files: [], tree: merge.tree } : { clean: false, files: merge.conflicts }
}

/**
 * Lands a result into `into`: checks with merge-tree first (a conflict changes nothing), makes the
 * commit, moves the branch guarded by its old value, and when the branch is checked out somewhere
 * brings that worktree's index and files along, but never over uncommitted work in a file the
 * landing writes. Usage problems (no such branch or commit) throw; outcomes are returned.
 */
export async function landResult(git: GitRunner, request: LandRequest): Promise<LandOutcome> {
  const { repo, into } = request
  if (request.message.trim() === '') throw new Error('expected a commit message for the landing, got an empty one')
  const target = await resolveBranch(git, repo, into)
  const { head, base } = await resolveResult(git, repo, request.head, request.base)
  // Already in the target's history (landed before): nothing to write.
  if (await isAncestor(git, repo, head, target)) return { status: 'landed', commit: target, files: [] }

  const merge = await computeMerge(git, repo, target, head, base)
  if (!merge.clean) {
    return {
      status: 'conflict',
      files: merge.conflicts,
      reason: `expected ${short(head)} to merge cleanly into "${into}" (${short(target)}), got conflicts in ${merge.conflicts.join(', ') || 'the merge'}: nothing was changed`,
    }
  }
  const oldTree = await treeOf(git, repo, target)
  const files = await changedPaths(git, repo, oldTree, merge.tree)
  // A merge commit (target, head) only when base is in the target's history. Otherwise head's
  // history contains the snapshot commit (or commits the target no longer has): with head as a
  // parent they would enter the target's history, so the result is one commit on the target.
  const asMerge = !request.squash && merge.baseInTarget
  // Single commit whose changes the target already has: an empty commit would say nothing.
  if (!asMerge && files.length === 0) return { status: 'landed', commit: target, files: [] }

  // The repository's own identity and date, as commit reads them; signed where its config signs (commit-tree would not by itself).
  const message = request.message.endsWith('\n') ? request.message : `${request.message}\n`
  const commit = await gitLine(git, ['commit-tree', ...(await signingArgs(git, repo)), merge.tree, '-p', target, ...(asMerge ? ['-p', head] : []), '-F', '-'], { cwd: repo, input: message })

  const checkout = await checkoutOf(git, repo, into)
  let refusal: Refusal | undefined
  if (checkout?.prunable) {
    refusal = { reason: `expected the worktree that has "${into}" checked out to exist, got a missing one at ${checkout.path} (git worktree prune): nothing was changed` }
  } else if (checkout) {
    refusal = await landInCheckout(git, { worktree: checkout.path, branch: into, oldCommit: target, newCommit: commit, oldTree, newTree: merge.tree, files })
  } else {
    // Checked out nowhere: moving the ref is the whole landing.
    refusal = await moveBranch(git, repo, into, commit, target, `flotilla: land ${commit}`)
    if (refusal) refusal = { reason: `${refusal.reason}: nothing was changed` }
  }
  return refusal ? { status: 'refused', ...refusal } : { status: 'landed', commit, files }
}

/**
 * Which of these results would conflict with each other: for each pair (a before b), a is landed
 * virtually (a scratch commit on the target, as landResult would make it without squash) and b is
 * merge-checked on top of it. Results that do not merge into `into` on their own are left out
 * (mergeCheck reports those). Objects only, no refs.
 */
export async function pairwiseConflicts(
  git: GitRunner,
  repo: string,
  into: string,
  results: { id: string; head: string; base: string }[],
): Promise<{ a: string; b: string; files: string[] }[]> {
  const target = await resolveBranch(git, repo, into)
  const resolved: { id: string; head: string; base: string; landed?: string }[] = []
  for (const r of results) {
    const { head, base } = await resolveResult(git, repo, r.head, r.base)
    const alone = await computeMerge(git, repo, target, head, base)
    const landed = alone.clean ? await scratchCommit(git, repo, alone.tree, alone.baseInTarget ? [target, head] : [target]) : undefined
    resolved.push({ id: r.id, head, base, landed })
  }
  const pairs: { a: string; b: string; files: string[] }[] = []
  for (let i = 0; i < resolved.length; i++) {
    const first = resolved[i]
    if (!first.landed) continue
    for (const second of resolved.slice(i + 1)) {
      if (!second.landed) continue
      const after = await computeMerge(git, repo, first.landed, second.head, second.base)
      if (!after.clean) pairs.push({ a: first.id, b: second.id, files: after.conflicts })
    }
  }
  return pairs
}
