import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeWithWorktrees, startHarness, type Harness } from '../support/harness'
import { makeRepo, type TestRepo } from './gitRepo'

// Two real opencode servers with the scripted model; each task in a worktree of a real repository.
let h: Harness
let worktrees: string
const repos: TestRepo[] = []

beforeAll(async () => {
  worktrees = mkdtempSync(join(tmpdir(), 'flotilla-worktrees-'))
  h = await startHarness(2, { worktreesDir: worktrees })
}, 90_000)

// Worktrees are removed by their own paths even when a test failed; then the servers stop.
afterAll(() => closeWithWorktrees(h, ...repos, worktrees))

function repo(files?: Record<string, string>): TestRepo {
  const r = makeRepo('flotilla-wt-', files)
  repos.push(r)
  return r
}

/** Every opencode snapshot repository of the demo's servers. */
function snapshotDirs(): string[] {
  const servers = join(h.engine.demo!.root, 'servers')
  return readdirSync(servers).flatMap((id) => {
    const root = join(servers, id, 'data', 'opencode', 'snapshot')
    return existsSync(root) ? readdirSync(root).flatMap((project) => readdirSync(join(root, project)).map((name) => join(root, project, name))) : []
  })
}

const write = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}`

describe('tasks in worktrees', () => {
  it('two tasks writing the same file get two branches with each content; the checkout and HEAD stay as they were; no worktree is left', async () => {
    const r = repo({ 'a.txt': 'a\n' })
    const head = r.git('rev-parse', 'HEAD')
    const tasks = await h.submit([
      { prompt: `Write the greeting\n${write('shared.txt', 'from task one\n')}\n@reply one`, workspace: { repo: r.root } },
      { prompt: `${write('shared.txt', 'from task two\n')}\n@reply two`, workspace: { repo: r.root } },
    ])
    expect(tasks.map((t) => t.workspace?.baseSha)).toEqual([head, head])
    expect(tasks[0]!.workspace).toMatchObject({ repo: r.root, subdir: '', baseRef: 'HEAD', targetBranch: 'main', dirtySnapshot: false })
    const done = await h.waitTasks(tasks.map((t) => t.id), 90_000)
    expect(done.map((t) => t.state)).toEqual(['completed', 'completed'])
    expect(new Set(done.map((t) => t.serverId)).size).toBe(2) // they really ran side by side
    done.forEach((t, i) => {
      expect(t.result).toMatchObject({ isolation: 'worktree', branch: `flotilla/${t.id}`, baseSha: head, files: [{ file: 'shared.txt', status: 'added', additions: 1, deletions: 0 }] })
      expect(r.git('show', `${t.result!.headSha}:shared.txt`)).toBe(`from task ${['one', 'two'][i]}`)
      expect(r.git('rev-parse', `flotilla/${t.id}`)).toBe(t.result!.headSha)
      expect(r.git('log', '-1', '--format=%P|%an <%ae>', t.result!.headSha!)).toBe(`${head}|Ann Local <ann@local.invalid>`)
      expect(existsSync(t.result!.worktree!)).toBe(true)
    })
    expect(r.git('log', '-1', '--format=%s', done[0]!.result!.headSha!)).toBe('Write the greeting')
    expect(r.git('log', '-1', '--format=%(trailers:key=Flotilla-Task,valueonly)', done[1]!.result!.headSha!).trim()).toBe(done[1]!.id)
    // The user's checkout never saw the work.
    expect(r.git('rev-parse', 'HEAD')).toBe(head)
    expect(r.git('symbolic-ref', '--short', 'HEAD')).toBe('main')
    expect(r.git('status', '--porcelain')).toBe('')
    expect(existsSync(join(r.root, 'shared.txt'))).toBe(false)
    // opencode kept a snapshot repository for each worktree it served: they go with the worktrees.
    const snapshotsOf = (path: string) => snapshotDirs().filter((d) => readFileSync(join(d, 'config'), 'utf8').includes(`worktree = ${path}\n`))
    for (const t of done) expect(snapshotsOf(t.result!.worktree!)).toHaveLength(1)
    // Seeded by Flotilla before the first prompt (the repository's objects borrowed, the worktree's index copied).
    for (const t of done) expect(existsSync(join(snapshotsOf(t.result!.worktree!)[0]!, 'objects', 'info', 'alternates'))).toBe(true)
    await h.engine.workspaces.discardAll()
    for (const t of done) expect(snapshotsOf(t.result!.worktree!)).toEqual([])
    expect(r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toEqual([`worktree ${r.root}`])
    expect(readdirSync(worktrees)).toEqual([])
    // The branches are the lasting result.
    for (const t of done) expect(r.git('rev-parse', `flotilla/${t.id}`)).toBe(t.result!.headSha)
  }, 120_000)

  it('--include-dirty carries tracked and untracked uncommitted changes; the user tree is untouched', async () => {
    const r = repo({ 'a.txt': 'committed\n' })
    const head = r.git('rev-parse', 'HEAD')
    r.write('a.txt', 'uncommitted\n')
    r.write('notes.txt', 'untracked\n')
    const status = r.git('status', '--porcelain')
    const bash = `@tool bash ${JSON.stringify({ command: 'cat a.txt notes.txt > seen.txt', description: 'read the dirty state' })}`
    const [task] = await h.submit([{ prompt: `${bash}\n@reply seen`, workspace: { repo: r.root, includeDirty: true } }])
    expect(task!.workspace).toMatchObject({ dirtySnapshot: true, baseCommit: head })
    const [done] = await h.waitTasks([task!.id], 60_000)
    expect(done!.state).toBe('completed')
    const snapshot = done!.workspace!.baseSha
    expect(snapshot).not.toBe(head)
    expect(r.git('log', '-1', '--format=%P', snapshot)).toBe(head)
    expect(r.git('show', `${done!.result!.headSha}:seen.txt`)).toBe('uncommitted\nuntracked')
    // The task's own commit has only its own change on top of the snapshot.
    expect(done!.result!.files.map((f) => f.file)).toEqual(['seen.txt'])
    expect(r.git('status', '--porcelain')).toBe(status)
    await h.engine.workspaces.discardWorktree(done!.id)
  }, 90_000)

  it('without --include-dirty a dirty checkout is said once, and its changes stay out', async () => {
    const r = repo({ 'a.txt': 'committed\n' })
    r.write('a.txt', 'uncommitted\n')
    const before = h.pushes.length
    const bash = `@tool bash ${JSON.stringify({ command: 'cp a.txt seen.txt', description: 'copy' })}`
    const tasks = await h.submit([1, 2].map((n) => ({ prompt: `${bash}\n@reply ${n}`, workspace: { repo: r.root } })))
    const notices = h.pushes.slice(before).filter((p) => p.event === 'notice').map((p) => (p.payload as { message: string }).message)
    expect(notices.filter((m) => m.includes('uncommitted changes'))).toHaveLength(1)
    const done = await h.waitTasks(tasks.map((t) => t.id), 90_000)
    for (const t of done) expect(r.git('show', `${t.result!.headSha}:seen.txt`)).toBe('committed')
    await h.engine.workspaces.discardAll()
  }, 120_000)

  it('a task that changed nothing has no commit and no branch; one that failed keeps what it changed on its branch', async () => {
    const r = repo()
    const tasks = await h.submit([
      { prompt: '@reply nothing to do', workspace: { repo: r.root } },
      { prompt: `${write('half.txt', 'half done\n')}\n@fail 400`, workspace: { repo: r.root }, maxAttempts: 1 },
    ])
    const [nothing, failed] = await h.waitTasks(tasks.map((t) => t.id), 90_000)
    expect(nothing!.state).toBe('completed')
    expect(nothing!.result).toMatchObject({ isolation: 'worktree', branch: `flotilla/${nothing!.id}`, files: [] })
    expect(nothing!.result!.headSha).toBeUndefined()
    expect(failed!.state).toBe('failed')
    expect(failed!.error).toContain(`what it changed is on branch flotilla/${failed!.id}`)
    expect(r.git('show', `flotilla/${failed!.id}:half.txt`)).toBe('half done')
    await h.engine.workspaces.discardAll()
    expect(r.git('branch', '--list', 'flotilla/*').split('\n').map((b) => b.trim())).toEqual([`flotilla/${failed!.id}`])
    expect(readdirSync(worktrees)).toEqual([])
  }, 120_000)

  it('a task asked for in a folder git does not track (empty, untracked) works there in its worktree', async () => {
    const r = repo()
    const folder = join(r.root, 'new-package')
    mkdirSync(folder)
    const [task] = await h.submit([{ prompt: write('index.ts', 'export {}\n'), workspace: { repo: folder } }])
    expect(task!.workspace!.subdir).toBe('new-package')
    const [done] = await h.waitTasks([task!.id], 60_000)
    expect(done!.state).toBe('completed')
    expect(done!.result!.files.map((f) => f.file)).toEqual(['new-package/index.ts'])
    await h.engine.workspaces.discardAll()
  }, 60_000)

  it('a folder in no repository is shared, and a notice says so', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'flotilla-plain-'))
    try {
      const before = h.pushes.length
      const [task] = await h.submit([{ prompt: '@reply shared', workspace: { repo: plain } }])
      expect(task!.workspace).toBeUndefined()
      const notices = h.pushes.slice(before).filter((p) => p.event === 'notice').map((p) => (p.payload as { message: string }).message)
      expect(notices).toContain(`tasks share their folder: ${plain} is not in a git repository`)
      const [done] = await h.waitTasks([task!.id])
      expect(done!.state).toBe('completed')
      expect(done!.result?.isolation).toBeUndefined()
    } finally {
      rmSync(plain, { recursive: true, force: true })
    }
  }, 60_000)

  it('refuses a bad base or a task with both a directory and a workspace, and changes nothing', async () => {
    const r = repo()
    const count = h.engine.scheduler.list().length
    await expect(h.submit([{ prompt: '@reply x', workspace: { repo: r.root, base: 'no-such-ref' } }])).rejects.toThrow(/names no commit/)
    await expect(h.submit([{ prompt: '@reply x', directory: '/tmp', workspace: { repo: r.root } }])).rejects.toThrow(/either a directory or a workspace/)
    await expect(h.submit([{ prompt: '@reply x', workspace: { repo: 'relative/path' } }])).rejects.toThrow(/absolute path/)
    expect(h.engine.scheduler.list().length).toBe(count)
    expect(r.git('branch', '--list', 'flotilla/*')).toBe('')
  })
})

describe('--setup, --copy and --verify', () => {
  const bash = (command: string) => `@tool bash ${JSON.stringify({ command, description: 'run' })}`

  it('setup runs in the new worktree before the prompt (its output first), copies arrive but stay out of the result, verify marks the result', async () => {
    const r = repo({ '.gitignore': 'setup-ran.txt\n', 'a.txt': 'a\n' })
    r.write('.env', 'TOKEN=local-only\n') // untracked and not ignored: only leaving it out keeps it out of the commit
    const leaked = h.engine.fleet.get('local-1').instance!.auth!.password
    process.env.FLOTILLA_TEST_LEAK = leaked
    try {
      const workspace = { repo: r.root, setup: 'echo setting up; echo ready > setup-ran.txt', copy: ['.env'], verify: 'echo "leak=${FLOTILLA_TEST_LEAK:-none}"; test -f seen.txt' }
      const [task] = await h.submit([{ prompt: `${bash('cat setup-ran.txt .env > seen.txt')}\n@reply done`, workspace }])
      expect(task!.workspace).toMatchObject({ setup: workspace.setup, copy: ['.env'], verify: workspace.verify })
      const [done] = await h.waitTasks([task!.id], 60_000)
      expect(done!.state).toBe('completed')
      expect(r.git('show', `${done!.result!.headSha}:seen.txt`)).toBe('ready\nTOKEN=local-only')
      expect(r.git('show', '--name-only', '--format=', done!.result!.headSha!)).toBe('seen.txt')
      expect(done!.result!.verify).toMatchObject({ command: workspace.verify, passed: true, exitCode: 0, output: 'leak=none' })
      expect(done!.result!.verify!.durationMs).toBeGreaterThanOrEqual(0)
      const output = h.engine.outputs.get(done!.id)
      expect(output.indexOf('setting up')).toBeGreaterThan(-1)
      expect(output.indexOf('setting up')).toBeLessThan(output.indexOf('cat setup-ran.txt'))
      expect(output).toContain('verify passed')
      expect(output).not.toContain(leaked)
    } finally {
      delete process.env.FLOTILLA_TEST_LEAK
      await h.engine.workspaces.discardAll()
    }
  }, 90_000)

  it('a failing verify marks the result and the task still completes; a failing setup fails the task and leaves nothing', async () => {
    const r = repo()
    const tasks = await h.submit([
      { prompt: `${write('v.txt', 'v\n')}\n@reply v`, workspace: { repo: r.root, verify: 'echo "\u001b]52;c;Zm9v\u0007checking"; echo broken >&2; exit 3' } },
      { prompt: '@reply never runs', workspace: { repo: r.root, setup: 'echo about to fail; exit 7' }, maxAttempts: 1 },
    ])
    const [verified, unset] = await h.waitTasks(tasks.map((t) => t.id), 90_000)
    expect(verified!.state).toBe('completed')
    // Made safe to show: the clipboard sequence is gone, the text stays.
    expect(verified!.result!.verify).toMatchObject({ passed: false, exitCode: 3, output: 'checking\nbroken' })
    expect(h.engine.outputs.get(verified!.id)).toContain('verify failed (exit 3)')
    expect(unset!.state).toBe('failed')
    expect(unset!.error).toContain('setup "echo about to fail; exit 7" exited with 7')
    expect(unset!.attempts[0]!.sessionId).toBeUndefined() // the prompt was never sent
    expect(h.engine.outputs.get(unset!.id)).toContain('about to fail')
    expect(r.git('branch', '--list', `flotilla/${unset!.id}`)).toBe('')
    await h.engine.workspaces.discardAll()
    expect(readdirSync(worktrees)).toEqual([])
  }, 90_000)

  it('refuses a copy that is tracked, missing or outside the repository', async () => {
    const r = repo({ 'a.txt': 'a\n' })
    await expect(h.submit([{ prompt: '@reply x', workspace: { repo: r.root, copy: ['a.txt'] } }])).rejects.toThrow(/untracked.*a\.txt, which git tracks/)
    await expect(h.submit([{ prompt: '@reply x', workspace: { repo: r.root, copy: ['.env'] } }])).rejects.toThrow(/expected a file or folder to copy/)
    await expect(h.submit([{ prompt: '@reply x', workspace: { repo: r.root, copy: ['../x'] } }])).rejects.toThrow(/inside the repository/)
  })
})
