export interface TaskOutputLimits {
  /** How many tasks' text is kept: the ones written to most recently. */
  maxTasks: number
  /** Per task: the newest this many characters. */
  maxCharsPerTask: number
}

/**
 * 64 tasks: as many as one client can hold task panes open for (ClientStreams' cap), so every
 * pane a client opens gets its backlog; at 256 Ki characters each that bounds the log at 16 Mi
 * characters however many tasks a run submits (a finished task's result stays on its TaskView).
 */
export const TASK_OUTPUT_LIMITS: TaskOutputLimits = { maxTasks: 64, maxCharsPerTask: 256 * 1024 }

/**
 * The recent output of recent tasks, for late readers (a pane opened mid-task, the tasks view).
 * Live output reaches readers through the hub's task-output topic; this is only the backlog.
 * Bounded twice: per task the oldest text goes first, and past `maxTasks` the task written to
 * longest ago goes whole.
 */
export class TaskOutputs {
  /** In order of last write, oldest first: Map keeps insertion order, and each append re-inserts. */
  private readonly logs = new Map<string, string>()

  constructor(private readonly limits: TaskOutputLimits = TASK_OUTPUT_LIMITS) {}

  append(taskId: string, text: string): void {
    const next = (this.logs.get(taskId) ?? '') + text
    const { maxTasks, maxCharsPerTask } = this.limits
    this.logs.delete(taskId)
    this.logs.set(taskId, next.length > maxCharsPerTask ? next.slice(next.length - maxCharsPerTask) : next)
    for (const oldest of this.logs.keys()) {
      if (this.logs.size <= maxTasks) break
      this.logs.delete(oldest)
    }
  }

  get(taskId: string): string {
    return this.logs.get(taskId) ?? ''
  }

  get taskCount(): number {
    return this.logs.size
  }
}
