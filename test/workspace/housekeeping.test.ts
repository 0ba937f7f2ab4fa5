import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../core/host/engine'
import { createApiClient } from '../../core/contract/client'
import { createInProcessTransport } from '../../core/host/inProcessTransport'
import { runCli, type CliRun } from '../support/cli'
import { FAST_SUPERVISOR } from '../support/harness'
import { waitFor } from '../support/waitFor'
import { makeRepo, type TestRepo } from './gitRepo'

// Worktrees outlive nothing they should not: a killed run's are found and removed (branches kept),
// kept ones stay until asked, and a restarted engine lists its results and acts on them.
const running: CliRun[] = []
const cleanup: Array<() => void> = []
afterEach(() => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
})
afterAll(() => {
  while (cleanup.length) cleanup.pop()!()
})

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-hk-home-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
function repo(): TestRepo {
  const r = makeRepo('flotilla-hk-repo-', { 'a.txt': 'a\n' })
  // Registered worktrees of a failed test are removed by path before the repository goes.
  cleanup.push(() => {
    for (const line of r.git('worktree', 'list', '--porcelain').split('\n')) if (line.startsWith('worktree ') && line.slice(9) !== r.root) r.git('worktree', 'remove', '--force', '--force', line.slice(9))
    r.remove()
  })
  return r
}
function cli(args: string[], cwd: string, flotillaHome: string): CliRun {
  const run = runCli(args, { cwd, env: { FLOTILLA_HOME: flotillaHome } })
  running.push(run)
  return run
}
const worktreesOf = (r: TestRepo) => r.git('worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ') && l !== `worktree ${r.root}`).map((l) => l.slice(9))

describe('worktree housekeeping', () => {
  it('a run killed with -9 leaves its worktree; gc --dry-run lists it, gc removes it (the branch stays), and the next run would too', async () => {
    const r = repo()
    const h = home()
    const run = cli(['run', '--demo', '@delay 60000\n@reply late'], r.root, h)
    // In it, with its owner note written (a kill between the two leaves a worktree that "names no owner": also swept).
    await waitFor('the task to be in its worktree', () => (worktreesOf(r).length === 1 && existsSync(`${worktreesOf(r)[0]}.owner.json`)) || undefined, { timeoutMs: 60_000 })
    run.child.kill('SIGKILL')
    await run.exited
    const [left] = worktreesOf(r)
    expect(existsSync(left!)).toBe(true)
    const dry = cli(['gc', '--dry-run'], r.root, h)
    expect(await dry.exited).toBe(0)
    expect(dry.stdout()).toContain(`would remove ${left}`)
    expect(dry.stdout()).toMatch(/attempt ended without cleaning up/)
    expect(existsSync(left!)).toBe(true)
    const gc = cli(['gc'], r.root, h)
    expect(await gc.exited).toBe(0)
    expect(gc.stdout()).toContain(`removed ${left}`)
    expect(worktreesOf(r)).toEqual([])
    expect(existsSync(left!)).toBe(false)
    const taskId = left!.split('/').at(-1)!
    expect(r.git('branch', '--list', `flotilla/${taskId}`).trim()).toBe(`flotilla/${taskId}`)

    // Killed again: this time the next run's start removes it.
    const again = cli(['run', '--demo', '@delay 60000\n@reply late'], r.root, h)
    await waitFor('the task to be in its worktree', () => worktreesOf(r).length === 1 || undefined, { timeoutMs: 60_000 })
    again.child.kill('SIGKILL')
    await again.exited
    const next = cli(['run', '--demo', '--no-isolate', '@reply hi'], r.root, h)
    expect(await next.exited).toBe(0)
    expect(worktreesOf(r)).toEqual([])
  }, 180_000)

  it('--keep-worktrees ones stay through gc and another run; gc --kept removes them', async () => {
    const r = repo()
    const h = home()
    const run = cli(['run', '--demo', '--keep-worktrees', '@tool write {"filePath":"k.txt","content":"k\\n"}\n@reply k'], r.root, h)
    expect(await run.exited).toBe(0)
    const [kept] = worktreesOf(r)
    expect(kept).toBeDefined()
    const gc = cli(['gc'], r.root, h)
    expect(await gc.exited).toBe(0)
    expect(gc.stdout()).toContain(`kept ${kept}`)
    expect(worktreesOf(r)).toEqual([kept])
    const other = cli(['run', '--demo', '--no-isolate', '@reply hi'], r.root, h)
    expect(await other.exited).toBe(0)
    expect(worktreesOf(r)).toEqual([kept])
    const all = cli(['gc', '--kept'], r.root, h)
    expect(await all.exited).toBe(0)
    expect(worktreesOf(r)).toEqual([])
  }, 120_000)

  it('after a restart, results are listed and actionable; a worktree whose folder vanished is reported and its branch kept', async () => {
    const r = repo()
    const state = home()
    const options = { journalPath: join(state, 'tasks.jsonl'), restoreTasks: true, worktreesDir: join(state, 'worktrees'), demo: {}, supervisor: FAST_SUPERVISOR }
    let engine = await Engine.create(options)
    try {
      await engine.addServer({ kind: 'local', id: 'local-1', name: 'local-1', capacity: 2, directory: r.root, demo: true }, { start: true })
      const client = createApiClient(createInProcessTransport(engine))
      const tasks = await client['tasks.submit']({
        tasks: ['one', 'two'].map((n) => ({ prompt: `@tool write ${JSON.stringify({ filePath: `${n}.txt`, content: `${n}\n` })}\n@reply ${n}`, workspace: { repo: r.root } })),
      })
      await waitFor('both results', () => tasks.every((t) => engine.scheduler.get(t.id).state === 'completed') || undefined, { timeoutMs: 90_000 })
      client.close()
    } finally {
      await engine.close()
    }
    const [one, two] = engine.scheduler.list().sort((a, b) => a.createdAt - b.createdAt)
    // One worktree vanishes while nothing runs.
    rmSync(two!.result!.worktree!, { recursive: true, force: true })
    engine = await Engine.create(options)
    try {
      const restored = engine.scheduler.list()
      expect(restored.map((t) => t.id).sort()).toEqual([one!.id, two!.id].sort())
      expect(engine.scheduler.get(two!.id).result).toMatchObject({ worktreeMissing: true, branch: two!.result!.branch })
      expect(engine.scheduler.get(two!.id).result!.worktree).toBeUndefined()
      expect(engine.warnings.join('\n') + '').not.toContain('removed') // nothing of theirs was swept
      expect(r.git('rev-parse', two!.result!.branch!)).toBe(two!.result!.headSha)
      // The other one's worktree is still there and every action works on it.
      expect(existsSync(one!.result!.worktree!)).toBe(true)
      const client = createApiClient(createInProcessTransport(engine))
      expect((await client['tasks.diff']({ id: one!.id })).patch).toContain('+one')
      const landed = await client['tasks.land']({ id: one!.id })
      expect(landed.result!.land!.status).toBe('landed')
      expect(existsSync(one!.result!.worktree!)).toBe(false)
      await client['tasks.discard']({ id: two!.id })
      expect(r.git('branch', '--list', 'flotilla/*')).not.toContain(two!.id)
      client.close()
    } finally {
      await engine.close()
    }
    expect(worktreesOf(r)).toEqual([])
    expect(readdirSync(join(state, 'worktrees'))).toEqual([])
  }, 180_000)
})
