import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CliRun } from '../support/cli'
import { repoRuns, writeTool } from './repoRuns'

// `flotilla run` in a git repository: each task in a worktree, results as branches.
const { cli, repo, home: homeOf } = repoRuns('flotilla-cli-')
const write = writeTool

type Summary = { tasks: Array<{ id: string; status: string; branch?: string; headSha?: string; land?: { status: string; into?: string; files?: string[]; reason?: string; commit?: string } }> }
const summaryOf = (run: CliRun) => JSON.parse(run.stdout().trim().split('\n').at(-1)!) as Summary

describe('flotilla run --land', () => {
  it('lands two results on different files into the checked-out branch, in submit order (exit 0)', async () => {
    const r = repo()
    const head = r.git('rev-parse', 'HEAD')
    const run = cli(['run', '--demo', '--local', '2', '--json', '--land', `${write('one.txt', '1\n')}\n@reply one`, `${write('two.txt', '2\n')}\n@reply two`], r.root)
    expect(await run.exited).toBe(0)
    const { tasks } = summaryOf(run)
    expect(tasks.map((t) => t.land?.status)).toEqual(['landed', 'landed'])
    expect(tasks.map((t) => t.land?.files)).toEqual([['one.txt'], ['two.txt']])
    // Merge commits in submit order, the checkout following (clean, on main).
    expect(r.git('rev-parse', 'main')).toBe(tasks[1]!.land!.commit)
    expect(r.git('log', '--format=%P', '-1', tasks[0]!.land!.commit!)).toBe(`${head} ${tasks[0]!.headSha}`)
    expect(r.git('log', '--format=%P', '-1', tasks[1]!.land!.commit!)).toBe(`${tasks[0]!.land!.commit} ${tasks[1]!.headSha}`)
    expect(r.git('status', '--porcelain')).toBe('')
    expect(r.git('show', 'HEAD:one.txt') + r.git('show', 'HEAD:two.txt')).toBe('12')
    expect(r.git('symbolic-ref', '--short', 'HEAD')).toBe('main')
  }, 120_000)

  it('two results on the same file: the first lands, the second is a conflict with its file, keeps its branch, exit 1', async () => {
    const r = repo()
    const run = cli(['run', '--demo', '--local', '2', '--json', '--land', `${write('a.txt', 'first\n')}\n@reply 1`, `${write('a.txt', 'second\n')}\n@reply 2`], r.root)
    expect(await run.exited).toBe(1)
    const { tasks } = summaryOf(run)
    expect(tasks.map((t) => t.land?.status)).toEqual(['landed', 'conflict'])
    expect(tasks[1]!.land!.files).toEqual(['a.txt'])
    expect(r.git('show', 'main:a.txt')).toBe('first')
    expect(r.git('rev-parse', tasks[1]!.branch!)).toBe(tasks[1]!.headSha)
    // Said before anything landed.
    const lines = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string; message?: string })
    const warning = lines.findIndex((l) => l.type === 'land' && l.kind === 'warning' && l.message?.includes('conflict with each other in a.txt'))
    expect(warning).toBeGreaterThan(-1)
    expect(warning).toBeLessThan(lines.findIndex((l) => l.type === 'land' && l.kind === 'landed'))
  }, 120_000)

  it('a dirty checkout in a file the landing writes: refused, nothing changes, exit 1; a failed verify is not landed', async () => {
    const r = repo()
    const head = r.git('rev-parse', 'HEAD')
    r.write('a.txt', 'my own work in progress\n')
    const run = cli(['run', '--demo', '--json', '--land', `${write('a.txt', 'theirs\n')}\n@reply 1`], r.root)
    expect(await run.exited).toBe(1)
    const [task] = summaryOf(run).tasks
    expect(task!.land).toMatchObject({ status: 'skipped', into: 'main' })
    expect(task!.land!.reason).toMatch(/uncommitted changes.*a\.txt/)
    expect(r.git('rev-parse', 'main')).toBe(head)
    expect(r.git('status', '--porcelain')).toBe(' M a.txt')
    expect(r.git('diff')).toContain('+my own work in progress')
    const verified = cli(['run', '--demo', '--json', '--land', '--verify', 'exit 4', `${write('b.txt', 'b\n')}\n@reply 1`], r.root)
    expect(await verified.exited).toBe(1)
    expect(summaryOf(verified).tasks[0]!.land).toMatchObject({ status: 'skipped', reason: 'its verify failed (exit 4)' })
    expect(r.git('rev-parse', 'main')).toBe(head)
  }, 120_000)

  it('a detached HEAD has no default target: skipped with the reason; --into names one, and --squash makes one commit', async () => {
    const r = repo()
    const head = r.git('rev-parse', 'HEAD')
    r.git('branch', 'release')
    r.git('checkout', '-q', '--detach')
    const run = cli(['run', '--demo', '--json', '--land', `${write('c.txt', 'c\n')}\n@reply 1`], r.root)
    expect(await run.exited).toBe(1)
    expect(summaryOf(run).tasks[0]!.land!.reason).toMatch(/detached/)
    const into = cli(['run', '--demo', '--json', '--land', '--into', 'release', '--squash', `${write('c.txt', 'c\n')}\n@reply 1`], r.root)
    expect(await into.exited).toBe(0)
    const [task] = summaryOf(into).tasks
    expect(task!.land).toMatchObject({ status: 'landed', into: 'release' })
    expect(r.git('log', '--format=%P', '-1', 'release')).toBe(head)
    expect(r.git('show', 'release:c.txt')).toBe('c')
    expect(r.git('rev-parse', 'HEAD')).toBe(head) // still detached where it was
  }, 120_000)
})

