import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
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

  it('writes a task\'s prompt once, not with every change (a 78 KB prompt stays ~78 KB)', () => {
    const journal = new TaskJournal(path)
    const prompt = 'x'.repeat(78_000)
    const running = { state: 'running' as const, serverId: 'a', sessionId: 'ses_1', attempts: [{ attempt: 1, serverId: 'a', startedAt: 2, outcome: 'running' as const }] }
    journal.append(task('big', { prompt }))
    journal.append(task('big', { prompt, state: 'dispatched' }))
    journal.append(task('big', { prompt, ...running }))
    journal.append(task('big', { prompt, ...running, state: 'completed' }))
    expect(statSync(path).size).toBeLessThan(80_000)
    // Every reader still sees the prompt, also after a restart.
    const reopened = new TaskJournal(path)
    expect(reopened.load()).toEqual([task('big', { prompt, ...running, state: 'completed' })])
    expect(reopened.entries().map((e) => e.task.prompt.length)).toEqual([78_000, 78_000, 78_000, 78_000])
    reopened.append(task('big', { prompt, state: 'failed' })) // the restarted journal knows the prompt is there
    expect(statSync(path).size).toBeLessThan(80_000)
  })

  it('compacts to one line per task (latest snapshot, prompt included), losing nothing', () => {
    const journal = new TaskJournal(path)
    for (let i = 0; i < 5; i++) journal.append(task('t1', { state: i < 4 ? 'running' : 'completed' }))
    journal.append(task('t2'))
    const before = journal.load()
    const compacted = new TaskJournal(path).compact()
    expect(compacted).toEqual(before)
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2)
    const reopened = new TaskJournal(path)
    expect(reopened.load()).toEqual(before)
    reopened.append(task('t2', { state: 'cancelled' })) // appends after a compaction still find their prompt
    expect(new TaskJournal(path).load().map((t) => [t.id, t.state, t.prompt])).toEqual([
      ['t1', 'completed', 'prompt t1'],
      ['t2', 'cancelled', 'prompt t2'],
    ])
  })

  it('compaction drops a torn last line (never acknowledged) and keeps every record before it', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    journal.append(task('t1', { state: 'running' }))
    const size = statSync(path).size
    journal.append(task('t1', { state: 'completed' }))
    truncateSync(path, size + 20) // the crash tore the completion
    const restarted = new TaskJournal(path)
    expect(restarted.compact().map((t) => [t.id, t.state])).toEqual([['t1', 'running']])
    expect(restarted.warning).toBeUndefined()
    expect(readFileSync(path, 'utf8')).toMatch(/^\{[^\n]*\}\n$/) // one whole line, nothing torn
    expect(readdirSync(dirname()).filter((f) => f.includes('unreadable'))).toEqual([])
  })

  it('compaction keeps a copy of a file with unreadable lines in the middle, and says so', () => {
    const journal = new TaskJournal(path)
    journal.append(task('t1'))
    appendFileSync(path, 'garbage that is not a record\n')
    journal.append(task('t2'))
    const bytes = readFileSync(path, 'utf8')
    const restarted = new TaskJournal(path)
    expect(restarted.compact().map((t) => t.id)).toEqual(['t1', 't2'])
    const [copy] = readdirSync(dirname()).filter((f) => f.startsWith('tasks.jsonl.unreadable-'))
    expect(copy).toBeDefined()
    expect(readFileSync(join(dirname(), copy!), 'utf8')).toBe(bytes)
    expect(restarted.warning).toMatch(/1 unreadable line left out; the original file is kept at .*unreadable-/)
  })

  it('creates tasks.jsonl 0600 in a 0700 folder, and tightens an older 0644 file in a 0755 folder', () => {
    new TaskJournal(path).append(task('t1'))
    expect(statSync(dirname()).mode & 0o777).toBe(0o700)
    expect(statSync(path).mode & 0o777).toBe(0o600)

    const old = join(dir, 'old')
    mkdirSync(old, { mode: 0o755 })
    chmodSync(old, 0o755)
    const oldPath = join(old, 'tasks.jsonl')
    writeFileSync(oldPath, JSON.stringify({ at: 1, task: task('t1') }) + '\n', { mode: 0o644 })
    chmodSync(oldPath, 0o644)
    const journal = new TaskJournal(oldPath)
    expect(statSync(old).mode & 0o777).toBe(0o700)
    expect(statSync(oldPath).mode & 0o777).toBe(0o600)
    journal.append(task('t1', { state: 'running' }))
    journal.compact() // rewritten through a temp file: still 0600
    expect(statSync(oldPath).mode & 0o777).toBe(0o600)
  })
})

function dirname(): string {
  return join(dir, 'state')
}
