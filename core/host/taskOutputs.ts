/**
 * The recent output of every task, for late subscribers (a pane opened mid-task, the tasks
 * view). Bounded per task: the oldest text goes first.
 */
export class TaskOutputs {
  private readonly logs = new Map<string, string>()

  constructor(private readonly maxCharsPerTask = 256 * 1024) {}

  append(taskId: string, text: string): void {
    const next = (this.logs.get(taskId) ?? '') + text
    this.logs.set(taskId, next.length > this.maxCharsPerTask ? next.slice(next.length - this.maxCharsPerTask) : next)
  }

  get(taskId: string): string {
    return this.logs.get(taskId) ?? ''
  }
}
