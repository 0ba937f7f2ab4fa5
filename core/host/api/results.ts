import { TaskSpec, type TaskView } from '../../contract/tasks'
import { FlotillaError } from '../../lib/errors'
import type { Engine } from '../engine'
import { RANKING_RULE, rankResults, type RankFacts } from '../../workspace/ranking'
import type { Handlers } from './types'

type ResultMethods = 'tasks.diff' | 'tasks.land' | 'tasks.discard' | 'tasks.followUp' | 'tasks.conflicts' | 'tasks.compare'

/** A task's result as a branch: its diff, landing it, discarding it (core/workspace does the git). */
export function resultHandlers(engine: Engine): Handlers<ResultMethods> {
  const { scheduler, workspaces } = engine
  const finished = (id: string): TaskView => {
    const task = scheduler.get(id)
    if (task.result?.isolation !== 'worktree') throw new FlotillaError(`expected a task whose result is a branch, got ${id} (${task.state}${task.result ? ', in a shared folder' : ', no result'})`, 'conflict')
    if (task.result.discarded) throw new FlotillaError(`expected a result that is still there, got ${id}, which was discarded`, 'conflict')
    return task
  }
  /** A later follow-up that did not fail works on this task's branch now: acting on its older head would fork or delete it. */
  const followedBy = (id: string): TaskView | undefined => scheduler.list().find((t) => t.workspace?.continues?.taskId === id && t.state !== 'failed' && t.state !== 'cancelled')
  const notFollowed = (id: string, what: string) => {
    const later = followedBy(id)
    if (later) throw new FlotillaError(`expected the last task of its branch to ${what}, got ${id}, which follow-up ${later.id} continues: ${what} that one`, 'conflict')
  }
  return {
    'tasks.diff': ({ id, file, maxBytes }) => workspaces.diff(finished(id), { file, maxBytes }),
    'tasks.land': async ({ id, squash, into }) => {
      const task = finished(id)
      const report = await workspaces.land(task, { squash, into })
      // Nothing changed on a refusal: it is an error with the reason (and the files), recorded on the task too.
      scheduler.recordResult(id, { land: report, ...(report.status === 'landed' ? { worktree: undefined, worktreeHost: undefined } : {}) })
      if (report.status !== 'landed') throw new FlotillaError(report.reason ?? `not landed (${report.status})`, report.status === 'conflict' ? 'conflict' : 'bad_request')
      return scheduler.get(id)
    },
    'tasks.followUp': async ({ id, prompt, newSession }) => {
      const task = finished(id)
      notFollowed(id, 'follow up')
      const plan = task.workspace!
      const branch = task.result!.branch!
      const serverId = task.serverId ?? task.attempts.at(-1)?.serverId
      const sessionId = task.sessionId ?? task.attempts.at(-1)?.sessionId
      const server = serverId && engine.fleet.has(serverId) ? engine.fleet.view(serverId) : undefined
      const reachable = server !== undefined && (server.state === 'ready' || server.state === 'busy') && sessionId !== undefined
      if (!reachable && !newSession) {
        const why = !server ? `${serverId ?? 'its server'} is not configured any more` : `${server.name} is ${server.state}`
        throw new FlotillaError(`expected the task's own server for a follow-up (its session lives there), got: ${why}. Continue on another server in a new session on ${branch} (newSession); the conversation does not carry over`, 'unavailable')
      }
      const inSession = reachable && !newSession
      const continues = { taskId: task.id, folderTask: plan.continues?.folderTask ?? task.id, branch, ...(inSession ? { sessionId } : {}) }
      const spec = TaskSpec.parse({ prompt, title: task.title, target: inSession ? { kind: 'server', serverId } : { kind: 'any' }, agent: task.agent, model: task.model, priority: task.priority, maxAttempts: inSession ? 1 : task.maxAttempts })
      // The worktree (if one is kept) is the follow-up's from now on.
      if (task.result!.worktree) scheduler.recordResult(id, { worktree: undefined, worktreeHost: undefined })
      const [created] = scheduler.submit([spec], [{ ...plan, continues }])
      return created!
    },
    'tasks.conflicts': ({ ids }) => workspaces.conflictsBetween(ids.map((id) => scheduler.get(id)).filter((t) => t.result?.isolation === 'worktree' && !t.result.discarded)),
    'tasks.compare': async ({ ids }) => {
      const tasks = ids.map((id) => scheduler.get(id))
      const facts = await Promise.all(tasks.map(async (task) => compareFacts(task, await workspaces.mergesNow(task))))
      return { rule: RANKING_RULE, entries: rankResults(facts) }
    },
    'tasks.discard': async ({ id }) => {
      const task = finished(id)
      notFollowed(id, 'discard')
      const { branchKept, remoteLeft } = await workspaces.discardResult(task, { remote: engine.linkToWorktreeHost(task) })
      if (branchKept) engine.push('notice', { level: 'warning', message: branchKept })
      if (remoteLeft) engine.push('notice', { level: 'info', message: `${id}: ${remoteLeft}` })
      return scheduler.recordResult(id, { discarded: true, worktree: undefined, worktreeHost: undefined })
    },
  }
}

/** What a task's result is ranked by (see core/workspace/ranking.ts); `merges` comes from git. */
function compareFacts(task: TaskView, merges: boolean | undefined): RankFacts {
  const result = task.result
  const files = result?.files ?? []
  const tokens = result ? result.tokens.input + result.tokens.output + result.tokens.reasoning : 0
  return {
    taskId: task.id,
    state: task.state,
    serverId: task.serverId ?? task.attempts.at(-1)?.serverId,
    model: task.model,
    durationMs: result?.durationMs,
    tokens,
    cost: result?.cost ?? 0,
    diffLines: files.reduce((n, f) => n + f.additions + f.deletions, 0),
    files: files.length,
    verify: result?.verify ? (result.verify.passed ? 'passed' : 'failed') : 'none',
    ...(merges === undefined ? {} : { merges }),
  }
}
