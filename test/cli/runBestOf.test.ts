import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRuns, writeTool } from './repoRuns'

// `flotilla run --best-of N`: one prompt, N attempts in their own worktrees, ranked; --land takes
// the best one that passed its verify. Real opencode servers with the scripted model, real git.
const { cli, repo } = repoRuns('flotilla-bestof-')
const write = writeTool

describe('flotilla run --best-of', () => {
  it('makes the attempts, prints their ranking, lands the best that passed and keeps the other on its branch', async () => {
    const r = repo()
    const prompt = `${write('a.txt', 'good\n')}\n@reply done`
    const text = cli(['run', '--demo', '--local', '2', '--best-of', '2', '--verify', 'grep -q good a.txt', prompt], r.root)
    expect(await text.exited).toBe(0)
    expect(text.stdout()).toContain('Ranking (changed something, verify passed, merges cleanly, smaller diff, faster, cheaper):')
    expect(text.stdout()).toMatch(/ {2}#1 t\w+ {2}local-\d · 1 file, 2 lines · verify passed · merges cleanly · /)
    expect(text.stdout()).toMatch(/ {2}#2 t\w+ .* — (below #1|tied with #1)/)

    const run = cli(['run', '--demo', '--local', '2', '--best-of', '2', '--verify', 'grep -q good a.txt', '--land', '--json', prompt], r.root)
    expect(await run.exited).toBe(0)
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1)!) as { rule: string; tasks: Array<{ id: string; rank: number; reason: string; land?: { status: string; reason?: string } }> }
    expect(summary.rule).toMatch(/^changed something, verify passed/)
    const [best, other] = [...summary.tasks].sort((a, b) => a.rank - b.rank)
    expect(best!.rank).toBe(1)
    expect(best!.land?.status).toBe('landed')
    expect(other!.rank).toBe(2)
    expect(other!.reason).toMatch(/below #1|tied with #1/)
    expect(other!.land).toEqual({ status: 'skipped', reason: `not the best attempt (${best!.id} is)` })
    expect(r.git('show', 'main:a.txt')).toBe('good')
    expect(r.git('branch', '--list', `flotilla/${other!.id}`)).toContain(other!.id)
  }, 180_000)

  it('refuses what cannot be compared, before any server starts (exit 2)', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'flotilla-bestof-plain-'))
    try {
      const cases: Array<[string[], RegExp]> = [
        [['--best-of', '2', 'one', 'two'], /--best-of: expected one prompt .*got 2/],
        [['--best-of', '1', 'one'], /--best-of: expected 2-100, got 1/],
        [['--best-of', '2', '--no-isolate', 'one'], /--best-of: expected each attempt in its own worktree/],
        [['--model', 'a/x', '--model', 'b/y', 'one'], /--model: expected once \(or several times with --best-of\), got 2 times/],
        [['--max-cost', '0', 'one'], /--max-cost: expected an amount of US dollars above 0/],
        [['--max-cost', '2,50', 'one'], /--max-cost: expected an amount/],
        [['--best-of', '2', 'one'], /--best-of: expected --dir in a git repository/],
      ]
      for (const [args, message] of cases) {
        const run = cli(['run', '--demo', ...args], plain)
        expect(await run.exited, args.join(' ')).toBe(2)
        expect(run.stderr(), args.join(' ')).toMatch(message)
      }
    } finally {
      rmSync(plain, { recursive: true, force: true })
    }
  }, 60_000)
})
