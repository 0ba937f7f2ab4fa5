import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { TaskView } from '../contract/tasks'
import type { TaskSink } from '../scheduler/types'

/**
 * Append-only task journal: one JSON line per task change, written synchronously before the
 * change is announced, so anything acknowledged survives a crash. Replaying keeps the last
 * snapshot of each task.
 */
export class TaskJournal implements TaskSink {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    // A crash mid-write leaves a torn last line; end it, or the next append would be glued to
    // it and lost with it when replayed.
    if (existsSync(path) && statSync(path).size > 0 && lastByte(path) !== 0x0a) appendFileSync(path, '\n')
  }

  append(task: TaskView): void {
    appendFileSync(this.path, JSON.stringify({ at: Date.now(), task }) + '\n')
  }

  /** Every line, in order (for audits and tests: shows each attempt as it happened). */
  entries(): Array<{ at: number; task: TaskView }> {
    if (!existsSync(this.path)) return []
    const out: Array<{ at: number; task: TaskView }> = []
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue
      try {
        const raw = JSON.parse(line) as { at?: unknown; task?: unknown }
        const task = TaskView.safeParse(raw.task)
        // A torn last line (crash mid-write) or a foreign line is skipped, not fatal.
        if (task.success && typeof raw.at === 'number') out.push({ at: raw.at, task: task.data })
      } catch {
        continue
      }
    }
    return out
  }

  /** The latest snapshot of every task, in first-seen order. */
  load(): TaskView[] {
    const latest = new Map<string, TaskView>()
    for (const { task } of this.entries()) latest.set(task.id, task)
    return [...latest.values()]
  }
}

function lastByte(path: string): number {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(1)
    readSync(fd, buffer, 0, 1, statSync(path).size - 1)
    return buffer[0]!
  } finally {
    closeSync(fd)
  }
}
