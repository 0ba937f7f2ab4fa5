import type { TaskView } from '../../../core/contract/tasks'

/**
 * The tasks compared with this one: the other attempts at the same prompt from the same submit
 * (a broadcast, a --best-of, the same prompt sent N times), in submit order; empty when it has
 * none. A submit of several different prompts is several groups: their results answer different
 * questions.
 */
export function compareGroupOf(task: TaskView, tasks: readonly TaskView[]): TaskView[] {
  if (!task.batchId) return []
  const members = tasks.filter((t) => t.batchId === task.batchId && t.prompt === task.prompt).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
  return members.length >= 2 ? members.slice(0, 100) : []
}

/** What the group has cost so far (finished attempts: a turn's cost is known when it ends). */
export function groupCost(members: readonly TaskView[]): number {
  return members.reduce((sum, t) => sum + (t.result?.cost ?? 0), 0)
}

/** The others of a group, when one is landed: the ones still holding a result to discard. */
export function othersToDiscard(chosen: string, members: readonly TaskView[]): TaskView[] {
  return members.filter((t) => t.id !== chosen && t.result?.isolation === 'worktree' && t.result.branch && !t.result.discarded && t.result.land?.status !== 'landed' && t.state === 'completed')
}
