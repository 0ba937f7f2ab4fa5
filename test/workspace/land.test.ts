import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gitEnvironment, LocalGit, type GitCallOptions, type GitResult, type GitRunner } from '../../core/workspace/git'
import { landResult, mergeCheck, pairwiseConflicts } from '../../core/workspace/land'

// Real git in a temporary folder per test. The machine's own config and any identity in the
// environment are shut out: commits must take the identity from the test repository's config.
const baseEnv: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
for (const name of Object.keys(baseEnv)) if (/^GIT_(AUTHOR|COMMITTER)_/.test(name)) delete baseEnv[name]
const git = new LocalGit(undefined, baseEnv)

const SHARED = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n'
const withLine = (n: number, text: string): string => SHARED.replace(`line ${n}\n`, `${text}\n`)

let root: string
let repo: string
let init: string
let indexCount = 0

function g(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, { cwd, env: gitEnvironment(baseEnv, options.env), input: options.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).replace(/\n$/, '')
}

/** A commit on `parent` changing `files` (null deletes), made with a private index: no checkout is touched. */
function commitOn(parent: string, files: Record<string, string | null>, message = 'task commit'): string {
  const env = { GIT_INDEX_FILE: join(root, `index-${++indexCount}`) }
  g(repo, ['read-tree', parent], { env })
  for (const [path, content] of Object.entries(files)) {
    if (content === null) g(repo, ['update-index', '--force-remove', path], { env })
    else g(repo, ['update-index', '--add', '--cacheinfo', `100644,${g(repo, ['hash-object', '-w', '--stdin'], { input: content })},${path}`], { env })
  }
  return g(repo, ['commit-tree', g(repo, ['write-tree'], { env }), '-p', parent, '-m', message])
}

const rev = (name: string, cwd = repo): string => g(cwd, ['rev-parse', name])
const parents = (commit: string): string[] => g(repo, ['rev-list', '--parents', '-n', '1', commit]).split(' ').slice(1)
const show = (commit: string, path: string): string => g(repo, ['show', `${commit}:${path}`]) + '\n'
const read = (path: string, cwd = repo): string => readFileSync(join(cwd, path), 'utf8')
const status = (cwd = repo): string => g(cwd, ['status', '--porcelain', '--untracked-files=all'])
/** Everything landing must leave alone when it changes nothing. */
const snapshot = (cwd = repo) => ({ refs: g(repo, ['for-each-ref']), head: g(cwd, ['symbolic-ref', 'HEAD']), index: g(cwd, ['ls-files', '-s']), status: status(cwd) })

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'flotilla-land-'))
  repo = join(root, 'repo')
  g(root, ['init', '-q', '-b', 'main', repo])
  g(repo, ['config', 'user.name', 'Repo Owner'])
  g(repo, ['config', 'user.email', 'owner@example.com'])
  writeFileSync(join(repo, 'a.txt'), 'a\n')
  writeFileSync(join(repo, 'b.txt'), 'b\n')
  writeFileSync(join(repo, 'shared.txt'), SHARED)
  g(repo, ['add', '.'])
  g(repo, ['commit', '-q', '-m', 'initial'])
  init = rev('HEAD')
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

/** Leaves `main` checked out nowhere: the main worktree moves to a branch of its own. */
const uncheckMain = (): void => void g(repo, ['switch', '-q', '-c', 'work'])

