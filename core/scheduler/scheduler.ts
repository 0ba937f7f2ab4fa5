import { BatchBudgets } from './batchBudgets'
import { EventEmitter } from 'node:events'
import { isFinalState, type StrategyName, type TaskResult, type TaskSpec, type TaskView, type WorkspacePlan } from '../contract/tasks'
import { FlotillaError } from '../lib/errors'
import { frozenCopy } from '../lib/frozen'
import { shortId } from '../lib/random'
import { attemptVerdict } from './attemptVerdict'
import { attemptMarker } from '../view/taskPane'
import { RESUME_GRACE_MS, RestoredTasks } from './restoredTasks'
import { redactedTask } from './redactedTask'
import { strategies } from './strategies'
import { checkTargets, eligibleServers, toCandidate } from './targets'
import { TaskQueue } from './taskQueue'
import { downReason, noServerFor } from './unservable'
import { sessionKey } from './sessionKey'
import { Slots } from './slots'
import type { AbortReason, AttemptOutcome, AttemptRunner, SchedulableServer, ServerLoad, ServerPool, TaskSink } from './types'

export interface SchedulerEvents {
  task: [task: TaskView]
  output: [taskId: string, text: string]
}

export interface SchedulerOptions {
  pool: ServerPool
  runner: AttemptRunner
  sink?: TaskSink
  strategy?: StrategyName
  random?: () => number
  now?: () => number
  /** Attempts for a task that does not say (the settings' maxAttempts); default 3. */
  defaultMaxAttempts?: () => number
  /** Sessions busy on a server that no task of ours runs (a TUI user, another client): load for least-loaded. */
  externalBusy?: (serverId: string) => number
  /** Known secrets out of every snapshot (results, errors), so neither the journal nor a client ever holds one. */
  redact?: (text: string) => string
  /**
   * The id of a new task, when something already made a place for it under an id (a warm spare
   * worktree, see Workspaces.claimTaskId); undefined, or an id already in use: a fresh one.
   */
  taskId?: (spec: TaskSpec, workspace: WorkspacePlan | undefined) => string | undefined
}

interface Active {
  serverId: string
  controller: AbortController
  reason?: AbortReason
  timer?: NodeJS.Timeout
}

