import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalGit } from '../../core/workspace/git'
import { MAX_SPARES_PER_REPO, LocalWorktrees, SPARE_PREFIX, taskBranch } from '../../core/workspace/worktrees'
import { findWorktrees, leftoverReason } from '../../core/workspace/worktreeOwners'
import { sweepLeftovers } from '../../core/workspace/worktreeSweep'
import { makeRepo, type TestRepo } from './gitRepo'

// A removed task's worktree is kept, cleaned, as a spare for the next task of its repository:
// the next one starts from it with only the differing files written. These pin that a spare
// carries nothing of the task before (changed, untracked, ignored files, its branch), that spares
// are bounded, and that none outlives its process.
const cleanup: Array<() => void> = []
afterAll(() => {
  while (cleanup.length) cleanup.pop()!()
})

function setup(): { repo: TestRepo; root: string; worktrees: LocalWorktrees } {
  const repo = makeRepo('flotilla-spare-repo-', { 'a.txt': 'a\n', 'keep/b.txt': 'b\n', '.gitignore': 'build/\n' })
  const root = mkdtempSync(join(tmpdir(), 'flotilla-spare-root-'))
  cleanup.push(() => {
    for (const line of repo.git('worktree', 'list', '--porcelain').split('\n')) if (line.startsWith('worktree ') && line.slice(9) !== repo.root) repo.git('worktree', 'remove', '--force', '--force', line.slice(9))
    repo.remove()
    rmSync(root, { recursive: true, force: true })
  })
  return { repo, root, worktrees: new LocalWorktrees(new LocalGit(), root) }
}
const registered = (repo: TestRepo) => repo.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ') && l !== `worktree ${repo.root}`).map((l) => l.slice(9))

