import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliRun } from '../support/cli'
import { makeRepo, type TestRepo } from '../workspace/gitRepo'

// `flotilla run` in a git repository: each task in a worktree, results as branches.
let home: string
const running: CliRun[] = []
const repos: TestRepo[] = []

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'flotilla-cli-home-'))
})
afterEach(() => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
})
afterAll(() => {
  for (const r of repos) {
    // Worktrees a failed run left, by their own paths.
    for (const line of r.git('worktree', 'list', '--porcelain').split('\n')) {
      const path = line.startsWith('worktree ') ? line.slice(9) : undefined
      if (path && path !== r.root) r.git('worktree', 'remove', '--force', '--force', path)
    }
    r.remove()
  }
  rmSync(home, { recursive: true, force: true })
})

function cli(args: string[], cwd: string): CliRun {
  const run = runCli(args, { cwd, env: { FLOTILLA_HOME: home } })
  running.push(run)
  return run
}
function repo(): TestRepo {
  const r = makeRepo('flotilla-cli-repo-', { 'a.txt': 'a\n' })
  repos.push(r)
  return r
}
const write = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}`

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
    expect(existsSync(join(home, 'state', 'worktrees')) ? readdirSync(join(home, 'state', 'worktrees')) : []).toEqual([])
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
    expect(kept[0]!.startsWith(`worktree ${join(home, 'state', 'worktrees')}`)).toBe(true)
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
    for (const args of [['--no-isolate', '--base', 'main'], ['--no-isolate', '--keep-worktrees'], ['--base=-x']]) {
      const run = cli(['run', '--demo', ...args, '@reply x'], r.root)
      expect(await run.exited).toBe(2)
      expect(run.stderr()).toMatch(/--(base|keep-worktrees)/)
      expect(run.stderr()).not.toContain('starting')
    }
  }, 60_000)
})
