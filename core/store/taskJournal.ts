import { closeSync, copyFileSync, existsSync, fdatasyncSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { TaskView } from '../contract/tasks'
import type { TaskSink } from '../scheduler/types'
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE, writeFileAtomic } from './privateFiles'

/** One journal line. The prompt (up to 100 KB) is written with a task's first line only. */
const JournalLine = z.object({ at: z.number(), task: TaskView.extend({ prompt: z.string().optional() }) })
type JournalLine = z.infer<typeof JournalLine>

export interface JournalEntry {
  at: number
  task: TaskView
}

/**
 * Append-only task journal: one JSON line per task change, flushed to disk before the change
 * is announced, so anything acknowledged survives a crash (even of the machine). Replaying
 * keeps the last snapshot of each task; `compact()` (at start) rewrites the file as one line
 * per task.
 */
export class TaskJournal implements TaskSink {
  /** Tasks whose prompt is already in the file: their later lines leave it out. */
  private readonly prompted = new Set<string>()
  /** Set when the file held lines that could not be read (kept in a copy beside it). */
  warning: string | undefined
  /** The file ends in the middle of a line: a write torn by a crash. */
  private torn: boolean

  constructor(readonly path: string) {
    ensurePrivateDir(dirname(path))
    ensurePrivateFile(path)
    this.torn = endsMidLine(path)
    for (const line of this.lines().records) if (line.task.prompt !== undefined) this.prompted.add(line.task.id)
  }

  append(task: TaskView): void {
    const record: JournalLine = { at: Date.now(), task: this.prompted.has(task.id) ? { ...task, prompt: undefined } : task }
    // A crash mid-write leaves a torn last line; starting with a newline if the file does not end
    // in one keeps this record whole instead of glued to the torn bytes (and lost with them).
    const text = (this.torn ? '\n' : '') + JSON.stringify(record) + '\n'
    const fd = openSync(this.path, 'a', PRIVATE_FILE)
    try {
      writeSync(fd, text)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.torn = false
    this.prompted.add(task.id)
  }

  /** Every readable line, in order, each with its task's prompt (for audits and tests). */
  entries(): JournalEntry[] {
    return withPrompts(this.lines().records)
  }

  /** The latest snapshot of every task, in first-seen order. */
  load(): TaskView[] {
    const latest = new Map<string, TaskView>()
    for (const { task } of this.entries()) latest.set(task.id, task)
    return [...latest.values()]
  }

  /**
   * Rewrites the file as one line per task (its latest snapshot, prompt included), atomically:
   * a crash leaves the old file or the new one. Lines that could not be read, other than a
   * torn last line (a write that was never acknowledged), are kept in a copy first.
   */
  compact(): TaskView[] {
    const { records, unreadable } = this.lines()
    const latest = new Map<string, JournalEntry>()
    for (const entry of withPrompts(records)) latest.set(entry.task.id, entry)
    if (!existsSync(this.path)) return []
    if (unreadable > 0) {
      const copy = `${this.path}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`
      copyFileSync(this.path, copy)
      ensurePrivateFile(copy)
      this.warning = `task journal ${this.path}: ${unreadable} unreadable line${unreadable === 1 ? '' : 's'} left out; the original file is kept at ${copy}`
    }
    if (unreadable === 0 && latest.size === records.length && !this.torn) return [...latest.values()].map((e) => e.task)
    writeFileAtomic(this.path, [...latest.values()].map((e) => JSON.stringify(e) + '\n').join(''))
    this.torn = false
    this.prompted.clear()
    for (const id of latest.keys()) this.prompted.add(id)
    return [...latest.values()].map((e) => e.task)
  }

  private lines(): { records: JournalLine[]; unreadable: number } {
    if (!existsSync(this.path)) return { records: [], unreadable: 0 }
    const text = readFileSync(this.path, 'utf8')
    const lines = text.split('\n')
    const records: JournalLine[] = []
    let unreadable = 0
    lines.forEach((line, index) => {
      if (!line.trim()) return
      const record = parseLine(line)
      if (record) records.push(record)
      // The last piece has no newline after it: a write the crash cut short, never acknowledged.
      else if (index < lines.length - 1) unreadable++
    })
    return { records, unreadable }
  }
}

/** Fills each line's prompt in from its task's first line. */
function withPrompts(records: readonly JournalLine[]): JournalEntry[] {
  const prompts = new Map<string, string>()
  const out: JournalEntry[] = []
  for (const { at, task } of records) {
    if (task.prompt !== undefined) prompts.set(task.id, task.prompt)
    const prompt = prompts.get(task.id)
    // A task whose first line is missing (never written whole) cannot be shown or run again.
    if (prompt !== undefined) out.push({ at, task: { ...task, prompt } })
  }
  return out
}

function endsMidLine(path: string): boolean {
  if (!existsSync(path)) return false
  const size = statSync(path).size
  if (size === 0) return false
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(1)
    readSync(fd, buffer, 0, 1, size - 1)
    return buffer[0] !== 0x0a
  } finally {
    closeSync(fd)
  }
}

function parseLine(line: string): JournalLine | undefined {
  try {
    const parsed = JournalLine.safeParse(JSON.parse(line))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
