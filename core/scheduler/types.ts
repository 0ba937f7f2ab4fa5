import type { TaskResult, TaskView } from '../contract/tasks'

/** What the scheduler needs to know about a server (the fleet's ManagedServer satisfies it). */
export interface SchedulableServer {
  readonly id: string
  readonly acceptsWork: boolean
  readonly state: string
  running: number
  readonly spec: { capacity: number; name?: string }
  readonly externalBusy: number
  /** Why no work should wait for it (failed, or not ours and unreachable); undefined while it may take work. */
  readonly unavailable?: string
}

export interface ServerPool {
  /** Every server, in fleet order. */
  list(): SchedulableServer[]
  /** Slot counts changed: republish the server's view. */
  touch(server: SchedulableServer): void
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