/**
 * Late binding: a task is bound to a server only when that server has a free slot, so a slow
 * or dead server never strands queued work. The strategy decides where; the per-server
 * p-queue (concurrency = capacity) decides when.
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  strategy: StrategyName
  /** The scheduler's own task records: only this class writes them. */
  private readonly tasks = new Map<string, TaskView>()
  /** What everyone else sees: a frozen copy of each task as of its last change. */
  private readonly snapshots = new Map<string, TaskView>()
  private readonly queue = new TaskQueue()
  private readonly budgets = new BatchBudgets()
  private readonly active = new Map<string, Active>()
  /** Servers a re-queued task should avoid (the ones that died under it). */
  private readonly avoid = new Map<string, Set<string>>()
  private readonly slots = new Slots((serverId) => {
    this.options.pool.loadChanged(serverId)
    this.pump()
  })
  /** Which task runs which session now: set when an attempt's session exists, gone when it ends. */
  private readonly sessions = new Map<string, string>()
  private lastPicked: string | undefined
  /** Restored tasks whose session must be read before anything else happens to them. */
  private restored: RestoredTasks | undefined
  private readonly random: () => number
  private readonly now: () => number

  constructor(private readonly options: SchedulerOptions) {
    super()
    this.strategy = options.strategy ?? 'least-loaded'
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
  }

  /** `plans`: each spec's workspace as planned at submit (by index; see core/workspace), for specs that have one. */
  submit(specs: readonly TaskSpec[], plans: ReadonlyArray<WorkspacePlan | undefined> = [], options: { maxCost?: number } = {}): TaskView[] {
    const servers = this.options.pool.list().map((s) => s.id)
    checkTargets(specs, servers)
    const created: TaskView[] = []
    const batchId = shortId('b')
    if (options.maxCost !== undefined) this.budgets.set(batchId, options.maxCost)
    specs.forEach((spec, i) => {
      const plan = plans[i]
      if (spec.target.kind === 'broadcast') {
        const groupId = shortId('g')
        for (const serverId of spec.target.serverIds ?? servers) {
          created.push(this.create({ ...spec, target: { kind: 'server', serverId } }, plan, batchId, groupId))
        }
      } else created.push(this.create(spec, plan, batchId))
    })
    this.pump()
    return created.map((task) => this.get(task.id))
  }

  list(): TaskView[] {
    return [...this.snapshots.values()]
  }

  get(id: string): TaskView {
    return this.snapshots.get(this.record(id).id)!
  }

  /** The task's own (writable) record. */
  private record(id: string): TaskView {
    const task = this.tasks.get(id)
    if (!task) throw new FlotillaError(`expected a known task id, got "${id}"`, 'not_found')
    return task
  }

  /**
   * Restores tasks from the journal. Work that never started (queued, or dispatched before its
   * session was recorded) is queued again. A task that has a session may have done its work
   * (a crash can tear the journal's last line, its completion), so it is never dispatched
   * again before `resume` has read that session on its server (see RestoredSessionRunner).
   */
  restore(views: readonly TaskView[], resume: AttemptRunner, options: { graceMs?: number } = {}): void {
    const restored = (this.restored = new RestoredTasks(resume, options.graceMs ?? RESUME_GRACE_MS, this.now))
    for (const view of views) {
      if (this.tasks.has(view.id)) continue
      const task = structuredClone(view)
      this.tasks.set(task.id, task)
      this.snapshots.set(task.id, frozenCopy(task))
      if (isFinalState(task.state)) continue
      const last = task.attempts.at(-1)
      if (last?.outcome === 'running' && last.sessionId) {
        Object.assign(task, { state: 'running', serverId: last.serverId, sessionId: last.sessionId })
        restored.add(task.id, last.serverId)
        continue
      }
      // The session is journalled before the prompt is sent: an attempt without one did nothing.
      const unstarted = last?.outcome === 'running'
      if (unstarted) task.attempts.pop()
      if (task.state === 'queued' && !unstarted) this.queue.push(task.id, task.priority) // as journalled: nothing to write
      else this.requeue(task)
    }
    restored.watch(() => this.pump())
    this.pump()
  }

  /**
   * Stops resolving restored tasks (the engine is closing): they stay as journalled, running,
   * and are resolved at the next start, rather than judged while the servers stop.
   */
  stopRestoring(): void {
    this.restored?.stop()
  }

  /** Whether an attempt of this task is running on a server now. */
  isActive(id: string): boolean {
    return this.active.has(id)
  }

  cancel(id: string): TaskView {
    const task = this.record(id)
    if (isFinalState(task.state)) return this.get(id)
    if (this.restored?.delete(id)) {
      this.finish(task, 'cancelled', `cancelled after a restart, before its session on ${task.serverId} could be read (it may still be running there)`)
      return this.get(id)
    }
    const active = this.active.get(id)
    if (active) this.abort(id, 'cancel')
    else {
      this.queue.remove(id)
      this.finish(task, 'cancelled', 'cancelled before it started')
    }
    return this.get(id)
  }

  retry(id: string): TaskView {
    const old = this.get(id)
    if (!isFinalState(old.state)) throw new FlotillaError(`expected a finished task to retry, got one that is ${old.state}`, 'conflict')
    const spec = {
      prompt: old.prompt,
      title: old.title,
      target: old.target,
      directory: old.directory,
      agent: old.agent,
      model: old.model,
      priority: old.priority,
      timeoutMs: old.timeoutMs,
      maxAttempts: old.maxAttempts,
    }
    // From the same commit as before, on a new branch (the old one keeps its result).
    const [task] = this.submit([spec], [old.workspace])
    return task!
  }

  /** A server died or was stopped: its attempts end, and their tasks move elsewhere. */
  serverLost(serverId: string): void {
    for (const [taskId, active] of this.active) if (active.serverId === serverId) this.abort(taskId, 'server-lost')
  }

  /** Bind queued tasks to servers with free slots, in queue order. */
  pump(): void {
    if (this.restored?.size) this.resumeRestored(this.restored)
    if (this.queue.size === 0) return this.forgetSpentBudgets()
    const servers = this.options.pool.list()
    if (servers.some((s) => downReason(s) !== undefined)) this.failUnservable(servers)
    const hasSlot = (s: SchedulableServer) => s.state === 'ready' && this.slots.hasFree(s.id, s.spec.capacity) && !this.restored?.holdsSlotOn(s.id)
    let free = servers.filter(hasSlot)
    if (free.length === 0) return
    const order = servers.map((s) => s.id)
    const live = servers.filter((s) => s.state === 'ready')
    for (const id of this.queue.ids()) {
      const task = this.tasks.get(id)!
      // A change announced during dispatch can pump again, and bind ids of this snapshot first.
      if (task.state !== 'queued') continue
      const refusal = this.budgets.has(task.batchId) ? this.budgets.refusal(task.batchId, this.spentBy(task.batchId!)) : undefined
      if (refusal) {
        this.queue.remove(id)
        this.finish(task, 'cancelled', refusal)
        continue
      }
      const eligible = eligibleServers(task, live, servers, this.avoid.get(task.id))
      if (eligible.length === 0) continue
      const ids = new Set(eligible.map((s) => s.id))
      const candidates = free.filter((s) => ids.has(s.id))
      if (candidates.length === 0) continue
      // A task may carry its own strategy (the prompt bar's per-prompt target); the settings' strategy otherwise.
      const strategy = (task.target.kind === 'any' && task.target.strategy) || this.strategy
      const pick = strategies[strategy](candidates.map((c) => toCandidate(c, this.slots.running(c.id), this.options.externalBusy?.(c.id) ?? 0)), {
        eligible: eligible.map((s) => s.id),
        order,
        lastPicked: this.lastPicked,
        random: this.random,
      })
      if (!pick) continue
      this.lastPicked = pick.id
      const server = free.find((s) => s.id === pick.id)!
      this.queue.remove(id)
      this.dispatch(task, server)
      free = free.filter(hasSlot)
      if (free.length === 0) break
    }
    this.forgetSpentBudgets()
  }

  /** What a batch's finished attempts have cost (see BatchBudgets). */
  private spentBy(batchId: string): number {
    let spent = 0
    for (const task of this.tasks.values()) if (task.batchId === batchId) spent += task.result?.cost ?? 0
    return spent
  }

  /** Budgets of batches with nothing queued any more go (a retry of one of their tasks is then unlimited). */
  private forgetSpentBudgets(): void {
    for (const batchId of this.budgets.batches()) {
      if (![...this.tasks.values()].some((t) => t.batchId === batchId && t.state === 'queued')) this.budgets.forget(batchId)
    }
  }

  /** Queued tasks no server can take (their target is down, or every server is) fail with the server's reason. */
  private failUnservable(servers: SchedulableServer[]): void {
    for (const id of this.queue.ids()) {
      const task = this.tasks.get(id)!
      const reason = task.state === 'queued' ? noServerFor(task, servers) : undefined
      if (reason === undefined) continue
      this.queue.remove(id)
      this.finish(task, 'failed', task.attempts.length > 0 ? `${reason} (after ${task.attempts.length} attempt${task.attempts.length === 1 ? '' : 's'})` : reason)
    }
  }

  /**
   * Restored tasks with a session: each is resolved from its session once its server is ready.
   * If that server is gone (failed, removed, or not configured again within the grace time),
   * the session cannot be read and nobody knows whether the work was done: that is a server
   * that died under a running task, and it gets that policy (another server, within the task's
   * attempts, else failed), as it would have had Flotilla kept running. A careful user gets
   * the same answer with and without a restart, and a task whose server still has its session
   * never runs twice.
   */
  private resumeRestored(restored: RestoredTasks): void {
    for (const next of restored.take(this.options.pool.list())) {
      const task = this.tasks.get(next.taskId)!
      if (next.kind === 'ready') {
        this.dispatch(task, next.server, restored.runner)
        continue
      }
      const attempt = task.attempts.at(-1)!
      const error = next.server ? `its server ${next.server.id} failed before its session could be read after a restart` : `its server ${attempt.serverId} is not configured any more`
      Object.assign(attempt, { outcome: 'server-lost', endedAt: this.now(), error })
      this.avoidServer(task.id, attempt.serverId)
      this.requeueOrFail(task, error)
    }
  }

  private create(spec: TaskSpec, workspace: WorkspacePlan | undefined, batchId: string, groupId?: string): TaskView {
    const offered = this.options.taskId?.(spec, workspace)
    const task: TaskView = {
      id: offered && !this.tasks.has(offered) ? offered : shortId('t'),
      groupId,
      batchId,
      prompt: spec.prompt,
      title: spec.title,
      state: 'queued',
      target: spec.target,
      priority: spec.priority,
      directory: spec.directory,
      agent: spec.agent,
      model: spec.model,
      timeoutMs: spec.timeoutMs,
      maxAttempts: spec.maxAttempts ?? this.options.defaultMaxAttempts?.() ?? 3,
      workspace,
      attempts: [],
      createdAt: this.now(),
    }
    this.tasks.set(task.id, task)
    this.queue.push(task.id, task.priority)
    this.changed(task)
    return task
  }

  /** Binds a task to a server; `resumeWith` continues a restored attempt (same attempt, same session). */
  private dispatch(task: TaskView, server: SchedulableServer, resumeWith?: AttemptRunner): void {
    const controller = new AbortController()
    const active: Active = { serverId: server.id, controller }
    this.active.set(task.id, active)
    if (resumeWith) task.state = 'running'
    else {
      task.state = 'dispatched'
      task.serverId = server.id
      task.serverUrl = undefined
      task.sessionId = undefined
      task.attempts.push({ attempt: task.attempts.length + 1, serverId: server.id, startedAt: this.now(), outcome: 'running' })
    }
    this.changed(task)
    // A retry's output follows the earlier attempt's in the same pane: a marked separator between them.
    if (!resumeWith && task.attempts.length > 1) this.emit('output', task.id, attemptMarker(task.attempts.length, task.maxAttempts, server.spec.name ?? server.id, task.attempts.at(-2)))
    if (task.timeoutMs) {
      // A resumed attempt has used part of its time already.
      const used = resumeWith ? this.now() - task.attempts.at(-1)!.startedAt : 0
      active.timer = setTimeout(() => this.abort(task.id, 'timeout'), Math.max(0, task.timeoutMs - used))
      active.timer.unref()
    }
    let turnOver!: () => void
    const turn = new Promise<void>((resolve) => (turnOver = resolve))
    this.slots.occupy(server.id, server.spec.capacity, turn)
    if (resumeWith && task.sessionId) this.sessions.set(sessionKey(server.id, task.sessionId), task.id)
    this.options.pool.loadChanged(server.id)
    const handle = {
      task,
      serverId: server.id,
      turnOver,
      signal: controller.signal,
      abortReason: () => active.reason,
      started: (sessionId: string, serverUrl: string) => {
        if (this.active.get(task.id) !== active) return
        task.state = 'running'
        task.sessionId = sessionId
        task.serverUrl = serverUrl
        task.startedAt ??= this.now()
        task.attempts.at(-1)!.sessionId = sessionId
        this.sessions.set(sessionKey(server.id, sessionId), task.id)
        this.changed(task)
      },
      output: (text: string) => {
        if (this.active.get(task.id) === active && text) this.emit('output', task.id, text)
      },
    }
    // Started here and now (not a tick later), so the runner sees an abort that comes right after.
    void runNow(() => (resumeWith ?? this.options.runner).run(handle))
      .catch((error: unknown): AttemptOutcome => ({ kind: 'failed', error: error instanceof Error ? error.message : String(error) }))
      .then((outcome) => {
        turnOver() // at the latest: an attempt that ended holds no slot
        this.settle(task, server, active, outcome ?? { kind: 'failed', error: 'no outcome' })
      })
  }

  private settle(task: TaskView, server: SchedulableServer, active: Active, outcome: AttemptOutcome): void {
    if (this.active.get(task.id) !== active) return
    this.active.delete(task.id)
    clearTimeout(active.timer)
    const sessionId = task.attempts.at(-1)?.sessionId
    if (sessionId) this.sessions.delete(sessionKey(server.id, sessionId))
    const attempt = task.attempts.at(-1)!
    attempt.endedAt = this.now()
    const verdict = attemptVerdict(active.reason, outcome, task.timeoutMs)
    if (verdict.kind === 'not-started') {
      task.attempts.pop()
      this.requeue(task)
    } else if (verdict.kind === 'server-lost') {
      attempt.outcome = 'server-lost'
      attempt.error = verdict.error
      this.avoidServer(task.id, server.id)
      this.requeueOrFail(task, verdict.error)
    } else {
      attempt.outcome = verdict.attempt
      if (verdict.attempt === 'failed') attempt.error = verdict.error
      if (verdict.result) task.result = verdict.result
      this.finish(task, verdict.state, verdict.error)
    }
    this.pump()
  }

  private requeueOrFail(task: TaskView, error: string): void {
    if (task.attempts.length >= task.maxAttempts) {
      this.finish(task, 'failed', `${error} (after ${task.attempts.length} attempt${task.attempts.length === 1 ? '' : 's'})`)
      return
    }
    this.requeue(task)
  }

  private requeue(task: TaskView): void {
    task.state = 'queued'
    task.serverId = undefined
    task.serverUrl = undefined
    task.sessionId = undefined
    this.queue.push(task.id, task.priority)
    this.changed(task)
  }

  private avoidServer(taskId: string, serverId: string): void {
    const set = this.avoid.get(taskId) ?? new Set<string>()
    set.add(serverId)
    this.avoid.set(taskId, set)
  }

  private abort(taskId: string, reason: AbortReason): void {
    const active = this.active.get(taskId)
    if (!active || active.reason) return
    active.reason = reason
    active.controller.abort()
  }

  private finish(task: TaskView, state: 'completed' | 'failed' | 'cancelled', error?: string): void {
    task.state = state
    task.error = state === 'completed' ? undefined : error
    task.endedAt = this.now()
    this.avoid.delete(task.id)
    this.changed(task)
  }

  private changed(task: TaskView): void {
    const before = this.snapshots.get(task.id)
    const snapshot = frozenCopy(this.options.redact ? redactedTask(task, this.options.redact) : task)
    this.snapshots.set(task.id, snapshot)
    // A task for one server entering or leaving the queue changes that server's queued count.
    if (task.target.kind === 'server' && (before?.state === 'queued') !== (task.state === 'queued')) this.options.pool.loadChanged(task.target.serverId)
    this.options.sink?.append(snapshot)
    this.emit('task', snapshot)
  }

  /**
   * What happened to a finished task's result afterwards (landed, discarded, its worktree gone):
   * recorded here, by the tasks' one owner, so it is journalled and pushed like any change.
   */
  recordResult(id: string, patch: Partial<Pick<TaskResult, 'land' | 'discarded' | 'worktree' | 'worktreeHost' | 'worktreeMissing'>>): TaskView {
    const task = this.record(id)
    if (!task.result || !isFinalState(task.state)) throw new FlotillaError(`expected a finished task with a result, got ${id} (${task.state}${task.result ? '' : ', no result'})`, 'conflict')
    task.result = { ...task.result, ...patch }
    // Absent means absent: a worktree that went is no property with an undefined value in the journal.
    for (const key of Object.keys(patch) as Array<keyof typeof patch>) if (patch[key] === undefined) delete task.result[key]
    this.changed(task)
    return this.get(id)
  }

  /** A server's load: agent slots in use, and queued tasks that wait for it alone. */
  load(serverId: string): ServerLoad {
    let queued = 0
    for (const id of this.queue.ids()) {
      const target = this.tasks.get(id)!.target
      if (target.kind === 'server' && target.serverId === serverId) queued++
    }
    return { running: this.slots.running(serverId), queued }
  }

  /** The task whose attempt runs this session now, if any (events arrive by session). */
  taskForSession(serverId: string, sessionId: string): string | undefined {
    return this.sessions.get(sessionKey(serverId, sessionId))
  }

  /** Tasks still queued or running. */
  get pending(): number {
    let n = 0
    for (const task of this.tasks.values()) if (!isFinalState(task.state)) n++
    return n
  }
}

/** Calls `start` at once; a synchronous throw becomes a rejection. */
function runNow<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start()
  } catch (error) {
    return Promise.reject(error)
  }
}
