import type { TaskDiff, TaskView, VerifyResult } from '../../../core/contract/tasks'
import { formatDuration } from '../format'

/** A commit as people read it: its first 7 hex digits. */
export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : '—'
}

/** "12 KB" (1 decimal under 10 KB); bytes under 1 KB as "0.4 KB", so limits read in one unit. */
export function formatKB(bytes: number): string {
  const kb = bytes / 1024
  return kb < 10 ? `${kb.toFixed(1)} KB` : `${Math.round(kb)} KB`
}

/** The line that says a diff was cut, or null when it is whole. */
export function truncationText(diff: Pick<TaskDiff, 'truncated' | 'patch' | 'totalBytes'>): string | null {
  if (!diff.truncated) return null
  return `diff truncated at ${formatKB(new TextEncoder().encode(diff.patch).length)} of ${formatKB(diff.totalBytes)}`
}

export type Tone = 'ok' | 'bad' | 'warn' | 'info'

/** One fact about a result, in the words the detail shows. */
export interface ResultNote {
  tone: Tone
  text: string
}

/** What the detail shows about where a task worked and what became of its result. */
export interface ResultFacts {
  kind: 'none' | 'shared' | 'worktree'
  branch?: string
  base?: string
  head?: string
  /** The branch it lands into by default (checked out at submit). */
  target?: string
  /** A result whose diff can be asked for (a branch with commits, not discarded). */
  hasDiff: boolean
  notes: ResultNote[]
}

export function resultFacts(task: TaskView): ResultFacts {
  const result = task.result
  if (!result || !result.isolation) return { kind: 'none', hasDiff: false, notes: [] }
  if (result.isolation === 'shared') {
    const reason = result.sharedReason ?? 'the task did not ask for a worktree of its own'
    return { kind: 'shared', hasDiff: false, notes: [{ tone: 'info', text: `Shared folder: ${reason}` }] }
  }
  const notes: ResultNote[] = []
  const branch = result.branch
  const target = task.workspace?.targetBranch
  if (result.discarded) notes.push({ tone: 'info', text: `Discarded: the worktree and ${branch ?? 'the branch'} were removed.` })
  if (!result.headSha) notes.push({ tone: 'info', text: 'No changes: the task left the repository as it was.' })
  if (result.worktreeMissing && !result.discarded) notes.push({ tone: 'warn', text: `Worktree folder missing: ${branch ?? 'its branch'} is kept.` })
  const land = result.land
  if (land?.status === 'landed') notes.push({ tone: 'ok', text: landedText(land.into, land.commit) })
  return {
    kind: 'worktree',
    branch,
    base: result.baseSha ?? task.workspace?.baseSha,
    head: result.headSha,
    target,
    hasDiff: Boolean(result.headSha) && !result.discarded,
    notes,
  }
}

export function landedText(into: string | undefined, commit: string | undefined): string {
  return `Landed into ${into ?? 'its target'}${commit ? ` (${shortSha(commit)})` : ''}`
}

/** The last refused landing recorded on the task (a conflict, a dirty checkout in the way), as one line. */
export function refusedLandText(task: TaskView): string | null {
  const land = task.result?.land
  if (!land || land.status === 'landed') return null
  if (land.reason) return land.reason
  const files = land.files?.length ? `: ${land.files.join(', ')}` : ''
  return land.status === 'conflict' ? `Conflict with ${land.into ?? 'the target'}${files}` : `Not landed${files}`
}

export type ResultAction = 'land' | 'squash' | 'discard' | 'keep' | 'followUp'

/**
 * Which result actions make sense now; the reason a disabled one is off (for its tooltip).
 * `followedBy`: a later follow-up of this task that has not failed (the branch goes on there).
 */
export function resultActions(task: TaskView, followedBy?: TaskView): Record<ResultAction, string | true> {
  const result = task.result
  const off = (why: string) => ({ land: why, squash: why, discard: why, keep: why, followUp: why })
  if (!result || result.isolation !== 'worktree') return off('the task has no branch of its own')
  if (result.discarded) return off('the result was discarded')
  const landed = result.land?.status === 'landed'
  // Its branch goes on in the follow-up: landing this older head or deleting the branch under it would surprise.
  const goesOn = followedBy ? `task ${followedBy.id} follows up on it: its branch goes on there` : null
  const landable = !result.headSha ? 'no changes to land' : landed ? `already landed into ${result.land?.into ?? 'its target'}` : (goesOn ?? true)
  return {
    land: landable,
    squash: landable,
    discard: goesOn ?? (result.headSha || result.worktree ? true : 'nothing left to discard'),
    keep: landed ? 'already landed' : true,
    followUp:
      task.state !== 'completed'
        ? `the task is ${task.state}`
        : !result.branch
          ? 'the task left no branch to go on with'
          : followedBy
            ? `task ${followedBy.id} already follows up on it: follow up there`
            : true,
  }
}

/** The task a follow-up continues (its branch and, on its server, its session). */
export function followUpOf(task: TaskView): string | undefined {
  return task.workspace?.continues?.taskId
}

/** The newest follow-up of `task` that has not failed or been cancelled: the branch goes on there. */
export function followedBy(task: TaskView, tasks: readonly TaskView[]): TaskView | undefined {
  return tasks.find((t) => t.id !== task.id && followUpOf(t) === task.id && t.state !== 'failed' && t.state !== 'cancelled')
}

/** The engine refused a follow-up because the task's server (and so its session) is gone: a new session may go on. */
export function needsNewSession(message: string): boolean {
  return /newSession/.test(message) && /does not carry over/.test(message)
}

/** A verify run in one line: "passed (exit 0, 1.2 s)". */
export function verifyText(verify: VerifyResult): string {
  const how = verify.timedOut ? 'timed out' : verify.passed ? 'passed' : 'failed'
  const exit = verify.exitCode === null ? 'no exit code' : `exit ${verify.exitCode}`
  return `${how} (${exit}, ${formatDuration(verify.durationMs)})`
}

/** The tasks table's one word about a result: where it stands now. */
export function resultBadge(task: TaskView): { text: string; tone: Tone } | null {
  const result = task.result
  if (!result?.isolation) return null
  if (result.isolation === 'shared') return { text: 'shared folder', tone: 'info' }
  if (result.discarded) return { text: 'discarded', tone: 'info' }
  if (!result.headSha) return { text: 'no changes', tone: 'info' }
  if (result.land?.status === 'landed') return { text: `landed in ${result.land.into ?? 'target'}`, tone: 'ok' }
  if (result.land?.status === 'conflict') return { text: 'conflict', tone: 'bad' }
  return { text: 'branch', tone: 'warn' }
}
