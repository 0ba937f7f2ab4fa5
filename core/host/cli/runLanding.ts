import type { LandReport, TaskView } from '../../contract/tasks'
import { errorMessage } from '../../lib/errors'
import type { Workspaces } from '../../workspace/workspaces'

export interface LandingIo {
  /** One line about one task's landing (or about the results as a whole, taskId undefined). */
  line: (taskId: string | undefined, kind: 'landed' | 'not-landed' | 'info' | 'warning', text: string) => void
}

/**
 * `--land`: every completed result, in submit order, into its target (each merge is computed
 * against the target as the ones before it left it). Results that would conflict with each other
 * are said first, with the files. Returns each task's report.
 */
export async function landResults(workspaces: Workspaces, tasks: readonly TaskView[], options: { into?: string; squash: boolean }, io: LandingIo): Promise<Map<string, LandReport>> {
  const reports = new Map<string, LandReport>()
  const candidates = tasks.filter((t) => t.state === 'completed' && t.result?.isolation === 'worktree')
  try {
    for (const pair of await workspaces.conflictsBetween(candidates, options)) {
      io.line(undefined, 'warning', `${pair.a} and ${pair.b} conflict with each other in ${pair.files.join(', ')}: the first lands, the second will not`)
    }
  } catch (error) {
    io.line(undefined, 'warning', `could not compare the results with each other: ${errorMessage(error)}`)
  }
  for (const task of candidates) {
    const verify = task.result?.verify
    // A result its own checks failed is not landed unattended: it stays on its branch for a person to look at.
    const report: LandReport =
      verify && !verify.passed && task.result?.headSha
        ? { status: 'skipped', reason: `its verify failed (${verify.timedOut ? 'timed out' : `exit ${verify.exitCode ?? 'signal'}`})` }
        : await workspaces.land(task, options, { lastTasks: true })
    reports.set(task.id, report)
    if (report.status === 'landed') io.line(task.id, 'landed', `landed ${task.result!.branch} into ${report.into} (${report.commit!.slice(0, 10)}, ${report.files?.length ?? 0} file${report.files?.length === 1 ? '' : 's'})`)
    else if (report.status === 'conflict') io.line(task.id, 'not-landed', `not landed: conflicts with ${report.into} in ${report.files?.join(', ')}; the result stays on ${task.result!.branch}`)
    else if (task.result?.headSha) io.line(task.id, 'not-landed', `not landed: ${report.reason}; the result stays on ${task.result.branch}`)
    else io.line(task.id, 'info', `nothing to land: ${report.reason}`)
  }
  return reports
}

/** Whether a landing that was asked for did not happen (a result with no change has nothing to land). */
export function landingMissed(report: LandReport | undefined, task: TaskView): boolean {
  if (task.state !== 'completed' || !task.result?.headSha) return false
  return report?.status !== 'landed'
}
