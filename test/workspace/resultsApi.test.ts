import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeWithWorktrees, startHarness, type Harness } from '../support/harness'
import { makeRepo, type TestRepo } from './gitRepo'

// tasks.diff / tasks.land / tasks.discard / host.info through the dispatcher, on real opencode servers and real git.
let h: Harness
let worktrees: string
let r: TestRepo

beforeAll(async () => {
  worktrees = mkdtempSync(join(tmpdir(), 'flotilla-results-'))
  r = makeRepo('flotilla-results-repo-', { 'a.txt': 'one\ntwo\nthree\n' })
  // A settings file (in the temp folder), so saved repository settings are kept.
  h = await startHarness(2, { worktreesDir: worktrees, projectDir: r.root, settingsDir: join(worktrees, '..', `${worktrees.split('/').at(-1)}-settings`) })
}, 90_000)

afterAll(() => closeWithWorktrees(h, r, worktrees, `${worktrees}-settings`))

const write = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}\n@reply wrote ${file}`

async function results(...prompts: string[]) {
  const tasks = await h.submit(prompts.map((prompt) => ({ prompt, workspace: { repo: r.root } })))
  const done = await h.waitTasks(tasks.map((t) => t.id), 90_000)
  for (const t of done) expect(t.state).toBe('completed')
  return done
}

describe('results through the API', () => {
  it('host.info names the project and its repository', async () => {
    // demo: the harness runs the scripted model (the add-server form ticks it for new servers).
    expect(await h.client['host.info']({})).toEqual({ projectDir: r.root, repository: { root: r.root, branch: 'main', dirty: false }, demo: true })
  })

  it('diff: the unified diff, one file or all, limited in size, and whether it merges now (recomputed when the target moves)', async () => {
    const [task] = await results(`${write('a.txt', 'one\nTWO\nthree\n')}`)
    const diff = await h.client['tasks.diff']({ id: task!.id })
    expect(diff.files).toEqual([{ file: 'a.txt', status: 'modified', additions: 1, deletions: 1 }])
    expect(diff.patch).toContain('-two\n+TWO')
    expect(diff.truncated).toBe(false)
    expect(diff.totalBytes).toBe(Buffer.byteLength(diff.patch))
    expect(diff.merge).toEqual({ into: 'main', clean: true, files: [] })
    const small = await h.client['tasks.diff']({ id: task!.id, maxBytes: 1_000 })
    expect(small.truncated).toBe(diff.totalBytes > 1_000)
    await expect(h.client['tasks.diff']({ id: task!.id, file: 'not-in-it.txt' })).rejects.toThrow(/one of the result's files/)
    // main moves under it: the same line changed there.
    r.write('a.txt', 'one\nzwei\nthree\n')
    r.commitAll('main moves')
    expect((await h.client['tasks.diff']({ id: task!.id })).merge).toEqual({ into: 'main', clean: false, files: ['a.txt'] })
    // A conflict is an error that changes nothing; the task says what happened.
    const before = r.git('rev-parse', 'main')
    await expect(h.client['tasks.land']({ id: task!.id })).rejects.toThrow(/conflicts in a\.txt/)
    expect(r.git('rev-parse', 'main')).toBe(before)
    expect(h.engine.scheduler.get(task!.id).result!.land).toMatchObject({ status: 'conflict', files: ['a.txt'] })
    // Bad params are refused by the contract before anything runs.
    const bad = await h.dispatcher.call('tasks.land', { id: task!.id, into: '--force' })
    expect(bad).toMatchObject({ error: { code: 'bad_request' } })
  }, 120_000)

  it('land: merges into the checked-out branch, moves the checkout, removes the worktree, keeps the branch; discard removes worktree and branch', async () => {
    const [one, two] = await results(write('new-one.txt', '1\n'), write('new-two.txt', '2\n'))
    const landed = await h.client['tasks.land']({ id: one!.id })
    expect(landed.result!.land).toMatchObject({ status: 'landed', into: 'main', files: ['new-one.txt'] })
    expect(landed.result!.worktree).toBeUndefined()
    expect(r.git('rev-parse', 'main')).toBe(landed.result!.land!.commit)
    expect(r.git('show', 'HEAD:new-one.txt')).toBe('1')
    expect(r.git('status', '--porcelain')).toBe('')
    expect(r.git('rev-parse', one!.result!.branch!)).toBe(one!.result!.headSha)
    // The journal-free view still has it; pushes told every client.
    expect(h.pushes.some((p) => p.event === 'task.updated' && (p.payload as { id: string; result?: { land?: unknown } }).id === one!.id && (p.payload as { result?: { land?: unknown } }).result?.land)).toBe(true)
    const discarded = await h.client['tasks.discard']({ id: two!.id })
    expect(discarded.result).toMatchObject({ discarded: true })
    expect(r.git('branch', '--list', two!.result!.branch!)).toBe('')
    expect(r.git('worktree', 'list', '--porcelain')).not.toContain(two!.result!.worktree!)
    await expect(h.client['tasks.diff']({ id: two!.id })).rejects.toThrow(/discarded/)
    await expect(h.client['tasks.land']({ id: two!.id })).rejects.toThrow(/discarded/)
  }, 120_000)

  it('refuses results that are no branch, and saved repository settings apply to tasks that do not say', async () => {
    const [shared] = await h.submit([{ prompt: '@reply shared' }])
    await h.waitTasks([shared!.id])
    await expect(h.client['tasks.land']({ id: shared!.id })).rejects.toThrow(/result is a branch/)
    await expect(h.client['tasks.diff']({ id: 'tNope' })).rejects.toThrow(/known task/)
    await h.client['settings.update']({ patch: { repository: { root: r.root, settings: { verify: 'test -f saved.txt', copy: [] } } } })
    const [task] = await results(write('saved.txt', 's\n'))
    expect(task!.workspace!.verify).toBe('test -f saved.txt')
    expect(task!.result!.verify).toMatchObject({ passed: true })
    await h.client['settings.update']({ patch: { repository: { root: r.root, settings: null } } })
    expect((await h.client['settings.get']({})).repositories).toEqual({})
  }, 120_000)
})

describe('follow-ups', () => {
  it('goes on in the same session and worktree, adding a commit to the same branch; a gone server is said, and newSession goes elsewhere', async () => {
    const [first] = await results(write('story.txt', 'chapter one\n'))
    const follow = await h.client['tasks.followUp']({ id: first!.id, prompt: `${write('story2.txt', 'chapter two\n')}` })
    expect(follow.workspace!.continues).toEqual({ taskId: first!.id, folderTask: first!.id, branch: first!.result!.branch, sessionId: first!.sessionId })
    expect(follow.target).toEqual({ kind: 'server', serverId: first!.serverId })
    const [done] = await h.waitTasks([follow.id], 90_000)
    expect(done!.state).toBe('completed')
    expect(done!.sessionId).toBe(first!.sessionId)
    expect(done!.result!.branch).toBe(first!.result!.branch)
    expect(done!.result!.worktree).toBe(first!.result!.worktree)
    // One more commit on the same branch, on top of the first result.
    expect(r.git('log', '--format=%P', '-1', done!.result!.headSha!)).toBe(first!.result!.headSha)
    expect(r.git('rev-parse', first!.result!.branch!)).toBe(done!.result!.headSha)
    expect(done!.result!.files.map((f) => f.file).sort()).toEqual(['story.txt', 'story2.txt'])
    expect(h.engine.scheduler.get(first!.id).result!.worktree).toBeUndefined()
    // The first task's branch is the follow-up's now: acting on its older head is refused.
    await expect(h.client['tasks.followUp']({ id: first!.id, prompt: '@reply fork' })).rejects.toThrow(new RegExp(`follow-up ${done!.id} continues`))
    await expect(h.client['tasks.discard']({ id: first!.id })).rejects.toThrow(/follow-up .* continues/)
    // Its output is its own turn, not the first one's again.
    expect(h.engine.outputs.get(done!.id)).not.toContain('wrote story.txt')

    // The server goes: the follow-up says so, and newSession continues the branch elsewhere.
    await h.engine.removeServer(first!.serverId!)
    await expect(h.client['tasks.followUp']({ id: done!.id, prompt: '@reply more' })).rejects.toThrow(/not configured any more.*newSession.*does not carry over/)
    const elsewhere = await h.client['tasks.followUp']({ id: done!.id, prompt: `${write('story3.txt', 'chapter three\n')}`, newSession: true })
    const [third] = await h.waitTasks([elsewhere.id], 90_000)
    expect(third!.state).toBe('completed')
    expect(third!.sessionId).not.toBe(first!.sessionId)
    expect(r.git('log', '--format=%P', '-1', third!.result!.headSha!)).toBe(done!.result!.headSha)
    expect(r.git('show', `${third!.result!.branch}:story3.txt`)).toBe('chapter three')
  }, 180_000)
})

describe('results of one submit compared with each other', () => {
  it('tasks.conflicts names the pairs that would conflict if both landed, with the files; one submit shares a batchId', async () => {
    const done = await results(write('same.txt', 'first\n'), write('same.txt', 'second\n'), write('other.txt', 'x\n'))
    expect(new Set(done.map((t) => t.batchId)).size).toBe(1)
    const pairs = await h.client['tasks.conflicts']({ ids: done.map((t) => t.id) })
    expect(pairs).toEqual([{ a: done[0]!.id, b: done[1]!.id, files: ['same.txt'] }])
    await expect(h.client['tasks.conflicts']({ ids: [done[0]!.id] })).rejects.toThrow()
  }, 120_000)
})

describe('a shell and the TUI in a task worktree', () => {
  it('opens a real shell in the kept worktree and the TUI on that folder; refuses one whose worktree is gone', async () => {
    const [task] = await results(write('shell.txt', 's\n'))
    const worktree = task!.result!.worktree!
    const shell = await h.client['terminals.open']({ kind: 'shell', taskId: task!.id })
    expect(shell.title).toBe(`shell · ${task!.id}`)
    await h.client['terminals.write']({ terminalId: shell.terminalId, data: 'pwd; ls\r' })
    const output = () => h.pushes.filter((p) => p.event === 'terminals.data' && (p.payload as { terminalId: string }).terminalId === shell.terminalId).map((p) => (p.payload as { data: string }).data).join('')
    await h.waitFor('the shell to print its folder', () => output().includes(worktree) && output().includes('shell.txt'), 20_000)
    await h.client['terminals.close']({ terminalId: shell.terminalId })
    const tui = await h.client['terminals.open']({ kind: 'tui', taskId: task!.id })
    expect(tui.title).toBe(`tui · ${task!.serverId} · ${task!.id}`)
    await h.client['terminals.close']({ terminalId: tui.terminalId })
    await h.client['tasks.land']({ id: task!.id })
    await expect(h.client['terminals.open']({ kind: 'shell', taskId: task!.id })).rejects.toThrow(/worktree is kept on this machine.*landed/)
  }, 120_000)
})
