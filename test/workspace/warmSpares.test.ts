import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalGit } from '../../core/workspace/git'
import { Workspaces } from '../../core/workspace/workspaces'
import { findWorktrees } from '../../core/workspace/worktreeOwners'
import { MAX_SPARES_PER_REPO, LocalWorktrees, SPARE_PREFIX, taskBranch, type WarmSpare } from '../../core/workspace/worktrees'
import { makeRepo, type TestRepo } from './gitRepo'

// A warm spare is a spare whose folder already has the name of the task that will take it, so an
// opencode server can boot what it needs for that folder before the task exists (opencode keys it
// by path). These pin the bookkeeping on real git: the claimed id names the folder the task gets,
// only the server (and subfolder) it was warmed for takes it, and none outlives its process.
const cleanup: Array<() => void> = []
afterAll(() => {
  while (cleanup.length) cleanup.pop()!()
})

function setup(): { repo: TestRepo; root: string; worktrees: LocalWorktrees; cooled: WarmSpare[] } {
  const repo = makeRepo('flotilla-warm-repo-', { 'a.txt': 'a\n', 'sub/b.txt': 'b\n' })
  const root = mkdtempSync(join(tmpdir(), 'flotilla-warm-root-'))
  cleanup.push(() => {
    for (const line of repo.git('worktree', 'list', '--porcelain').split('\n')) if (line.startsWith('worktree ') && line.slice(9) !== repo.root) repo.git('worktree', 'remove', '--force', '--force', line.slice(9))
    repo.remove()
    rmSync(root, { recursive: true, force: true })
  })
  const cooled: WarmSpare[] = []
  return { repo, root, cooled, worktrees: new LocalWorktrees(new LocalGit(), root, { cooled: async (spare) => void cooled.push(spare) }) }
}
const registered = (repo: TestRepo) => repo.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ') && l !== `worktree ${repo.root}`).map((l) => l.slice(9))

