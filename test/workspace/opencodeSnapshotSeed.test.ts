import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalGit } from '../../core/workspace/git'
import { removeOpencodeSnapshots, seedOpencodeSnapshot } from '../../core/workspace/opencodeSnapshots'
import { makeRepo } from './gitRepo'

// The snapshot repository Flotilla makes for opencode before a worktree's first prompt must be
// one git (and so opencode) can use as it is: the worktree's files all known to its index, the
// repository's objects reachable, opencode's settings in its config; and it goes with the worktree.
const cleanup: Array<() => void> = []
afterAll(() => {
  while (cleanup.length) cleanup.pop()!()
})

describe('seeding opencode snapshot repositories', () => {
  it('makes a repository whose index already matches the worktree, with the objects as alternates, removed with the worktree', async () => {
    const repo = makeRepo('flotilla-seed-repo-', { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' })
    const snapshots = mkdtempSync(join(tmpdir(), 'flotilla-seed-snapshots-'))
    const worktree = join(mkdtempSync(join(tmpdir(), 'flotilla-seed-wt-')), 'task one')
    cleanup.push(() => {
      execFileSync('git', ['worktree', 'remove', '--force', '--force', worktree], { cwd: repo.root, stdio: 'ignore' })
      repo.remove()
      rmSync(snapshots, { recursive: true, force: true })
      rmSync(dirname(worktree), { recursive: true, force: true })
    })
    repo.git('worktree', 'add', '-q', '--detach', worktree, 'HEAD')
    const gitdir = await seedOpencodeSnapshot(new LocalGit(), worktree, snapshots)
    expect(gitdir).toBeDefined()
    // opencode's layout: <root>/<root commit>/<sha1 of the folder>.
    expect(gitdir!.startsWith(join(snapshots, repo.git('rev-list', '--max-parents=0', 'HEAD')))).toBe(true)
    const snap = (...args: string[]) => execFileSync('git', ['--git-dir', gitdir!, '--work-tree', worktree, ...args], { cwd: worktree, encoding: 'utf8' }).trim()
    expect(snap('config', 'core.worktree')).toBe(worktree)
    for (const [key, value] of [['core.autocrlf', 'false'], ['core.longpaths', 'true'], ['core.symlinks', 'true'], ['core.fsmonitor', 'false']]) expect(snap('config', key!)).toBe(value)
    expect(readFileSync(join(gitdir!, 'objects', 'info', 'alternates'), 'utf8').trim()).toBe(join(repo.root, '.git', 'objects'))
    // Nothing to add (the snapshot repository has no commits: opencode writes trees): the index
    // matches every file, none is unknown to it, and its tree is the commit's (found through the alternates).
    expect(snap('diff-files', '--name-only')).toBe('')
    expect(snap('ls-files', '--others', '--exclude-standard')).toBe('')
    expect(snap('write-tree')).toBe(repo.git('rev-parse', 'HEAD^{tree}'))
    // Made once: a second seed of the same folder leaves it alone.
    expect(await seedOpencodeSnapshot(new LocalGit(), worktree, snapshots)).toBeUndefined()
    expect(removeOpencodeSnapshots(worktree, [snapshots])).toEqual([gitdir])
    expect(existsSync(gitdir!)).toBe(false)
  })
})
