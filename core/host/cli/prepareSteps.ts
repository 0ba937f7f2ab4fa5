import type { TaskView } from '../../contract/tasks'
import { oneLine, stripAnsi } from '../../view/ansi'

/**
 * What a dispatched task waits for before its agent works, for the footer: shipping the
 * repository to an SSH machine, making its worktree, its --setup command (with that command's
 * latest output line), opening its session.
 *
 * Told from what the CLI sees, as the engine reports no preparation step of its own: the task
 * (its workspace plan), the kind of server it went to (ssh = a worktree on that machine, after the
 * base is shipped there; url = its server's folder, shared), and its output, where a --setup
 * command's lines arrive as `  │ line` while the task is still dispatched (the runner writes them
 * so; a tool's output has the same form but only comes once the task runs).
 */
export class PrepareSteps {
  /** Task id → its setup command's latest output line, in this attempt. */
  private readonly setupLine = new Map<string, { attempt: number; line: string }>()

  /** A piece of a task's output (the session renderer's text, colours and all). */
  noteOutput(task: TaskView | undefined, text: string): void {
    if (task?.state !== 'dispatched' || !task.workspace?.setup) return
    const lines = stripAnsi(text).split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      const setup = /^ {2}│ (.*\S.*)$/.exec(lines[i]!)
      if (setup) {
        this.setupLine.set(task.id, { attempt: task.attempts.length, line: oneLine(setup[1]!, 80) })
        return
      }
    }
  }

  /** What `task` (dispatched) is doing, on a server of `serverKind` named `serverName`. */
  doing(task: TaskView, serverKind: string | undefined, serverName: string): string {
    const plan = task.workspace
    // A server reached by URL alone shares its folder: no worktree, no setup there.
    if (!plan || serverKind === 'url') return 'opening its session'
    const setup = plan.setup ? `setup: ${oneLine(plan.setup, 40)}` : undefined
    const seen = this.setupLine.get(task.id)
    const output = seen && seen.attempt === task.attempts.length ? seen.line : undefined
    // Setup prints only once the worktree is made (over SSH, only when it ends): until then both may be under way.
    if (setup && output) return `${setup} › ${output}`
    if (serverKind === 'ssh') return `shipping repo to ${serverName}${setup ? ` + ${setup}` : ''}`
    return setup ? `worktree + ${setup}` : 'preparing its worktree'
  }

  /** The task ended or runs: nothing of its preparation is kept. */
  forget(taskId: string): void {
    this.setupLine.delete(taskId)
  }
}
