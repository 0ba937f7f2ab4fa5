import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { changedFiles, parseNameStatus, parseNumstat } from '../../core/workspace/changedFiles'
import { LocalGit } from '../../core/workspace/git'
import { inspectRepo, resolveCommit } from '../../core/workspace/repo'
import { commitMessage, commitResult } from '../../core/workspace/resultCommit'
import { snapshotDirtyState } from '../../core/workspace/snapshot'
import { Workspaces } from '../../core/workspace/workspaces'
import { makeRepo, signCommits, type TestRepo } from './gitRepo'
import { landResult } from '../../core/workspace/land'

const git = new LocalGit()
const cleanup: Array<() => void> = []
afterEach(() => {
  while (cleanup.length) cleanup.pop()!()
})
function repo(files?: Record<string, string>): TestRepo {
  const r = makeRepo('flotilla-ws-', files)
  cleanup.push(r.remove)
  return r
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-ws-plain-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('changed files from git', () => {
  it('lists added, modified, deleted, renamed and binary files with line counts', async () => {
    const r = repo({ 'keep.txt': 'a\nb\nc\n', 'gone.txt': 'x\n', 'old-name.txt': 'same content for the rename\n'.repeat(5) })
    const base = r.git('rev-parse', 'HEAD')
    r.write('keep.txt', 'a\nB\nc\nd\n')
    rmSync(join(r.root, 'gone.txt'))
    r.git('mv', 'old-name.txt', 'new name.txt')
    r.write('new.txt', 'one\ntwo\n')
    writeFileSync(join(r.root, 'blob.bin'), Buffer.from([0, 1, 2, 0, 255]))
    const head = r.commitAll('change')
    const files = await changedFiles(git, r.root, base, head)
    const byFile = Object.fromEntries(files.map((f) => [f.file, f]))
    expect(byFile['keep.txt']).toMatchObject({ status: 'modified', additions: 2, deletions: 1 })
    expect(byFile['gone.txt']).toMatchObject({ status: 'deleted', additions: 0, deletions: 1 })
    expect(byFile['new name.txt']).toMatchObject({ status: 'renamed', from: 'old-name.txt', additions: 0, deletions: 0 })
    expect(byFile['new.txt']).toMatchObject({ status: 'added', additions: 2 })
    expect(byFile['blob.bin']).toMatchObject({ status: 'added', binary: true, additions: 0 })
    expect(files).toHaveLength(5)
  })

  it('parses the -z formats, and refuses a status it does not know', () => {
    expect(parseNameStatus('M\0a b.txt\0R090\0x\0y\0')).toEqual([
      { file: 'a b.txt', status: 'modified', additions: 0, deletions: 0 },
      { file: 'y', from: 'x', status: 'renamed', additions: 0, deletions: 0 },
    ])
    expect(parseNumstat('3\t1\ta b.txt\0' + '0\t0\t\0x\0y\0' + '-\t-\tz.bin\0')).toEqual([
      { file: 'a b.txt', additions: 3, deletions: 1, binary: false },
      { file: 'y', additions: 0, deletions: 0, binary: false },
      { file: 'z.bin', additions: 0, deletions: 0, binary: true },
    ])
    expect(() => parseNameStatus('X\0a\0')).toThrow(/expected a git status letter/)
  })
})

describe('result commits', () => {
  it('commits tracked and untracked changes (not ignored ones) with the identity given and the trailers, without hooks', async () => {
    const r = repo({ '.gitignore': 'ignored.log\n', 'a.txt': 'a\n' })
    const base = r.git('rev-parse', 'HEAD')
    // A hook that would fail any commit: plumbing does not run it.
    mkdirSync(join(r.root, '.git', 'hooks'), { recursive: true })
    writeFileSync(join(r.root, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
    r.write('a.txt', 'changed\n')
    r.write('new.txt', 'new\n')
    r.write('ignored.log', 'noise\n')
    const head = await commitResult(git, {
      worktree: r.root,
      parent: base,
      subject: 'add a flag\u001b[2J with\ttabs',
      trailers: { 'Flotilla-Task': 't1', 'Flotilla-Server': 'box' },
      identity: async () => ({ name: 'Remote Proof', email: 'proof@local.invalid' }),
    })
    expect(head).toMatch(/^[0-9a-f]{40}$/)
    expect(r.git('rev-parse', 'HEAD')).toBe(head)
    expect(r.git('log', '-1', '--format=%an <%ae>|%cn|%P')).toBe(`Remote Proof <proof@local.invalid>|Remote Proof|${base}`)
    expect(r.git('log', '-1', '--format=%B').trim()).toBe('add a flag [2J with tabs\n\nFlotilla-Task: t1\nFlotilla-Server: box')
    expect(r.git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(['a.txt', 'new.txt'])
  })

  it('makes no commit when nothing changed (and never asks for the identity)', async () => {
    const r = repo()
    const base = r.git('rev-parse', 'HEAD')
    let asked = false
    const head = await commitResult(git, { worktree: r.root, parent: base, subject: 's', trailers: {}, identity: async () => ((asked = true), { name: 'x', email: 'y' }) })
    expect(head).toBeUndefined()
    expect(asked).toBe(false)
    expect(r.git('rev-parse', 'HEAD')).toBe(base)
  })

  it('signs result and landing commits where the repository config signs commits (commit-tree would not by itself)', async () => {
    const r = repo({ 'a.txt': 'a\n' })
    signCommits(r)
    const base = r.git('rev-parse', 'HEAD')
    r.git('checkout', '-q', '-b', 'work')
    r.write('b.txt', 'b\n')
    const head = await commitResult(git, { worktree: r.root, parent: base, subject: 'signed', trailers: {}, identity: async () => ({ name: 'Ann Local', email: 'ann@local.invalid' }) })
    expect(r.git('cat-file', 'commit', head!)).toContain('gpgsig -----BEGIN SSH SIGNATURE-----')
    expect(() => r.git('verify-commit', head!)).not.toThrow()
    const landed = await landResult(git, { repo: r.root, into: 'main', head: head!, base, message: 'Merge work' })
    expect(landed.status).toBe('landed')
    expect(() => r.git('verify-commit', r.git('rev-parse', 'main'))).not.toThrow()
  })

  it('keeps a subject to 72 characters', () => {
    const message = commitMessage('x'.repeat(200), { A: 'b' })
    expect(message.split('\n')[0]!.length).toBe(72)
    expect(message.endsWith('\n\nA: b\n')).toBe(true)
  })
})

describe('the dirty snapshot', () => {
  it('holds tracked and untracked changes, not ignored files, and leaves the user tree and index as they were', async () => {
    const r = repo({ '.gitignore': '*.log\n', 'a.txt': 'a\n', 'b.txt': 'b\n' })
    const head = r.git('rev-parse', 'HEAD')
    r.write('a.txt', 'a changed\n')
    r.git('add', 'a.txt') // staged
    r.write('b.txt', 'b changed\n') // not staged
    r.write('untracked.txt', 'u\n')
    r.write('build.log', 'ignored\n')
    const statusBefore = r.git('status', '--porcelain')
    const indexBefore = readFileSync(join(r.root, '.git', 'index'))
    const snap = await snapshotDirtyState(git, r.root, head)
    expect(r.git('log', '-1', '--format=%P', snap)).toBe(head)
    expect(r.git('show', `${snap}:a.txt`)).toBe('a changed')
    expect(r.git('show', `${snap}:b.txt`)).toBe('b changed')
    expect(r.git('show', `${snap}:untracked.txt`)).toBe('u')
    expect(() => r.git('show', `${snap}:build.log`)).toThrow()
    expect(r.git('status', '--porcelain')).toBe(statusBefore)
    expect(readFileSync(join(r.root, '.git', 'index')).equals(indexBefore)).toBe(true)
    expect(r.git('rev-parse', 'HEAD')).toBe(head)
  })
})

describe('repository facts and plans', () => {
  it('knows a folder in no repository, a detached HEAD, dirtiness and submodules', async () => {
    expect(await inspectRepo(git, tempDir())).toBeUndefined()
    const r = repo()
    expect(await inspectRepo(git, r.root)).toMatchObject({ root: r.root, branch: 'main', dirty: false, submodules: [], lfs: false })
    r.write('new.txt', 'x')
    expect((await inspectRepo(git, r.root))!.dirty).toBe(true)
    r.git('checkout', '-q', '--detach')
    expect((await inspectRepo(git, r.root))!.branch).toBeUndefined()
    // A gitlink entry is a submodule, whatever .gitmodules says.
    r.git('update-index', '--add', '--cacheinfo', `160000,${r.git('rev-parse', 'HEAD')},vendor/lib`)
    r.git('commit', '-q', '-m', 'submodule')
    expect((await inspectRepo(git, r.root))!.submodules).toEqual(['vendor/lib'])
  })

  it('resolves refs, and refuses one that names nothing or looks like an option', async () => {
    const r = repo()
    expect(await resolveCommit(git, r.root, 'main')).toBe(r.git('rev-parse', 'HEAD'))
    await expect(resolveCommit(git, r.root, 'no-such-branch')).rejects.toThrow(/names no commit/)
    await expect(resolveCommit(git, r.root, '--output=/tmp/x')).rejects.toThrow(/expected a git ref/)
  })

  it('plans from HEAD with the branch checked out, keeps a subfolder, and snapshots the dirty state only when asked', async () => {
    const r = repo({ 'pkg/index.ts': 'export {}\n' })
    const head = r.git('rev-parse', 'HEAD')
    const ws = new Workspaces({ root: tempDir(), git })
    const plain = await ws.plan({ repo: join(r.root, 'pkg'), includeDirty: false })
    expect(plain).toMatchObject({ kind: 'plan', plan: { repo: r.root, subdir: 'pkg', baseRef: 'HEAD', baseCommit: head, baseSha: head, dirtySnapshot: false, targetBranch: 'main' } })
    r.write('pkg/index.ts', 'export const dirty = 1\n')
    const dirty = await ws.plan({ repo: r.root, includeDirty: true })
    if (dirty.kind !== 'plan') throw new Error('expected a plan')
    expect(dirty.plan.dirtySnapshot).toBe(true)
    expect(dirty.plan.baseSha).not.toBe(head)
    expect(r.git('show', `${dirty.plan.baseSha}:pkg/index.ts`)).toBe('export const dirty = 1')
    const second = r.commitAll('second')
    await expect(ws.plan({ repo: r.root, base: 'HEAD~1', includeDirty: false })).resolves.toMatchObject({ plan: { baseCommit: head } })
    r.write('pkg/index.ts', 'dirty again\n')
    await expect(ws.plan({ repo: r.root, base: 'HEAD~1', includeDirty: true })).rejects.toThrow(/--include-dirty with the checked-out commit/)
    expect(second).not.toBe(head)
  })

  it('says why a folder is shared, and refuses what a worktree cannot carry', async () => {
    const ws = new Workspaces({ root: tempDir(), git })
    const plain = tempDir()
    await expect(ws.plan({ repo: plain, includeDirty: false })).resolves.toEqual({ kind: 'shared', reason: `${plain} is not in a git repository` })
    await expect(ws.plan({ repo: join(plain, 'nope'), includeDirty: false })).rejects.toThrow(/expected an existing folder/)
    const empty = tempDir()
    await git.run(['init', '-q'], { cwd: empty })
    await expect(ws.plan({ repo: empty, includeDirty: false })).rejects.toThrow(/at least one commit/)
    const r = repo()
    r.git('update-index', '--add', '--cacheinfo', `160000,${r.git('rev-parse', 'HEAD')},vendor/lib`)
    r.git('commit', '-q', '-m', 'submodule')
    await expect(ws.plan({ repo: r.root, includeDirty: false })).rejects.toThrow(/without submodules.*vendor\/lib/)
    const lfs = repo({ '.gitattributes': '*.psd filter=lfs diff=lfs merge=lfs -text\n' })
    await expect(ws.plan({ repo: lfs.root, includeDirty: false })).rejects.toThrow(/Git LFS/)
  })
})

describe('worktrees', () => {
  it('makes one per task outside the repository, replaces an earlier attempt, and removes it with its empty branch', async () => {
    const r = repo()
    const root = tempDir()
    const ws = new Workspaces({ root, git })
    const outcome = await ws.plan({ repo: r.root, includeDirty: false })
    if (outcome.kind !== 'plan') throw new Error('expected a plan')
    const task = { id: 'tA', workspace: outcome.plan } as const
    const first = await ws.prepare(task as never, 'local-1')
    expect(first.root.startsWith(root)).toBe(true)
    expect(existsSync(join(first.root, 'README.md'))).toBe(true)
    writeFileSync(join(first.root, 'scratch.txt'), 'from attempt 1')
    const second = await ws.prepare(task as never, 'local-1')
    expect(second.root).toBe(first.root)
    expect(existsSync(join(second.root, 'scratch.txt'))).toBe(false)
    expect(r.git('worktree', 'list', '--porcelain')).toContain(second.root)
    await ws.discardWorktree('tA')
    expect(existsSync(second.root)).toBe(false)
    expect(r.git('worktree', 'list', '--porcelain')).not.toContain(second.root)
    expect(r.git('branch', '--list', 'flotilla/*')).toBe('')
    expect(ws.liveCount).toBe(0)
  })

  it('keeps a branch that holds a result when its worktree goes', async () => {
    const r = repo()
    const ws = new Workspaces({ root: tempDir(), git })
    const outcome = await ws.plan({ repo: r.root, includeDirty: false })
    if (outcome.kind !== 'plan') throw new Error('expected a plan')
    const prepared = await ws.prepare({ id: 'tB', workspace: outcome.plan } as never, 'local-1')
    writeFileSync(join(prepared.directory, 'result.txt'), 'the work\n')
    const collected = await ws.collect(prepared, { subject: 'do the work', serverName: 'local-1', capacity: 1 })
    expect(collected).toMatchObject({ branch: 'flotilla/tB', baseSha: outcome.plan.baseSha, files: [{ file: 'result.txt', status: 'added', additions: 1, deletions: 0 }] })
    await ws.discardAll()
    expect(r.git('show', 'flotilla/tB:result.txt')).toBe('the work')
    expect(r.git('rev-parse', 'flotilla/tB')).toBe(collected.headSha)
    expect(existsSync(prepared.root)).toBe(false)
    // The user's checkout never saw it.
    expect(existsSync(join(r.root, 'result.txt'))).toBe(false)
    expect(r.git('status', '--porcelain')).toBe('')
  })
})
