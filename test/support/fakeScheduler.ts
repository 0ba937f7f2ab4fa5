// In-memory servers, pool and runner for the scheduler's unit tests (the strategy and queue logic).
import type { TaskSpec, TaskView } from '../../core/contract/tasks'
import { Scheduler } from '../../core/scheduler/scheduler'
import type { AbortReason, AttemptHandle, AttemptOutcome, AttemptRunner, SchedulableServer, ServerPool } from '../../core/scheduler/types'
import { waitFor } from './waitFor'

/** An in-memory server; the scheduler gives it work only when ready with a free slot (its own count). */
export class FakeServer implements SchedulableServer {
  constructor(
    readonly id: string,
    public state = 'ready',
    readonly spec = { capacity: 1 },
  ) {}
}

export class FakePool implements ServerPool {
  /** Servers whose load the scheduler announced as changed, in order. */
  readonly loadChanges: string[] = []
  constructor(readonly servers: FakeServer[]) {}
  list() {
    return this.servers
  }
  loadChanged(serverId: string) {
    this.loadChanges.push(serverId)
  }
}

/** One call of run(): the test settles it. An abort settles it like the real runner does. */
export interface Attempt {
  handle: AttemptHandle
  reasonAtAbort?: AbortReason
  resolve(outcome: AttemptOutcome): void
}

export class FakeRunner implements AttemptRunner {
  readonly attempts: Attempt[] = []
  readonly live = new Map<string, number>()
  maxLive = new Map<string, number>()

  run(handle: AttemptHandle): Promise<AttemptOutcome> {
    const n = (this.live.get(handle.serverId) ?? 0) + 1
    this.live.set(handle.serverId, n)
    this.maxLive.set(handle.serverId, Math.max(n, this.maxLive.get(handle.serverId) ?? 0))
    return new Promise<AttemptOutcome>((resolve) => {
      const attempt: Attempt = {
        handle,
        resolve: (outcome) => {
          this.live.set(handle.serverId, this.live.get(handle.serverId)! - 1)
          resolve(outcome)
        },
      }
      handle.signal.addEventListener('abort', () => {
        attempt.reasonAtAbort = handle.abortReason()
        attempt.resolve(attempt.reasonAtAbort === 'server-lost' ? { kind: 'server-lost', error: 'server lost mid-task' } : { kind: 'cancelled' })
      })
      this.attempts.push(attempt)
    })
  }

  /** The attempt for a task (the latest one), once the lane has started it. */
  async attemptFor(taskId: string): Promise<Attempt> {
    await until(() => this.attempts.some((a) => a.handle.task.id === taskId))
    return this.attempts.filter((a) => a.handle.task.id === taskId).at(-1)!
  }
}

export const RESULT = { text: 'done', tokens: { input: 1, output: 2, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, cost: 0, durationMs: 5, files: [] }
export const completed: AttemptOutcome = { kind: 'completed', result: RESULT }

export function spec(over: Partial<TaskSpec> = {}): TaskSpec {
  return { prompt: 'hi', target: { kind: 'any' }, priority: 0, maxAttempts: 3, ...over }
}

/**
 * waitFor preset for the fakes: they pass through short-lived states (dispatched), so poll every
 * 1 ms; a timeout names the predicate by its source.
 */
export async function until(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  await waitFor(String(predicate), predicate, { timeoutMs, intervalMs: 1 })
}

export function setup(servers: FakeServer[], strategy: 'round-robin' | 'least-loaded' | 'random' = 'round-robin', options: { now?: () => number } = {}) {
  const pool = new FakePool(servers)
  const runner = new FakeRunner()
  const journal: TaskView[] = []
  const events: TaskView[] = []
  const scheduler = new Scheduler({ pool, runner, strategy, sink: { append: (t) => journal.push(t) }, ...options })
  scheduler.on('task', (t) => events.push(t))
  return { pool, runner, journal, events, scheduler }
}

/**
 * Views that read the scheduler's current snapshot on every property access: the scheduler hands
 * out frozen snapshots, and these tests follow one task through its states.
 */
export function live(scheduler: Scheduler, views: readonly TaskView[]): TaskView[] {
  return views.map((view) => {
    const now = () => scheduler.get(view.id)
    // An empty, extensible target: a frozen one would pin every property to its first value.
    return new Proxy({} as TaskView, {
      get: (_target, key) => Reflect.get(now(), key),
      has: (_target, key) => key in now(),
      ownKeys: () => Reflect.ownKeys(now()),
      getOwnPropertyDescriptor: (_target, key) => {
        const found = Reflect.getOwnPropertyDescriptor(now(), key)
        return found && { ...found, configurable: true }
      },
    })
  })
}
