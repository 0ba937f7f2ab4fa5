import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rankResults, type RankFacts } from '../../core/workspace/ranking'
import { closeWithWorktrees, startHarness, type Harness } from '../support/harness'
import { makeRepo, type TestRepo } from './gitRepo'

// Results of one prompt ranked side by side: changed something, verify passed, merges cleanly,
// smaller diff, faster, cheaper; each with the reason for its place.
const fact = (taskId: string, over: Partial<RankFacts> = {}): RankFacts => ({ taskId, state: 'completed', tokens: 10, cost: 0.01, durationMs: 2_000, diffLines: 10, files: 1, verify: 'none', merges: true, ...over })

describe('ranking results', () => {
  it('orders by each key only where the ones before it tie, and says what decided each place', () => {
    const ranked = rankResults([
      fact('empty', { diffLines: 0, files: 0, verify: 'passed' }),
      fact('failedVerify', { verify: 'failed', diffLines: 2 }),
      fact('conflicts', { verify: 'passed', merges: false, diffLines: 1 }),
      fact('big', { verify: 'passed', diffLines: 50 }),
      fact('small', { verify: 'passed', diffLines: 5 }),
      fact('smallSlow', { verify: 'passed', diffLines: 5, durationMs: 9_000 }),
      fact('smallDear', { verify: 'passed', diffLines: 5, cost: 0.5 }),
      fact('crashed', { state: 'failed', diffLines: 0, files: 0 }),
    ])
    expect(ranked.map((e) => e.taskId)).toEqual(['small', 'smallDear', 'smallSlow', 'big', 'conflicts', 'failedVerify', 'empty', 'crashed'])
    expect(ranked.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(ranked.map((e) => e.reason)).toEqual([
      'best (#2: dearer ($0.5000 vs $0.0100))',
      'below #1: dearer ($0.5000 vs $0.0100)',
      // smallDear is faster than smallSlow (2 s vs 9 s): speed decides before cost.
      'below #2: slower (9.0 s vs 2.0 s)',
      'below #3: larger diff (50 lines vs 5)',
      'below #4: conflicts with its target, #4 merges cleanly',
      "below #5: verify failed, #5's passed",
      'below #6: changed nothing',
      // A task that did not complete is below one that completed with no change.
      'below #7: failed',
    ])
  })

  it('keeps submit order for ties, and a single result is just that', () => {
    expect(rankResults([fact('a'), fact('b')]).map((e) => [e.taskId, e.reason])).toEqual([
      ['a', 'best, tied with #2 (submitted first)'],
      ['b', 'tied with #1 (submitted later)'],
    ])
    expect(rankResults([fact('only')])[0]).toMatchObject({ rank: 1, reason: 'the only result' })
    // No verify ranks between passed and failed; an unknown merge between clean and conflicting.
    expect(rankResults([fact('f', { verify: 'failed' }), fact('n'), fact('p', { verify: 'passed' })]).map((e) => e.taskId)).toEqual(['p', 'n', 'f'])
    expect(rankResults([fact('c', { merges: false }), fact('u', { merges: undefined }), fact('m')]).map((e) => e.taskId)).toEqual(['m', 'u', 'c'])
  })
})

let h: Harness
let worktrees: string
let r: TestRepo
beforeAll(async () => {
  worktrees = mkdtempSync(join(tmpdir(), 'flotilla-compare-'))
  r = makeRepo('flotilla-compare-repo-', { 'a.txt': 'one\n' })
  h = await startHarness(2, { worktreesDir: worktrees, projectDir: r.root })
}, 90_000)
afterAll(() => closeWithWorktrees(h, r, worktrees))

describe('tasks.compare', () => {
  it('ranks real results of one prompt by their verify, merge and diff, through the API', async () => {
    const write = (content: string) => `@tool write ${JSON.stringify({ filePath: 'a.txt', content })}\n@reply wrote`
    // The project's own check: a.txt must say "good".
    const verify = 'grep -q good a.txt'
    const tasks = await h.submit([
      { prompt: write('bad\n'), workspace: { repo: r.root, verify } },
      { prompt: '@reply nothing to do', workspace: { repo: r.root, verify } },
      { prompt: write('good\nand more\n'), workspace: { repo: r.root, verify } },
    ])
    const done = await h.waitTasks(tasks.map((t) => t.id), 90_000)
    for (const t of done) expect(t.state).toBe('completed')
    const { rule, entries } = await h.client['tasks.compare']({ ids: tasks.map((t) => t.id) })
    expect(rule).toMatch(/verify passed, merges cleanly, smaller diff/)
    expect(entries.map((e) => e.taskId)).toEqual([tasks[2]!.id, tasks[0]!.id, tasks[1]!.id])
    expect(entries[0]).toMatchObject({ rank: 1, verify: 'passed', merges: true, diffLines: 3, files: 1 })
    expect(entries[1]).toMatchObject({ rank: 2, verify: 'failed', reason: "below #1: verify failed, #1's passed" })
    expect(entries[2]).toMatchObject({ rank: 3, diffLines: 0, files: 0, reason: 'below #2: changed nothing' })
    await expect(h.client['tasks.compare']({ ids: ['nope'] })).rejects.toThrow(/nope/)
  }, 120_000)
})
