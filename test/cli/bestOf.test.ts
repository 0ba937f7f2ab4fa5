import { describe, expect, it } from 'vitest'
import type { CompareEntry } from '../../core/contract/tasks'
import { attemptToLand, bestOfTasks, rankingLines } from '../../core/host/cli/bestOf'

const entry = (taskId: string, rank: number, over: Partial<CompareEntry> = {}): CompareEntry => ({
  taskId, rank, reason: `reason ${rank}`, state: 'completed', serverId: 'local-1', tokens: 3, cost: 0.001, durationMs: 2_500, diffLines: 4, files: 1, verify: 'passed', merges: true, ...over,
})

describe('--best-of', () => {
  it('makes N attempts of one prompt, the models taken in turn', () => {
    const template = { prompt: 'fix it', workspace: { repo: '/r' } }
    expect(bestOfTasks(template, 3, []).map((t) => t.model)).toEqual([undefined, undefined, undefined])
    expect(bestOfTasks(template, 4, ['a/x', 'b/y']).map((t) => t.model)).toEqual(['a/x', 'b/y', 'a/x', 'b/y'])
    expect(bestOfTasks(template, 2, ['a/x']).every((t) => t.prompt === 'fix it' && t.workspace?.repo === '/r')).toBe(true)
    expect(() => bestOfTasks(template, 1, [])).toThrow(/at least 2 attempts, got 1/)
  })

  it('lands the best attempt that changed something and did not fail its verify', () => {
    expect(attemptToLand([entry('b', 2), entry('a', 1)])?.taskId).toBe('a')
    expect(attemptToLand([entry('a', 1, { verify: 'failed' }), entry('b', 2, { verify: 'none' })])?.taskId).toBe('b')
    expect(attemptToLand([entry('a', 1, { diffLines: 0, files: 0 }), entry('b', 2, { state: 'failed' })])).toBeUndefined()
  })

  it('prints the rule and one line per attempt, best first, with no control characters from the reason', () => {
    const lines = rankingLines('the rule', [entry('b', 2, { verify: 'failed', merges: false, model: 'p/m', reason: 'below #1: \u001b[31mred' }), entry('a', 1, { verify: 'none', merges: undefined })], (id) => `name-of-${id}`)
    expect(lines[0]).toBe('Ranking (the rule):')
    expect(lines[1]).toBe('  #1 a  name-of-local-1 · 1 file, 4 lines · 2.5 s · $0.0010  — reason 1')
    expect(lines[2]).toMatch(/^ {2}#2 b {2}name-of-local-1 · p\/m · 1 file, 4 lines · verify failed · conflicts · 2\.5 s · \$0\.0010 {2}— below #1: /)
    expect(lines[2]).not.toContain('\u001b')
  })
})
