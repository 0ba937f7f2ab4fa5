import { existsSync, realpathSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'
import type { RepositorySettings } from '../contract/settings'
import type { WorkspacePlan, WorkspaceRequestInput } from '../contract/tasks'
import { FlotillaError } from '../lib/errors'
import type { GitRunner } from './git'
import { inspectRepo, resolveCommit, type RepoFacts } from './repo'
import { snapshotDirtyState } from './snapshot'

/** What planWorkspace found: a plan, or the reason the folder's tasks share it (not a git repository). */
export type PlanOutcome = { kind: 'plan'; plan: WorkspacePlan; facts: RepoFacts } | { kind: 'shared'; reason: string }

/**
 * At submit: the commit the tasks start from (and the dirty snapshot, when asked), or why they
 * share the folder. `saved`: the repository's saved settings (setup, copy, verify), for what the
 * request does not say.
 */
export async function planWorkspace(git: GitRunner, request: WorkspaceRequestInput, saved?: (root: string) => RepositorySettings | undefined): Promise<PlanOutcome> {
  let folder: string
  try {
    folder = realpathSync(request.repo)
  } catch {
    throw new FlotillaError(`expected an existing folder for the task's repository, got "${request.repo}"`, 'bad_request')
  }
  const facts = await inspectRepo(git, folder)
  if (!facts) return { kind: 'shared', reason: `${folder} is not in a git repository` }
  if (!facts.head) throw new FlotillaError(`expected a repository with at least one commit for isolated tasks, got none in ${facts.root} (commit once, or run with --no-isolate)`, 'bad_request')
  if (facts.submodules.length > 0) {
    throw new FlotillaError(`expected a repository without submodules for isolated tasks (a worktree would have them empty), got ${facts.submodules.slice(0, 5).join(', ')}; run with --no-isolate`, 'bad_request')
  }
  if (facts.lfs && !(await lfsInstalled(git, facts.root))) {
    throw new FlotillaError(`this repository stores files with Git LFS, and git-lfs is not set up here: a worktree would hold pointer files; install git-lfs (git lfs install) or run with --no-isolate`, 'bad_request')
  }
  const baseRef = request.base ?? 'HEAD'
  const baseCommit = await resolveCommit(git, facts.root, baseRef)
  let baseSha = baseCommit
  const dirtySnapshot = (request.includeDirty ?? false) && facts.dirty
  if (dirtySnapshot) {
    if (baseCommit !== facts.head) throw new FlotillaError(`expected --include-dirty with the checked-out commit as the base (the uncommitted changes are against it), got --base ${baseRef}`, 'bad_request')
    baseSha = await snapshotDirtyState(git, facts.root, facts.head)
  }
  const subdir = relative(facts.root, folder).split(sep).join('/')
  const defaults = saved?.(facts.root)
  // The saved copy list is relative to the repository's top; one given with the request, to its folder.
  const copy = request.copy?.length ? request.copy.map((p) => posix.join(subdir, p)) : (defaults?.copy ?? [])
  await checkCopies(git, facts.root, copy)
  const setup = request.setup ?? defaults?.setup
  const verify = request.verify ?? defaults?.verify
  const plan: WorkspacePlan = { repo: facts.root, subdir, baseRef, baseCommit, baseSha, dirtySnapshot, targetBranch: facts.branch, copy, setup, verify }
  return { kind: 'plan', facts, plan }
}

/** --copy names untracked files of the checkout: tracked ones are in the worktree already. */
async function checkCopies(git: GitRunner, root: string, copy: readonly string[]): Promise<void> {
  for (const file of copy) {
    if (!existsSync(join(root, file))) throw new FlotillaError(`expected a file or folder to copy at ${join(root, file)}, got none`, 'bad_request')
    const tracked = (await git.run(['ls-files', '--', file], { cwd: root })).stdout.trim()
    if (tracked) throw new FlotillaError(`expected an untracked file or folder to copy (tracked files are in every worktree already), got ${file}, which git tracks`, 'bad_request')
  }
}

async function lfsInstalled(git: GitRunner, root: string): Promise<boolean> {
  const out = await git.run(['config', '--get', 'filter.lfs.process'], { cwd: root, okCodes: [1] })
  return out.stdout.trim().length > 0
}
