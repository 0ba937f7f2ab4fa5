import type { TaskResult, TaskView } from '../contract/tasks'

/**
 * What the scheduler needs to know about a server (the fleet's ManagedServer satisfies it). Its
 * load is not here: the scheduler owns the slots (see Slots) and reads outside load itself.
 */
export interface SchedulableServer {
  readonly id: string
  readonly state: string
  readonly spec: { capacity: number; name?: string }
  /** Why no work should wait for it (failed, or not ours and unreachable); undefined while it may take work. */
  readonly unavailable?: string
}

export interface ServerPool {
  /** Every server, in fleet order. */
  list(): SchedulableServer[]
  /** The server's load (running, queued) changed: republish its view. */
  loadChanged(serverId: string): void
}

/** A server's load as the scheduler sees it: its slots in use and the tasks waiting for it alone. */
export interface ServerLoad {
  running: number
  queued: number
}

export type AbortReason = 'cancel' | 'timeout' | 'server-lost'

/** One attempt of one task on one server, as the runner sees it. */
export interface AttemptHandle {
  readonly task: Readonly<TaskView>
  readonly serverId: string
  readonly signal: AbortSignal
  /** Why the signal fired. */
  abortReason(): AbortReason | undefined
  /** The session now exists: record it (and the URL it runs behind) on the task. */
  started(sessionId: string, serverUrl: string): void
  /** ANSI output for this task's view. */
  output(text: string): void
  /**
   * The agent's turn is over: its slot goes to the next task while the runner collects the result
   * (files, and later commits and verify runs), which must never hold the agent's slot.
   */
  turnOver(): void
}

export type AttemptOutcome =
  | { kind: 'completed'; result: TaskResult }
  | { kind: 'failed'; error: string }
  | { kind: 'cancelled' }
  | { kind: 'server-lost'; error: string }
  /** Nothing ran (a restored session that never got its prompt): the attempt does not count. */
  | { kind: 'not-started' }

export interface AttemptRunner {
  run(attempt: AttemptHandle): Promise<AttemptOutcome>
}

/** Where task snapshots go (an append-only journal, or nowhere). */
export interface TaskSink {
  append(task: TaskView): void
}
