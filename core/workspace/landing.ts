import type { LandReport, TaskView } from '../contract/tasks'
import { errorMessage } from '../lib/errors'
import { gitLine, type GitRunner } from './git'
import { landResult, pairwiseConflicts } from './land'
import { commitMessage } from './resultCommit'

export interface LandOptions {
  /** The branch to land into; default the one checked out when the task was submitted. */
  into?: string
  squash?: boolean
}

/**
 * Lands one task's result into its target branch (see land.ts for how): only a completed result
 * with a commit, into a named branch. Every refusal is a report that changed nothing.
 */
export async function landTask(git: GitRunner, task: Readonly<TaskView>, options: LandOptions = {}): Promise<LandReport> {
  const plan = task.workspace
  const result = task.result
  const into = options.into ?? plan?.targetBranch
  if (!plan || result?.isolation !== 'worktree') return { status: 'skipped', reason: 'the task did not run in a worktree: there is no branch to land' }
  if (task.state !== 'completed') return { status: 'skipped', reason: `the task ${task.state}: only a completed result is landed` }
  if (!result.headSha || !result.branch) return { status: 'skipped', reason: 'the task changed nothing: there is nothing to land' }
  if (!into) return { status: 'skipped', reason: 'HEAD was detached at submit, so there is no branch to land into: name one (--into BRANCH)' }
  try {
    const subject = await gitLine(git, ['log', '-1', '--format=%s', result.headSha], { cwd: plan.repo })
    const trailers = { 'Flotilla-Task': task.id }
    const message = options.squash ? commitMessage(subject, trailers) : commitMessage(`Merge ${result.branch}: ${subject}`, trailers)
    const outcome = await landResult(git, { repo: plan.repo, into, head: result.headSha, base: result.baseSha ?? plan.baseSha, squash: options.squash, message })
    if (outcome.status === 'landed') return { status: 'landed', into, commit: outcome.commit, files: outcome.files }
    if (outcome.status === 'conflict') return { status: 'conflict', into, files: outcome.files, reason: outcome.reason }
    return { status: 'skipped', into, reason: outcome.reason, ...(outcome.files ? { files: outcome.files } : {}) }
  } catch (error) {
    return { status: 'skipped', into, reason: errorMessage(error) }
  }
}

/** Results of one submit that would conflict with each other (pairwise merge-tree), per target branch, said before any lands. */
export async function conflictsBetween(git: GitRunner, tasks: readonly TaskView[], options: LandOptions = {}): Promise<Array<{ a: string; b: string; files: string[] }>> {
  const byTarget = new Map<string, { repo: string; results: Array<{ id: string; head: string; base: string }> }>()
  for (const task of tasks) {
    const plan = task.workspace
    const into = options.into ?? plan?.targetBranch
    const head = task.result?.headSha
    if (!plan || !into || !head || task.state !== 'completed') continue
    const key = `${plan.repo}\0${into}`
    const group = byTarget.get(key) ?? { repo: plan.repo, results: [] }
    group.results.push({ id: task.id, head, base: task.result?.baseSha ?? plan.baseSha })
    byTarget.set(key, group)
  }
  const pairs: Array<{ a: string; b: string; files: string[] }> = []
  for (const [key, group] of byTarget) {
    if (group.results.length > 1) pairs.push(...(await pairwiseConflicts(git, group.repo, key.split('\0')[1]!, group.results)))
  }
  return pairs
}