describe('warm spare worktrees', () => {
  it("a warm spare's folder is named after the id claim() gives out, and the task with that id starts in that very folder, clean, on its branch", async () => {
    const { repo, worktrees, cooled } = setup()
    const base = repo.git('rev-parse', 'HEAD')
    const first = await worktrees.add(repo.root, 'tFirst', base)
    writeFileSync(join(first.path, 'a.txt'), 'changed by the first task\n')
    writeFileSync(join(first.path, 'left.txt'), 'untracked\n')
    const { warm } = await worktrees.remove(repo.root, first.path, { recycle: true, warmFor: { serverId: 's1', subdir: '' } })
    expect(warm).toBeDefined()
    expect(dirname(warm!.path)).toBe(dirname(first.path))
    expect(basename(warm!.path)).toMatch(/^t[A-Za-z0-9]{10}$/)
    expect(findWorktrees(dirname(dirname(first.path))).find((f) => f.path === warm!.path)?.owner?.state).toBe('spare')
    expect(worktrees.spareCount(repo.root)).toBe(1)

    // Another server, or another subfolder, does not take it; the server it was warmed for does.
    expect(worktrees.claim(repo.root, '', 's2')).toBeUndefined()
    expect(worktrees.claim(repo.root, 'sub', 's1')).toBeUndefined()
    const id = worktrees.claim(repo.root, '', 's1')
    expect(id).toBe(basename(warm!.path))
    expect(worktrees.claim(repo.root, '')).toBeUndefined()

    repo.write('a.txt', 'a, second commit\n')
    const next = repo.commitAll('second')
    const taken = await worktrees.add(repo.root, id!, next)
    expect(taken).toEqual({ path: warm!.path, branch: taskBranch(id!), warmOn: 's1' })
    expect(readFileSync(join(taken.path, 'a.txt'), 'utf8')).toBe('a, second commit\n')
    expect(existsSync(join(taken.path, 'left.txt'))).toBe(false)
    const git = (...args: string[]) => new LocalGit().run(args, { cwd: taken.path }).then((r) => r.stdout.trim())
    expect(await git('symbolic-ref', '--short', 'HEAD')).toBe(taskBranch(id!))
    expect(await git('rev-parse', 'HEAD')).toBe(next)
    expect(await git('status', '--porcelain', '--ignored')).toBe('')
    expect(worktrees.spareCount(repo.root)).toBe(0)
    expect(registered(repo)).toEqual([taken.path])
    // Taken, not cooled: the server keeps what it booted for the folder, now the task's.
    expect(cooled).toEqual([])
  })

  it('one warm spare per repository and server; a claim the task does not take becomes an ordinary spare, and the server forgets the folder', async () => {
    const { repo, worktrees, cooled } = setup()
    const base = repo.git('rev-parse', 'HEAD')
    const a = await worktrees.add(repo.root, 'tA', base)
    const b = await worktrees.add(repo.root, 'tB', base)
    const warmA = (await worktrees.remove(repo.root, a.path, { recycle: true, warmFor: { serverId: 's1', subdir: '' } })).warm
    const warmB = (await worktrees.remove(repo.root, b.path, { recycle: true, warmFor: { serverId: 's1', subdir: '' } })).warm
    expect(warmA).toBeDefined()
    expect(warmB).toBeUndefined()
    expect(worktrees.warmSpares(repo.root)).toEqual([warmA])
    expect(worktrees.spareCount(repo.root)).toBe(2)
    expect(registered(repo).filter((p) => basename(p).startsWith(SPARE_PREFIX))).toHaveLength(1)

    // A task with no named server takes any warm one; it ran elsewhere (another machine): unclaimed.
    const id = worktrees.claim(repo.root, '')!
    expect(id).toBe(basename(warmA!.path))
    await worktrees.unclaim(id)
    expect(cooled).toEqual([warmA])
    expect(existsSync(warmA!.path)).toBe(false)
    expect(worktrees.spareCount(repo.root)).toBe(2)
    expect(registered(repo).every((p) => basename(p).startsWith(SPARE_PREFIX))).toBe(true)
    // The id is never handed out again, and a fresh task with it would get a fresh folder, not a cooled one.
    expect(worktrees.claim(repo.root, '')).toBeUndefined()
  })

  it('warm and claimed spares count toward MAX_SPARES_PER_REPO and removeSpares removes them all, each cooled first', async () => {
    const { repo, root, worktrees, cooled } = setup()
    const base = repo.git('rev-parse', 'HEAD')
    const made = []
    for (let i = 0; i <= MAX_SPARES_PER_REPO; i++) made.push(await worktrees.add(repo.root, `tMany${i}`, base))
    const warm: WarmSpare[] = []
    for (const [i, w] of made.entries()) {
      const result = await worktrees.remove(repo.root, w.path, { recycle: true, warmFor: { serverId: `s${i % 2}`, subdir: '' } })
      if (result.warm) warm.push(result.warm)
    }
    expect(warm.map((w) => w.serverId)).toEqual(['s0', 's1'])
    expect(worktrees.spareCount(repo.root)).toBe(MAX_SPARES_PER_REPO)
    expect(registered(repo)).toHaveLength(MAX_SPARES_PER_REPO)
    // One claimed and never taken (its task was cancelled while queued): removed too.
    expect(worktrees.claim(repo.root, '', 's1')).toBe(basename(warm[1]!.path))
    expect(await worktrees.removeSpares()).toEqual([])
    expect(cooled.map((c) => c.path).sort()).toEqual(warm.map((w) => w.path).sort())
    expect(worktrees.spareCount(repo.root)).toBe(0)
    expect(registered(repo)).toEqual([])
    expect(readdirSync(root)).toEqual([])
  })

  it('through Workspaces: only a server on this machine gets a warm spare, and a warm-up that never ends does not hold removeSpares for long', async () => {
    const { repo, root } = setup()
    const snapshots = mkdtempSync(join(tmpdir(), 'flotilla-warm-snap-'))
    cleanup.push(() => rmSync(snapshots, { recursive: true, force: true }))
    const asked: string[] = []
    const disposed: string[] = []
    const ws = new Workspaces({
      root,
      // local-1 is on this machine (it has a snapshot folder here); remote-1 is not.
      snapshotRootOf: (serverId) => (serverId === 'local-1' ? snapshots : undefined),
      snapshotRoots: () => [snapshots],
      // A hung server: the warm-up is asked and never answered.
      warmFolder: (serverId, directory) => {
        asked.push(`${serverId} ${directory}`)
        return new Promise(() => {})
      },
      disposeInstance: async (serverId, directory) => void disposed.push(`${serverId} ${directory}`),
    })
    const outcome = await ws.plan({ repo: repo.root, includeDirty: false })
    if (outcome.kind !== 'plan') throw new Error('expected a plan')
    await ws.prepare({ id: 'tRemote', workspace: outcome.plan } as never, 'remote-1')
    await ws.discardWorktree('tRemote')
    expect(asked).toEqual([])
    await ws.prepare({ id: 'tLocal', workspace: outcome.plan } as never, 'local-1')
    await ws.discardWorktree('tLocal')
    // The warm-up runs in the background: the snapshot seeded first, then the server asked.
    for (let i = 0; i < 100 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(asked).toHaveLength(1)
    const [, folder] = asked[0]!.split(' ')
    expect(asked[0]).toBe(`local-1 ${folder}`)
    // The claim goes by server: the id is the warm folder's name.
    expect(ws.claimTaskId(outcome.plan, { kind: 'server', serverId: 'remote-1' })).toBeUndefined()
    const started = Date.now()
    expect(await ws.removeSpares()).toEqual([])
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(existsSync(folder!)).toBe(false)
    expect(disposed).toContain(`local-1 ${folder}`)
    expect(registered(repo)).toEqual([])
  })
})