describe('flotilla run in a git repository', () => {
  it('gives each task a branch, prints them, removes the worktrees and leaves the checkout alone', async () => {
    const r = repo()
    const head = r.git('rev-parse', 'HEAD')
    const run = cli(['run', '--demo', '--local', '2', `${write('x.txt', 'one\n')}\n@reply one`, `${write('x.txt', 'two\n')}\n@reply two`], r.root)
    expect(await run.exited).toBe(0)
    const branches = r.git('branch', '--list', 'flotilla/*', '--format=%(refname:short)').split('\n').sort()
    expect(branches).toHaveLength(2)
    expect(branches.map((b) => r.git('show', `${b}:x.txt`)).sort()).toEqual(['one', 'two'])
    for (const b of branches) expect(run.stdout()).toMatch(new RegExp(`${b.replace('/', '\\/')} 1 file \\+1 -0`))
    expect(run.stdout()).toContain('the worktrees were removed')
    expect(r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toEqual([`worktree ${r.root}`])
    expect(existsSync(join(homeOf(), 'state', 'worktrees')) ? readdirSync(join(homeOf(), 'state', 'worktrees')) : []).toEqual([])
    expect(r.git('rev-parse', 'HEAD')).toBe(head)
    expect(r.git('status', '--porcelain')).toBe('')
  }, 120_000)

  it('--json gives each task its branch, base, head and files; --keep-worktrees keeps the worktree', async () => {
    const r = repo()
    const run = cli(['run', '--demo', '--json', '--keep-worktrees', `${write('y.txt', 'y\n')}\n@reply y`], r.root)
    expect(await run.exited).toBe(0)
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1)!) as { tasks: Array<Record<string, unknown>> }
    const task = summary.tasks[0]!
    expect(task).toMatchObject({ isolation: 'worktree', branch: `flotilla/${task.id as string}`, baseSha: r.git('rev-parse', 'HEAD'), files: [{ file: 'y.txt', status: 'added', additions: 1, deletions: 0 }] })
    expect(task.headSha).toBe(r.git('rev-parse', `flotilla/${task.id as string}`))
    const kept = r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ') && l !== `worktree ${r.root}`)
    expect(kept).toHaveLength(1)
    expect(kept[0]!.startsWith(`worktree ${join(homeOf(), 'state', 'worktrees')}`)).toBe(true)
  }, 90_000)

  it('uses the verify saved for the repository in the settings (read only) when no flag says otherwise', async () => {
    const r = repo()
    const config = join(homeOf(), 'config.json')
    writeFileSync(config, JSON.stringify({ version: 1, repositories: { [r.root]: { verify: 'test -f saved.txt && echo saved-verify-ran', copy: [] } } }))
    try {
      const run = cli(['run', '--demo', '--json', `${write('saved.txt', 's\n')}\n@reply s`], r.root)
      expect(await run.exited).toBe(0)
      const task = JSON.parse(run.stdout().trim().split('\n').at(-1)!).tasks[0] as { verify?: { passed: boolean; output: string } }
      expect(task.verify).toMatchObject({ passed: true, output: 'saved-verify-ran' })
      const flagged = cli(['run', '--demo', '--json', '--verify', 'exit 3', `${write('saved.txt', 's\n')}\n@reply s`], r.root)
      expect(await flagged.exited).toBe(0)
      expect((JSON.parse(flagged.stdout().trim().split('\n').at(-1)!).tasks[0] as { verify?: { exitCode: number } }).verify?.exitCode).toBe(3)
    } finally {
      rmSync(config, { force: true })
    }
  }, 90_000)

  it('--no-isolate works in the folder itself, and the summary says so', async () => {
    const r = repo()
    const run = cli(['run', '--demo', '--no-isolate', `${write('z.txt', 'z\n')}\n@reply z`], r.root)
    expect(await run.exited).toBe(0)
    expect(r.git('status', '--porcelain')).toBe('?? z.txt')
    expect(r.git('branch', '--list', 'flotilla/*')).toBe('')
    expect(run.stdout()).toContain("Tasks shared their server's folder (--no-isolate).")
  }, 90_000)

  it('refuses worktree flags with --no-isolate and a base that is an option, before any server starts', async () => {
    const r = repo()
    for (const args of [['--no-isolate', '--base', 'main'], ['--no-isolate', '--keep-worktrees'], ['--base=-x'], ['--into', 'main'], ['--land', '--into', 'a..b'], ['--no-isolate', '--land'], ['--base', 'no-such-ref']]) {
      const run = cli(['run', '--demo', ...args, '@reply x'], r.root)
      expect(await run.exited).toBe(2)
      expect(run.stderr()).toMatch(/--(base|keep-worktrees|into|land)/)
      expect(run.stderr()).not.toContain('starting')
    }
  }, 60_000)
})