describe('spare worktrees', () => {
  it('the next task starts from a spare with nothing of the task before: its changes, untracked and ignored files and branch are gone', async () => {
    const { repo, worktrees } = setup()
    const base = repo.git('rev-parse', 'HEAD')
    const first = await worktrees.add(repo.root, 'tFirst', base)
    // What an agent leaves: a changed tracked file, a deleted one, an untracked file, an ignored folder, a nested repository.
    writeFileSync(join(first.path, 'a.txt'), 'changed by the first task\n')
    rmSync(join(first.path, 'keep', 'b.txt'))
    writeFileSync(join(first.path, 'untracked.txt'), 'x\n')
    mkdirSync(join(first.path, 'build'))
    writeFileSync(join(first.path, 'build', 'out.js'), 'ignored\n')
    mkdirSync(join(first.path, 'nested'))
    new LocalGit().run(['init', '-q'], { cwd: join(first.path, 'nested') })
    await worktrees.remove(repo.root, first.path, { recycle: true })
    expect(existsSync(first.path)).toBe(false)
    expect(worktrees.spareCount(repo.root)).toBe(1)
    // The spare is detached: the first task's branch is free (a landing or a discard may delete it).
    repo.git('branch', '-D', taskBranch('tFirst'))

    // A later base: only what differs is written, and the new branch is checked out there.
    repo.write('a.txt', 'a, second commit\n')
    const next = repo.commitAll('second')
    const second = await worktrees.add(repo.root, 'tSecond', next)
    expect(worktrees.spareCount(repo.root)).toBe(0)
    expect(second.path).toBe(join(dirname(first.path), 'tSecond'))
    expect(readFileSync(join(second.path, 'a.txt'), 'utf8')).toBe('a, second commit\n')
    expect(readFileSync(join(second.path, 'keep', 'b.txt'), 'utf8')).toBe('b\n')
    for (const gone of ['untracked.txt', 'build', 'nested']) expect(existsSync(join(second.path, gone)), gone).toBe(false)
    const git = (...args: string[]) => new LocalGit().run(args, { cwd: second.path }).then((r) => r.stdout.trim())
    expect(await git('symbolic-ref', '--short', 'HEAD')).toBe(taskBranch('tSecond'))
    expect(await git('rev-parse', 'HEAD')).toBe(next)
    expect(await git('status', '--porcelain', '--ignored')).toBe('')
    expect(registered(repo)).toEqual([second.path])
  })

  it('a follow-up on an existing branch also starts from a spare, on that branch as it is', async () => {
    const { repo, worktrees } = setup()
    const base = repo.git('rev-parse', 'HEAD')
    const first = await worktrees.add(repo.root, 'tOne', base)
    writeFileSync(join(first.path, 'a.txt'), 'result\n')
    await new LocalGit().run(['commit', '-qam', 'result'], { cwd: first.path })
    const head = await new LocalGit().run(['rev-parse', 'HEAD'], { cwd: first.path }).then((r) => r.stdout.trim())
    await worktrees.remove(repo.root, first.path, { recycle: true })
    const path = await worktrees.addOnBranch(repo.root, 'tOne', taskBranch('tOne'))
    expect(path).toBe(first.path)
    expect(worktrees.spareCount(repo.root)).toBe(0)
    expect(readFileSync(join(path, 'a.txt'), 'utf8')).toBe('result\n')
    expect((await new LocalGit().run(['symbolic-ref', '--short', 'HEAD'], { cwd: path })).stdout.trim()).toBe(taskBranch('tOne'))
    expect((await new LocalGit().run(['rev-parse', 'HEAD'], { cwd: path })).stdout.trim()).toBe(head)
  })

  it('keeps at most MAX_SPARES_PER_REPO; the rest are removed, and removeSpares leaves none registered or on disk', async () => {
    const { repo, root, worktrees } = setup()
    const base = repo.git('rev-parse', 'HEAD')
    const made = []
    for (let i = 0; i <= MAX_SPARES_PER_REPO; i++) made.push(await worktrees.add(repo.root, `tMany${i}`, base))
    for (const w of made) await worktrees.remove(repo.root, w.path, { recycle: true })
    expect(worktrees.spareCount(repo.root)).toBe(MAX_SPARES_PER_REPO)
    expect(registered(repo)).toHaveLength(MAX_SPARES_PER_REPO)
    expect(registered(repo).every((p) => basename(p).startsWith(SPARE_PREFIX))).toBe(true)
    // Without recycle (the end of a run) a worktree is removed outright.
    const plain = await worktrees.add(repo.root, 'tPlain', base)
    expect(worktrees.spareCount(repo.root)).toBe(MAX_SPARES_PER_REPO - 1)
    await worktrees.remove(repo.root, plain.path)
    expect(worktrees.spareCount(repo.root)).toBe(MAX_SPARES_PER_REPO - 1)
    expect(await worktrees.removeSpares()).toEqual([])
    expect(worktrees.spareCount(repo.root)).toBe(0)
    expect(registered(repo)).toEqual([])
    expect(readdirSync(root)).toEqual([])
  })

  it("a live process's spare is nobody's leftover; a dead process's is swept", async () => {
    const { repo, root, worktrees } = setup()
    const w = await worktrees.add(repo.root, 'tSweep', repo.git('rev-parse', 'HEAD'))
    await worktrees.remove(repo.root, w.path, { recycle: true })
    const [spare] = findWorktrees(root)
    expect(spare?.owner?.state).toBe('spare')
    expect(leftoverReason(spare!, null, new Set())).toBeUndefined()
    expect(await sweepLeftovers(worktrees, root, { journal: null, isLive: () => false })).toEqual([])
    // The same note from a process that is gone (pid 2^22 - 1 is above Linux's pid_max default).
    writeFileSync(`${spare!.path}.owner.json`, JSON.stringify({ pid: 4_194_303, state: 'spare', journal: null }))
    const swept = await sweepLeftovers(worktrees, root, { journal: null, isLive: () => false })
    expect(swept.map((s) => [s.path, s.reason])).toEqual([[spare!.path, 'a spare worktree whose process 4194303 is gone']])
    expect(existsSync(spare!.path)).toBe(false)
    expect(registered(repo)).toEqual([])
  })
})
