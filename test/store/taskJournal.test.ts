import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { TaskJournal } from '../../core/store/taskJournal'

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-journal-'))
  path = join(dir, 'state', 'tasks.jsonl') // a folder that does not exist yet
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function task(id: string, over: Partial<TaskView> = {}): TaskView {
  return { id, prompt: `prompt ${id}`, state: 'queued', target: { kind: 'any' }, priority: 0, maxAttempts: 3, attempts: [], createdAt: 1_000, ...over }
}

describe('TaskJournal', () => {
  it('is empty before anything is written', () => {
    const journal = new TaskJournal(path)
    expect(journal.entries()).toEqual([])
    expect(journal.load()).toEqual([])
  })

  it('keeps the last snapshot of each task, in first-seen order; entries() keeps every line', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    journal.append(task('t2'))
    journal.append(task('t1', { state: 'dispatched', serverId: 'a', attempts: [{ attempt: 1, serverId: 'a', startedAt: 2_000, outcome: 'running' }] }))
    journal.append(task('t1', { state: 'completed', serverId: 'a', attempts: [{ attempt: 1, serverId: 'a', startedAt: 2_000, endedAt: 3_000, outcome: 'completed' }] }))

    // A new instance (an app restart) reads the same file.
    const reopened = new TaskJournal(path)
    expect(reopened.load().map((t) => [t.id, t.state])).toEqual([
      ['t1', 'completed'],
      ['t2', 'queued'],
    ])
    expect(reopened.load()[0]!.attempts[0]!.outcome).toBe('completed')
    const entries = reopened.entries()
    expect(entries.map((e) => `${e.task.id}:${e.task.state}`)).toEqual(['t1:queued', 't2:queued', 't1:dispatched', 't1:completed'])
    expect(entries.every((e) => typeof e.at === 'number' && e.at > 0)).toBe(true)
  })

  it('writes each change as one line before returning (nothing buffered)', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(2) // one line + the final newline
    journal.append(task('t1', { state: 'cancelled' }))
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2)
  })

  it('skips a torn last line (a crash mid-write) and keeps everything before it', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    journal.append(task('t2', { state: 'running' }))
    const whole = JSON.stringify({ at: 5, task: task('t2', { state: 'completed' }) })
    appendFileSync(path, whole.slice(0, whole.length / 2)) // torn: no closing brace, no newline
    const loaded = new TaskJournal(path).load()
    expect(loaded.map((t) => [t.id, t.state])).toEqual([
      ['t1', 'queued'],
      ['t2', 'running'],
    ])
  })

  it('skips foreign or invalid lines anywhere in the file', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    appendFileSync(path, 'not json\n{"at":"yesterday","task":{}}\n{"task":' + JSON.stringify(task('t9')) + '}\n\n')
    journal.append(task('t2'))
    expect(journal.load().map((t) => t.id)).toEqual(['t1', 't2'])
  })

  // Design §10: "a crash loses nothing that was acknowledged". After a torn write, the next run
  // appends to the same file; that first acknowledged append must not be glued to the torn bytes.
  it('does not lose the first append after a torn last line', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    appendFileSync(path, '{"at":5,"task":{"id":"t') // the crash
    const afterRestart = new TaskJournal(path)
    afterRestart.append(task('t2', { state: 'queued' })) // acknowledged to the user
    expect(new TaskJournal(path).load().map((t) => t.id)).toEqual(['t1', 't2'])
  })
})