describe('landResult, target checked out nowhere', () => {
  it('lands two results on different files as merge commits, moves the branch and leaves the worktree alone', async () => {
    uncheckMain()
    const r1 = commitOn(init, { 'a.txt': 'a from task 1\n' })
    const r2 = commitOn(init, { 'b.txt': 'b from task 2\n' })

    const first = await landResult(git, { repo, into: 'main', head: r1, base: init, message: 'Land task 1' })
    expect(first).toEqual({ status: 'landed', commit: rev('main'), files: ['a.txt'] })
    const c1 = rev('main')
    expect(parents(c1)).toEqual([init, r1])

    const second = await landResult(git, { repo, into: 'main', head: r2, base: init, message: 'Land task 2' })
    expect(second).toEqual({ status: 'landed', commit: rev('main'), files: ['b.txt'] })
    const c2 = rev('main')
    expect(parents(c2)).toEqual([c1, r2])
    expect(show(c2, 'a.txt')).toBe('a from task 1\n')
    expect(show(c2, 'b.txt')).toBe('b from task 2\n')
    expect(g(repo, ['log', '-1', '--format=%s|%an <%ae>|%cn', c2])).toBe('Land task 2|Repo Owner <owner@example.com>|Repo Owner')

    // The main worktree (on `work`) saw none of it.
    expect(g(repo, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/work')
    expect(rev('work')).toBe(init)
    expect(read('a.txt')).toBe('a\n')
    expect(status()).toBe('')

    // Landing the same result again writes nothing.
    expect(await landResult(git, { repo, into: 'main', head: r1, base: init, message: 'again' })).toEqual({ status: 'landed', commit: c2, files: [] })
    expect(rev('main')).toBe(c2)
  })

  it('reports a conflict on the same line and changes nothing', async () => {
    uncheckMain()
    const r1 = commitOn(init, { 'shared.txt': withLine(3, 'task 1 was here') })
    const r2 = commitOn(init, { 'shared.txt': withLine(3, 'task 2 was here'), 'b.txt': 'b2\n' })
    expect((await landResult(git, { repo, into: 'main', head: r1, base: init, message: 'one' })).status).toBe('landed')
    const c1 = rev('main')
    const before = snapshot()
    const objectsBefore = g(repo, ['rev-list', '--all', '--count'])

    const outcome = await landResult(git, { repo, into: 'main', head: r2, base: init, message: 'two' })
    expect(outcome).toMatchObject({ status: 'conflict', files: ['shared.txt'] })
    expect(outcome.status === 'conflict' && outcome.reason).toContain('shared.txt')
    expect(rev('main')).toBe(c1)
    expect(snapshot()).toEqual(before)
    expect(g(repo, ['rev-list', '--all', '--count'])).toBe(objectsBefore)
  })

  it('squashes into one commit with the target as its only parent', async () => {
    uncheckMain()
    const step1 = commitOn(init, { 'a.txt': 'a squashed\n' })
    const step2 = commitOn(step1, { 'b.txt': 'b squashed\n' })
    const outcome = await landResult(git, { repo, into: 'main', head: step2, base: init, squash: true, message: 'Squashed task' })
    const tip = rev('main')
    expect(outcome).toEqual({ status: 'landed', commit: tip, files: ['a.txt', 'b.txt'] })
    expect(parents(tip)).toEqual([init])
    expect(g(repo, ['rev-list', '--count', `${init}..main`])).toBe('1')
    expect(show(tip, 'a.txt')).toBe('a squashed\n')
    expect(show(tip, 'b.txt')).toBe('b squashed\n')
    expect(g(repo, ['log', '-1', '--format=%B', tip])).toBe('Squashed task\n')
  })

  it('refuses when the branch moves between the check and update-ref, and keeps the newer value', async () => {
    uncheckMain()
    const r1 = commitOn(init, { 'a.txt': 'a from task\n' })
    const newer = commitOn(init, { 'b.txt': 'someone else landed first\n' })
    const racing = movingBefore('update-ref', () => g(repo, ['update-ref', 'refs/heads/main', newer, init]))

    const outcome = await landResult(racing, { repo, into: 'main', head: r1, base: init, message: 'late' })
    expect(outcome.status).toBe('refused')
    expect(outcome.status === 'refused' && outcome.reason).toMatch(new RegExp(`expected "main" still at ${init}, got ${newer}`))
    expect(racing.moves).toBe(1)
    expect(rev('main')).toBe(newer)
  })
})

/** A runner that runs `move` just before the first git call named `command` (a race, on cue). */
function movingBefore(command: string, move: () => void): GitRunner & { moves: number } {
  return {
    moves: 0,
    run(args: readonly string[], options?: GitCallOptions): Promise<GitResult> {
      if (args[0] === command && this.moves === 0) {
        this.moves++
        move()
      }
      return git.run(args, options)
    },
  }
}

describe('landResult, target checked out', () => {
  it.each([
    ['the main worktree', false],
    ['a linked worktree', true],
  ])('updates the branch, the files and the index of %s when it is clean', async (_name, linked) => {
    let wt = repo
    if (linked) {
      uncheckMain()
      wt = join(root, 'linked')
      g(repo, ['worktree', 'add', '-q', wt, 'main'])
    }
    const r1 = commitOn(init, { 'a.txt': 'a from task\n', 'new/file.txt': 'new\n' })
    const outcome = await landResult(git, { repo, into: 'main', head: r1, base: init, message: 'land' })
    const tip = rev('main')
    expect(outcome).toEqual({ status: 'landed', commit: tip, files: ['a.txt', 'new/file.txt'] })
    expect(parents(tip)).toEqual([init, r1])
    expect(read('a.txt', wt)).toBe('a from task\n')
    expect(read('new/file.txt', wt)).toBe('new\n')
    expect(g(wt, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main')
    expect(rev('HEAD', wt)).toBe(tip)
    expect(status(wt)).toBe('')
    expect(g(wt, ['diff', '--cached', '--name-only'])).toBe('')
    if (linked) expect(read('a.txt')).toBe('a\n') // the main worktree, on `work`, is not touched
  })

  it.each([
    ['modified', 'a.txt', (): void => writeFileSync(join(repo, 'a.txt'), 'my own edit\n')],
    ['staged', 'a.txt', (): void => (writeFileSync(join(repo, 'a.txt'), 'my own edit\n'), void g(repo, ['add', 'a.txt']))],
    ['untracked in the way', 'new.txt', (): void => writeFileSync(join(repo, 'new.txt'), 'my own edit\n')],
  ])('refuses, changing nothing, when a file the landing writes is %s', async (_kind, path, dirty) => {
    const r1 = commitOn(init, { 'a.txt': 'a from task\n', 'new.txt': 'new from task\n' })
    dirty()
    const before = snapshot()

    const outcome = await landResult(git, { repo, into: 'main', head: r1, base: init, message: 'land' })
    expect(outcome).toMatchObject({ status: 'refused', files: [path] })
    expect(outcome.status === 'refused' && outcome.reason).toContain(path)
    expect(rev('main')).toBe(init)
    expect(read(path)).toBe('my own edit\n')
    expect(snapshot()).toEqual(before)
  })

  it('lands and keeps uncommitted changes in other files as they were', async () => {
    const r1 = commitOn(init, { 'a.txt': 'a from task\n' })
    writeFileSync(join(repo, 'b.txt'), 'b edited, not staged\n')
    writeFileSync(join(repo, 'shared.txt'), withLine(5, 'staged edit'))
    g(repo, ['add', 'shared.txt'])
    writeFileSync(join(repo, 'notes.txt'), 'untracked\n')

    const outcome = await landResult(git, { repo, into: 'main', head: r1, base: init, message: 'land' })
    const tip = rev('main')
    expect(outcome).toEqual({ status: 'landed', commit: tip, files: ['a.txt'] })
    expect(rev('HEAD')).toBe(tip)
    expect(read('a.txt')).toBe('a from task\n')
    expect(read('b.txt')).toBe('b edited, not staged\n')
    expect(read('notes.txt')).toBe('untracked\n')
    expect(status().split('\n')).toEqual([' M b.txt', 'M  shared.txt', '?? notes.txt'])
    expect(g(repo, ['show', ':shared.txt']) + '\n').toBe(withLine(5, 'staged edit'))
  })

  it('refuses when the branch moves before update-ref, puts the files back, and keeps the newer value', async () => {
    const r1 = commitOn(init, { 'a.txt': 'a from task\n' })
    const newer = commitOn(init, { 'b.txt': 'b from elsewhere\n' })
    const racing = movingBefore('update-ref', () => g(repo, ['update-ref', 'refs/heads/main', newer, init]))

    const outcome = await landResult(racing, { repo, into: 'main', head: r1, base: init, message: 'late' })
    expect(outcome.status).toBe('refused')
    expect(outcome.status === 'refused' && outcome.reason).toContain('put back')
    expect(rev('main')).toBe(newer)
    expect(read('a.txt')).toBe('a\n')
    expect(g(repo, ['show', ':a.txt'])).toBe('a')
  })
})

describe('landing a result whose base is a snapshot of uncommitted work', () => {
  it('brings the task commit but not the snapshot, as one commit on the target', async () => {
    // The user's worktree holds dirty.txt, uncommitted; the task started from a snapshot of it.
    writeFileSync(join(repo, 'dirty.txt'), 'work in progress\n')
    const snap = commitOn(init, { 'dirty.txt': 'work in progress\n' }, 'snapshot')
    const head = commitOn(snap, { 'task.txt': 'done\n' })

    const outcome = await landResult(git, { repo, into: 'main', head, base: snap, message: 'land over snapshot' })
    const tip = rev('main')
    expect(outcome).toEqual({ status: 'landed', commit: tip, files: ['task.txt'] })
    expect(parents(tip)).toEqual([init])
    expect(g(repo, ['ls-tree', '--name-only', tip]).split('\n')).toEqual(['a.txt', 'b.txt', 'shared.txt', 'task.txt'])
    expect(() => g(repo, ['merge-base', '--is-ancestor', snap, tip])).toThrow() // the snapshot is not in main's history
    expect(read('task.txt')).toBe('done\n')
    expect(read('dirty.txt')).toBe('work in progress\n')
    expect(status()).toBe('?? dirty.txt')
  })

  it('stays one commit on the target when the target moved on since the snapshot', async () => {
    uncheckMain()
    const snap = commitOn(init, { 'dirty.txt': 'wip\n', 'shared.txt': withLine(2, 'snapshot edit') }, 'snapshot')
    const head = commitOn(snap, { 'shared.txt': withLine(2, 'snapshot edit').replace('line 8\n', 'task edit\n') })
    const moved = commitOn(init, { 'b.txt': 'b moved on\n' })
    g(repo, ['update-ref', 'refs/heads/main', moved, init])

    const outcome = await landResult(git, { repo, into: 'main', head, base: snap, message: 'land' })
    const tip = rev('main')
    expect(outcome).toEqual({ status: 'landed', commit: tip, files: ['shared.txt'] })
    expect(parents(tip)).toEqual([moved])
    expect(show(tip, 'shared.txt')).toBe(withLine(8, 'task edit')) // the task's line, not the snapshot's
    expect(show(tip, 'b.txt')).toBe('b moved on\n')
    expect(() => g(repo, ['cat-file', '-e', `${tip}:dirty.txt`])).toThrow()
  })
})

describe('mergeCheck', () => {
  it('says clean (with the tree) or conflicting (with the files), and changes nothing', async () => {
    const ours = commitOn(init, { 'shared.txt': withLine(3, 'target edit') })
    g(repo, ['update-ref', 'refs/heads/main', ours])
    g(repo, ['reset', '-q', '--hard'])
    writeFileSync(join(repo, 'b.txt'), 'uncommitted\n')
    const clean = commitOn(init, { 'shared.txt': withLine(9, 'far away edit') })
    const conflicting = commitOn(init, { 'shared.txt': withLine(3, 'task edit') })
    const before = snapshot()
    const onDisk = read('shared.txt')

    const ok = await mergeCheck(git, { repo, into: 'main', head: clean, base: init })
    expect(ok).toEqual({ clean: true, files: [], tree: expect.stringMatching(/^[0-9a-f]{40}$/) })
    expect(g(repo, ['cat-file', 'blob', `${ok.tree}:shared.txt`]) + '\n').toBe(withLine(3, 'target edit').replace('line 9\n', 'far away edit\n'))

    expect(await mergeCheck(git, { repo, into: 'main', head: conflicting, base: init })).toEqual({ clean: false, files: ['shared.txt'] })

    const snap = commitOn(rev('main'), { 'dirty.txt': 'wip\n' })
    const onSnap = await mergeCheck(git, { repo, into: 'main', head: commitOn(snap, { 'task.txt': 't\n' }), base: snap })
    expect(onSnap.clean).toBe(true)
    expect(g(repo, ['ls-tree', '--name-only', onSnap.tree!]).split('\n')).toEqual(['a.txt', 'b.txt', 'shared.txt', 'task.txt'])

    expect(snapshot()).toEqual(before)
    expect(read('shared.txt')).toBe(onDisk)
    expect(read('b.txt')).toBe('uncommitted\n')
  })

  it('throws usage errors for a missing branch, a detached target and an unknown head', async () => {
    const r1 = commitOn(init, { 'a.txt': 'x\n' })
    await expect(mergeCheck(git, { repo, into: 'nope', head: r1, base: init })).rejects.toThrow(`expected a branch "nope" in ${repo}, got none`)
    await expect(landResult(git, { repo, into: 'HEAD', head: r1, base: init, message: 'm' })).rejects.toThrow(/expected a branch name .* got "HEAD"/)
    await expect(landResult(git, { repo, into: 'main', head: 'f'.repeat(40), base: init, message: 'm' })).rejects.toThrow(/expected a commit "f{40}" \(head\)/)
    await expect(landResult(git, { repo, into: 'main', head: init, base: r1, message: 'm' })).rejects.toThrow(/expected base .* to be an ancestor of head/)
    expect(rev('main')).toBe(init)
  })
})

describe('pairwiseConflicts', () => {
  it('flags the pair on the same lines, not pairs on other files or other lines of the same file', async () => {
    const results = [
      { id: 't1', head: commitOn(init, { 'shared.txt': withLine(3, 'one') }), base: init },
      { id: 't2', head: commitOn(init, { 'shared.txt': withLine(3, 'two') }), base: init },
      { id: 't3', head: commitOn(init, { 'b.txt': 'three\n' }), base: init },
      { id: 't4', head: commitOn(init, { 'shared.txt': withLine(9, 'four') }), base: init },
    ]
    const before = snapshot()
    expect(await pairwiseConflicts(git, repo, 'main', results)).toEqual([{ a: 't1', b: 't2', files: ['shared.txt'] }])
    expect(snapshot()).toEqual(before)
  })
})
