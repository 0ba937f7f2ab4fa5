import type { RepositorySettings } from '../contract/settings'
import type { TaskSpec, TaskView, WorkspacePlan } from '../contract/tasks'
import { FlotillaError } from '../lib/errors'
import type { Scheduler } from '../scheduler/scheduler'
import type { Workspaces } from '../workspace/workspaces'

export interface SubmissionDeps {
  scheduler: Pick<Scheduler, 'submit'>
  workspaces: Pick<Workspaces, 'plan'>
  notice: (level: 'info' | 'warning', message: string) => void
  /** A repository's saved setup, copy and verify (settings.repositories). */
  saved?: (root: string) => RepositorySettings | undefined
}

/**
 * `tasks.submit`: specs that ask for a workspace are planned first (the base commit, the dirty
 * snapshot), once per distinct request, so every task of one submit starts from the same commit.
 * A folder in no git repository is no error: its tasks share it, as they would without asking,
 * and a notice says so; so does a dirty checkout whose changes are left out.
 */
export async function submitTasks(deps: SubmissionDeps, specs: readonly TaskSpec[], options: { maxCost?: number } = {}): Promise<TaskView[]> {
  const planned = new Map<string, WorkspacePlan | undefined>()
  const plans: Array<WorkspacePlan | undefined> = []
  for (const spec of specs) {
    const request = spec.workspace
    if (!request) {
      plans.push(undefined)
      continue
    }
    if (spec.directory !== undefined) throw new FlotillaError(`expected a task with either a directory or a workspace, got both (${spec.directory} and a workspace in ${request.repo})`, 'bad_request')
    // One plan (one snapshot) per distinct request: tasks of one submit asking the same start from the same commit.
    const key = JSON.stringify([request.repo, request.base ?? 'HEAD', request.includeDirty, request.setup, request.copy, request.verify])
    if (!planned.has(key)) {
      const outcome = await deps.workspaces.plan(request, deps.saved)
      if (outcome.kind === 'shared') {
        deps.notice('info', `tasks share their folder: ${outcome.reason}`)
        planned.set(key, undefined)
      } else {
        if (outcome.facts.dirty && !request.includeDirty) deps.notice('info', `${outcome.facts.root} has uncommitted changes: tasks start from ${outcome.plan.baseRef} without them (include them with --include-dirty)`)
        planned.set(key, outcome.plan)
      }
    }
    plans.push(planned.get(key))
  }
  return deps.scheduler.submit(specs, plans, options)
}
