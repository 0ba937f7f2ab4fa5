/**
 * The recent output of every task, for late subscribers (a pane opened mid-task, the tasks
 * view), and the live output routed to whoever watches a task. Bounded per task: the oldest
 * text goes first.
 */
export class TaskOutputs {
  private readonly logs = new Map<string, string>()
  /** Watchers per task: one lookup per chunk, and no listener on the scheduler per open pane. */
  private readonly watchers = new Map<string, Set<(text: string) => void>>()

  constructor(private readonly maxCharsPerTask = 256 * 1024) {}

  append(taskId: string, text: string): void {
    const next = (this.logs.get(taskId) ?? '') + text
    this.logs.set(taskId, next.length > this.maxCharsPerTask ? next.slice(next.length - this.maxCharsPerTask) : next)
    for (const watcher of this.watchers.get(taskId) ?? []) watcher(text)
  }

  get(taskId: string): string {
    return this.logs.get(taskId) ?? ''
  }

  /** Calls `onText` with each new piece of the task's output; returns the function that stops it. */
  watch(taskId: string, onText: (text: string) => void): () => void {
    let set = this.watchers.get(taskId)
    if (!set) this.watchers.set(taskId, (set = new Set()))
    set.add(onText)
    return () => {
      set.delete(onText)
      if (set.size === 0 && this.watchers.get(taskId) === set) this.watchers.delete(taskId)
    }
  }
}
