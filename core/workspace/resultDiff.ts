import type { TaskDiff, TaskView } from '../contract/tasks'
import { FlotillaError } from '../lib/errors'
import type { GitRunner } from './git'
import { mergeCheck } from './land'

/** The result's unified diff (all files or one), at most maxBytes of it, and whether it merges into its target now. */
export async function resultDiff(git: GitRunner, task: Readonly<TaskView>, options: { file?: string; maxBytes: number; into?: string }): Promise<TaskDiff> {
  const plan = task.workspace
  const result = task.result
  if (!plan || !result?.branch) throw new FlotillaError(`expected a task whose result is a branch, got ${task.id} (${task.result?.isolation ?? 'no result yet'})`, 'conflict')
  const base = result.baseSha ?? plan.baseSha
  const head = result.headSha
  if (!head) return { files: [], patch: '', truncated: false, totalBytes: 0 }
  if (options.file !== undefined && !result.files.some((f) => f.file === options.file || f.from === options.file)) {
    throw new FlotillaError(`expected one of the result's files, got "${options.file}"`, 'bad_request')
  }
  const args = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M', base, head, '--', ...(options.file ? [options.file] : [])]
  const full = (await git.run(args, { cwd: plan.repo })).stdout
  const bytes = Buffer.byteLength(full)
  const patch = bytes > options.maxBytes ? Buffer.from(full).subarray(0, options.maxBytes).toString('utf8').replace(/\uFFFD$/, '') : full
  return { files: result.files, patch, truncated: bytes > options.maxBytes, totalBytes: bytes, merge: await mergeNow(git, task, options.into) }
}

/** Whether the result merges cleanly into `into` (default its target) now; undefined when that cannot be said (no target, no commit, git failed). */
export async function mergeNow(git: GitRunner, task: Readonly<TaskView>, into = task.workspace?.targetBranch): Promise<TaskDiff['merge']> {
  const plan = task.workspace
  const head = task.result?.headSha
  if (!plan || !head || !into) return undefined
  const check = await mergeCheck(git, { repo: plan.repo, into, head, base: task.result?.baseSha ?? plan.baseSha }).catch(() => undefined)
  return check && { into, clean: check.clean, files: check.files }
}
