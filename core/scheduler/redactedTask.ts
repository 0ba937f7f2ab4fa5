import type { TaskView } from '../contract/tasks'

/**
 * The task with known secrets redacted from what a model, a tool or a server wrote into it:
 * the result's text and the errors. The prompt and the title are the user's own words.
 */
export function redactedTask(task: TaskView, redact: (text: string) => string): TaskView {
  const out: TaskView = { ...task, attempts: task.attempts.map((a) => (a.error === undefined ? a : { ...a, error: redact(a.error) })) }
  if (task.error !== undefined) out.error = redact(task.error)
  if (task.result) out.result = { ...task.result, text: redact(task.result.text) }
  return out
}
