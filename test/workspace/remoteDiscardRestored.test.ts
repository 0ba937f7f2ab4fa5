import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { quoteWord } from '../../core/workspace/remote/remoteGit'
import { Workspaces } from '../../core/workspace/workspaces'
import { makeRepo, type TestRepo } from './gitRepo'
import { remoteMachineMissing, sh, startRemoteSetup, type RemoteMachine, type RemoteSetup } from './remoteMachine'

// A result kept on another machine, discarded after a restart: the process that made the
// worktree there is gone, so the new one reaches it through the server's link (the engine gives
// it) and removes it with its branch there. Real sshd in a network namespace, logged in to as
// another Unix user (see remoteMachine.ts); a second Workspaces on the same state folder is the
// restarted app (nothing of the first one's memory).
const skip = remoteMachineMissing('the restored remote discard tests')

let remote: RemoteSetup | undefined
let machine: RemoteMachine
let repo: TestRepo
let root: string

beforeAll(async () => {
  if (skip) return
  remote = await startRemoteSetup()
  machine = remote.machine
  repo = makeRepo('flotilla-remote-restored-', { 'a.txt': 'a\n' })
  root = mkdtempSync(join(tmpdir(), 'flotilla-remote-restored-state-'))
}, 120_000)

afterAll(async () => {
  await remote?.close()
  repo?.remove()
  if (root) rmSync(root, { recursive: true, force: true })
}, 60_000)

/** A task of the first process, as the journal gives it back after the restart. */
async function keptRemoteResult(id: string): Promise<TaskView> {
  const first = new Workspaces({ root })
  const outcome = await first.plan({ repo: repo.root, includeDirty: false })
  if (outcome.kind !== 'plan') throw new Error('expected a plan')
  const prepared = await first.prepare({ id, workspace: outcome.plan } as never, 'ssh-1', undefined, machine.exec)
  await sh(machine.exec, `printf 'made there\\n' > ${quoteWord(`${prepared.root}/there.txt`)}`)
  const collected = await first.collect(prepared, { subject: 'made there', serverName: 'ssh-1', capacity: 1 })
  return { id, state: 'completed', workspace: outcome.plan, serverId: 'ssh-1', attempts: [], result: { isolation: 'worktree', ...collected, worktreeHost: machine.exec.host } } as unknown as TaskView
}

const existsThere = async (path: string) => (await machine.exec.run(`test -e ${quoteWord(path)}`)).code === 0

describe.skipIf(skip)('discarding a result kept on another machine after a restart', () => {
  it('removes the worktree there and its branch there and here, through the link it is given', async () => {
    const task = await keptRemoteResult('tRestoredA')
    const path = task.result!.worktree!
    expect(await existsThere(path)).toBe(true)
    expect(repo.git('show', 'flotilla/tRestoredA:there.txt')).toBe('made there')

    const restarted = new Workspaces({ root })
    expect(await restarted.discardResult(task, { remote: machine.exec })).toEqual({})
    expect(await existsThere(path)).toBe(false)
    expect(repo.git('branch', '--list', 'flotilla/tRestoredA')).toBe('')
    // Its branch in the cache there went too, and git there forgot the worktree.
    const cache = path.slice(0, path.indexOf('/worktrees/'))
    const there = await sh(machine.exec, `for r in ${quoteWord(cache)}/repos/*.git; do git --git-dir "$r" for-each-ref --format='%(refname)' refs/heads/flotilla/; git --git-dir "$r" worktree list --porcelain | grep '^worktree '; done`)
    expect(there).not.toContain('tRestoredA')
  })

  it("without a link (its server not running) the branch here goes, the worktree there stays for the next sweep, and it says so; a journal path outside Flotilla's folder there is refused", async () => {
    const task = await keptRemoteResult('tRestoredB')
    const path = task.result!.worktree!
    const restarted = new Workspaces({ root })
    const { remoteLeft } = await restarted.discardResult(task)
    expect(remoteLeft).toBe(`its worktree on ${machine.exec.host} stays until the next sweep there: its server is not running, so that machine cannot be reached`)
    expect(await existsThere(path)).toBe(true)
    expect(repo.git('branch', '--list', 'flotilla/tRestoredB')).toBe('')

    // A tampered journal naming a folder of the remote user's own: nothing there is touched.
    const home = (await sh(machine.exec, 'printf %s "$HOME"')).trim()
    await sh(machine.exec, 'mkdir -p "$HOME/precious" && touch "$HOME/precious/keep"')
    const tampered = { ...task, result: { ...task.result!, worktree: `${home}/precious` } } as TaskView
    const outcome = await new Workspaces({ root }).discardResult(tampered, { remote: machine.exec })
    expect(outcome.remoteLeft).toMatch(/could not be removed \(expected a worktree path inside .*\/\.flotilla\/worktrees\/ on .*, got ".*\/precious"\): the next sweep there removes it/)
    expect(await existsThere(`${home}/precious/keep`)).toBe(true)
    // The real one is still removed when a link comes.
    expect(await new Workspaces({ root }).discardResult(task, { remote: machine.exec })).toEqual({})
    expect(await existsThere(path)).toBe(false)
  })
})
