import { describe, expect, it } from 'vitest'
import type { TaskResult, TaskView } from '../../core/contract/tasks'
import { formatKB, refusedLandText, resultActions, resultBadge, resultFacts, shortSha, truncationText, verifyText } from '../../renderer/src/results/resultFacts'
import { resultKeyFor } from '../../renderer/src/results/resultKeys'
import { loadOwnWorktree, repositoryLabel, saveOwnWorktree, workspaceFor } from '../../renderer/src/prompt/worktree'
import { taskResult, taskView, worktreePlan } from '../support/taskViews'

const BASE = 'a'.repeat(40)
const HEAD = 'b'.repeat(40)

function task(result: Partial<TaskResult> | undefined, extra: Partial<TaskView> = {}): TaskView {
  return taskView('t1', { state: 'completed', workspace: worktreePlan('/r', BASE), result: result && taskResult(result), ...extra })
}

const worktree = (more: Partial<TaskResult> = {}) => task({ isolation: 'worktree', branch: 'flotilla/t1', baseSha: BASE, headSha: HEAD, worktree: '/w/t1', ...more })

describe('what the detail says about a result', () => {
  it('a worktree result: branch, base and head, a diff to ask for, every action', () => {
    expect(resultFacts(worktree())).toEqual({ kind: 'worktree', branch: 'flotilla/t1', base: BASE, head: HEAD, target: 'main', hasDiff: true, notes: [] })
    expect(resultActions(worktree())).toEqual({ land: true, squash: true, discard: true, keep: true, followUp: true })
    expect(shortSha(HEAD)).toBe('bbbbbbb')
  })

  it('no changes: said, nothing to land, no diff', () => {
    const t = worktree({ headSha: undefined, worktree: undefined })
    expect(resultFacts(t).notes).toEqual([{ tone: 'info', text: 'No changes: the task left the repository as it was.' }])
    expect(resultFacts(t).hasDiff).toBe(false)
    expect(resultActions(t)).toMatchObject({ land: 'no changes to land', squash: 'no changes to land', discard: 'nothing left to discard' })
  })

  it('landed: "Landed into main (sha)", landing again is off, discard stays', () => {
    const t = worktree({ land: { status: 'landed', into: 'main', commit: 'c0ffee1234' }, worktree: undefined })
    expect(resultFacts(t).notes).toEqual([{ tone: 'ok', text: 'Landed into main (c0ffee1)' }])
    expect(resultActions(t)).toEqual({ land: 'already landed into main', squash: 'already landed into main', discard: true, keep: 'already landed', followUp: true })
    expect(refusedLandText(t)).toBeNull()
  })

  it('a refused landing recorded on the task: its reason, or its files', () => {
    expect(refusedLandText(worktree({ land: { status: 'conflict', into: 'main', files: ['a.txt'], reason: 'conflicts in a.txt' } }))).toBe('conflicts in a.txt')
    expect(refusedLandText(worktree({ land: { status: 'conflict', into: 'main', files: ['a.txt', 'b.txt'] } }))).toBe('Conflict with main: a.txt, b.txt')
    expect(refusedLandText(worktree({ land: { status: 'skipped' } }))).toBe('Not landed')
    expect(resultActions(worktree({ land: { status: 'conflict', into: 'main' } })).land).toBe(true)
  })

  it('a missing worktree folder keeps its branch (and landing still works); discarded turns everything off', () => {
    const missing = worktree({ worktreeMissing: true, worktree: undefined })
    expect(resultFacts(missing).notes).toEqual([{ tone: 'warn', text: 'Worktree folder missing: flotilla/t1 is kept.' }])
    expect(resultActions(missing).land).toBe(true)
    const discarded = worktree({ discarded: true, worktree: undefined })
    expect(resultFacts(discarded).notes[0].text).toBe('Discarded: the worktree and flotilla/t1 were removed.')
    expect(resultFacts(discarded).hasDiff).toBe(false)
    expect(Object.values(resultActions(discarded))).toEqual(Array(5).fill('the result was discarded'))
  })

  it('a shared folder says why; a task with no result has nothing to say', () => {
    const shared = task({ isolation: 'shared', sharedReason: '/srv is in no git repository' }, { workspace: undefined })
    expect(resultFacts(shared)).toEqual({ kind: 'shared', hasDiff: false, notes: [{ tone: 'info', text: 'Shared folder: /srv is in no git repository' }] })
    expect(resultActions(shared).land).toBe('the task has no branch of its own')
    expect(resultFacts(task(undefined))).toEqual({ kind: 'none', hasDiff: false, notes: [] })
  })

  it('a cut diff says where, in KB', () => {
    expect(truncationText({ truncated: false, patch: 'x', totalBytes: 1 })).toBeNull()
    expect(truncationText({ truncated: true, patch: 'x'.repeat(400_000), totalBytes: 2_500_000 })).toBe('diff truncated at 391 KB of 2441 KB')
    // Bytes, not characters: é is two.
    expect(truncationText({ truncated: true, patch: 'é'.repeat(1024), totalBytes: 4096 })).toBe('diff truncated at 2.0 KB of 4.0 KB')
    expect(formatKB(512)).toBe('0.5 KB')
  })

  it('a verify run in one line', () => {
    expect(verifyText({ command: 'npm test', passed: true, exitCode: 0, durationMs: 1200, output: '' })).toMatch(/^passed \(exit 0, 1\.2\s?s\)$/)
    expect(verifyText({ command: 'npm test', passed: false, exitCode: 1, durationMs: 50, output: '' })).toMatch(/^failed \(exit 1, /)
    expect(verifyText({ command: 'x', passed: false, exitCode: null, durationMs: 60_000, output: '', timedOut: true })).toMatch(/^timed out \(no exit code, /)
  })
})

describe('the tasks table’s word on a result', () => {
  it('says where a result stands', () => {
    expect(resultBadge(worktree())).toEqual({ text: 'branch', tone: 'warn' })
    expect(resultBadge(worktree({ land: { status: 'landed', into: 'main' } }))).toEqual({ text: 'landed in main', tone: 'ok' })
    expect(resultBadge(worktree({ land: { status: 'conflict', into: 'main' } }))).toEqual({ text: 'conflict', tone: 'bad' })
    expect(resultBadge(worktree({ discarded: true }))).toEqual({ text: 'discarded', tone: 'info' })
    expect(resultBadge(worktree({ headSha: undefined }))).toEqual({ text: 'no changes', tone: 'info' })
    expect(resultBadge(task({ isolation: 'shared' }))).toEqual({ text: 'shared folder', tone: 'info' })
    expect(resultBadge(task({}))).toBeNull()
    expect(resultBadge(task(undefined))).toBeNull()
  })
})

describe('the result keys', () => {
  it('L lands, Shift+L squashes (Caps Lock alone does not), D discards, K keeps; chords are not theirs', () => {
    expect(resultKeyFor({ key: 'l' })).toBe('land')
    expect(resultKeyFor({ key: 'L', shiftKey: true })).toBe('squash')
    expect(resultKeyFor({ key: 'L' })).toBe('land')
    expect(resultKeyFor({ key: 'd' })).toBe('discard')
    expect(resultKeyFor({ key: 'k' })).toBe('keep')
    expect(resultKeyFor({ key: 'l', ctrlKey: true })).toBeNull()
    expect(resultKeyFor({ key: 'l', altKey: true })).toBeNull()
    expect(resultKeyFor({ key: 'D', shiftKey: true })).toBeNull()
    expect(resultKeyFor({ key: 'Enter' })).toBeNull()
  })
})

describe('the prompt bar’s own-worktree switch', () => {
  const host = { projectDir: '/home/u/proj/web', repository: { root: '/home/u/proj', branch: 'main', dirty: false } }

  it('asks for a worktree of the project folder (not the repository top) when on and in a repository', () => {
    expect(workspaceFor(host, true)).toEqual({ repo: '/home/u/proj/web' })
    expect(workspaceFor(host, false)).toBeUndefined()
    expect(workspaceFor({ projectDir: '/tmp/x' }, true)).toBeUndefined()
    expect(workspaceFor(null, true)).toBeUndefined()
  })

  it('names the repository and its branch', () => {
    expect(repositoryLabel(host)).toBe('proj (main)')
    expect(repositoryLabel({ projectDir: '/p', repository: { root: '/p/', dirty: true } })).toBe('p (detached HEAD)')
    expect(repositoryLabel({ projectDir: '/p' })).toBeNull()
  })

  it('is on unless turned off, remembered; a storage that throws changes nothing else', () => {
    const saved = new Map<string, string>()
    const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) }
    expect(loadOwnWorktree(storage)).toBe(true)
    saveOwnWorktree(false, storage)
    expect(loadOwnWorktree(storage)).toBe(false)
    saveOwnWorktree(true, storage)
    expect(loadOwnWorktree(storage)).toBe(true)
    const broken = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('quota')
      },
    }
    expect(loadOwnWorktree(broken)).toBe(true)
    expect(() => saveOwnWorktree(false, broken)).not.toThrow()
  })
})
