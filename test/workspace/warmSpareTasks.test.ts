import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeWithWorktrees, startHarness, type Harness } from '../support/harness'
import { makeRepo, type TestRepo } from './gitRepo'

// Warm spares end to end, on two real opencode servers with the scripted model: a worktree that
// goes becomes a spare its server boots opencode for (seeded snapshot, the folder's services),
// and the next task for that server takes the spare's name as its id, so it starts in a folder
// opencode already knows. opencode's own log says which folders it booted.
let h: Harness
let worktrees: string
let r: TestRepo

beforeAll(async () => {
  worktrees = mkdtempSync(join(tmpdir(), 'flotilla-warm-wt-'))
  h = await startHarness(2, { worktreesDir: worktrees })
  r = makeRepo('flotilla-warm-tasks-', { 'a.txt': 'a\n' })
}, 90_000)

afterAll(() => closeWithWorktrees(h, r, worktrees))

const write = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}\n@reply done`

/** What a server's opencode logged (its data folder in the demo's; INFO level by default). */
function serverLog(serverId: string): string {
  const dir = join(h.engine.demo!.root, 'servers', serverId, 'data', 'opencode', 'log')
  return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n') : ''
}

/** The opencode snapshot repositories of a server that name this folder as their worktree. */
function snapshotsOf(serverId: string, path: string): string[] {
  const root = join(h.engine.demo!.root, 'servers', serverId, 'data', 'opencode', 'snapshot')
  if (!existsSync(root)) return []
  return readdirSync(root).flatMap((p) => readdirSync(join(root, p)).map((n) => join(root, p, n))).filter((d) => readFileSync(join(d, 'config'), 'utf8').includes(`worktree = ${path}\n`))
}

describe('warm spare worktrees', () => {
  it("a discarded worktree is warmed on its server; that server's next task starts in it under its name; another server's task does not; nothing is left", async () => {
    const [one, two] = h.servers().map((s) => s.id)
    const [first] = await h.submit([{ prompt: write('one.txt', '1\n'), workspace: { repo: r.root }, target: { kind: 'server', serverId: one! } }])
    const [done] = await h.waitTasks([first!.id], 60_000)
    expect(done!.state).toBe('completed')
    const firstFolder = done!.result!.worktree!
    await h.engine.workspaces.discardResult(done!)

    // The spare, named like a task id, beside where the first task's was; opencode booted it and its snapshot is seeded.
    const spare = await h.waitFor('a warm spare', () => readdirSync(dirname(firstFolder)).find((n) => /^t[A-Za-z0-9]{10}$/.test(n)))
    const spareFolder = join(dirname(firstFolder), spare)
    await h.waitFor('opencode to boot the spare', () => serverLog(one!).includes(`message="booting location services" directory=${spareFolder} `) || undefined, 30_000)
    expect(snapshotsOf(one!, spareFolder)).toHaveLength(1)
    expect(serverLog(two!)).not.toContain(spareFolder)

    // A task for the other server does not take it.
    const [elsewhere] = await h.submit([{ prompt: write('two.txt', '2\n'), workspace: { repo: r.root }, target: { kind: 'server', serverId: two! } }])
    expect(elsewhere!.id).not.toBe(spare)
    // The next task for its server does: its id is the spare's name, and it works in that folder.
    const [next] = await h.submit([{ prompt: write('three.txt', '3\n'), workspace: { repo: r.root }, target: { kind: 'server', serverId: one! } }])
    expect(next!.id).toBe(spare)
    const ended = await h.waitTasks([elsewhere!.id, next!.id], 60_000)
    expect(ended.map((t) => t.state)).toEqual(['completed', 'completed'])
    expect(ended[1]!.result).toMatchObject({ worktree: spareFolder, branch: `flotilla/${spare}`, files: [{ file: 'three.txt', status: 'added' }] })
    expect(r.git('show', `flotilla/${spare}:three.txt`)).toBe('3')
    // Nothing of the first task reached it.
    expect(r.git('ls-tree', '--name-only', `flotilla/${spare}`)).toBe('a.txt\nthree.txt')
    expect(basename(ended[0]!.result!.worktree!)).toBe(elsewhere!.id)
    // The task found the folder booted: opencode booted it once, for the warm-up, not again for the task.
    expect(serverLog(one!).split('\n').filter((l) => l.includes(`message="booting location services" directory=${spareFolder} `))).toHaveLength(1)

    // The other task's worktree becomes the other server's warm spare; never taken, it is forgotten there when the spares go.
    await h.engine.workspaces.discardResult(ended[0]!)
    const otherSpare = join(dirname(firstFolder), await h.waitFor('the second warm spare', () => readdirSync(dirname(firstFolder)).find((n) => /^t[A-Za-z0-9]{10}$/.test(n) && n !== spare)))
    await h.waitFor('opencode to boot it', () => serverLog(two!).includes(`message="booting location services" directory=${otherSpare} `) || undefined, 30_000)
    await h.engine.workspaces.discardAll()
    // opencode writes its log a moment later.
    for (const [id, folder] of [[one!, spareFolder], [two!, otherSpare]] as const) await h.waitFor(`${id} to free ${folder}`, () => serverLog(id).includes(`message="disposing instance" directory=${folder}\n`) || undefined, 10_000)
    expect(readdirSync(worktrees)).toEqual([])
    expect(r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toEqual([`worktree ${r.root}`])
    for (const id of [one!, two!]) for (const folder of [spareFolder, otherSpare]) expect(snapshotsOf(id, folder)).toEqual([])
  })
})
