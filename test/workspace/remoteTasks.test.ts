import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { knownHostsLine } from '../support/sshd'
import { startHarness, type Harness } from '../support/harness'
import { makeRepo, signCommits, type TestRepo } from './gitRepo'
import { remoteCacheRepo, touchLastUsed } from '../../core/workspace/remote/cache'
import { quoteWord } from '../../core/workspace/remote/remoteGit'
import { addRemoteUser, makeNetwork, noise, remoteMachineMissing, sh, startRemoteMachine, type Network, type RemoteMachine, type RemoteUser } from './remoteMachine'

// A task on an SSH server gets its worktree THERE: the base travels over the connection Flotilla
// holds (into a cache repository under the remote ~/.flotilla), the task runs in a worktree of
// it, and its result comes home as the local branch, with the local identity. The machine is a
// real sshd in a network namespace that cannot reach this machine's loopback, logged in to as
// another Unix user who cannot read the local repository; the opencode there is a real one.
const missing = remoteMachineMissing('the remote workspace tests')

let network: Network
let user: RemoteUser
let machine: RemoteMachine
let h: Harness
let scratch: string
let r: TestRepo

beforeAll(async () => {
  if (missing) return
  scratch = mkdtempSync(join(tmpdir(), 'flotilla-remote-tasks-'))
  r = makeRepo('flotilla-remote-tasks-repo-', { 'a.txt': 'a\n', 'big.txt': noise(300) /* does not compress: the bytes sent mean something */ })
  network = await makeNetwork()
  user = addRemoteUser()
  machine = await startRemoteMachine(network, user.name)
  const knownHosts = join(scratch, 'known_hosts')
  writeFileSync(knownHosts, `${knownHostsLine(machine.sshd)}\n`)
  h = await startHarness(0, {
    worktreesDir: join(scratch, 'worktrees'),
    ssh: { stateDir: join(scratch, 'ssh-state'), knownHostsPath: knownHosts, config: { home: scratch }, agent: '', link: { backoff: { baseMs: 100, capMs: 500 } } },
  })
  await h.engine.addServer(
    { kind: 'ssh', id: 'box', name: 'box', capacity: 1, host: machine.sshd.host, port: machine.sshd.port, user: user.name, identityFile: machine.sshd.userKey, remoteDirectory: machine.home, demo: true },
    { start: true },
  )
  expect(h.engine.fleet.view('box').state).toBe('ready')
}, 180_000)

afterAll(async () => {
  await h?.engine.workspaces.discardAll()
  await h?.close()
  await machine?.close()
  user?.remove()
  await network?.remove()
  r?.remove()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
}, 60_000)

const write = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}\n@reply wrote ${file}`

describe.skipIf(missing)('a task on an SSH machine, in a worktree there', () => {
  it('brings its result home as the local branch with the local identity; the remote has no checkout; the second task sends far less', async () => {
    expect(await sh(machine.exec, `test -r ${r.root}/a.txt && echo readable || echo unreadable`)).toBe('unreadable\n')
    // A cache nobody used for 40 days: the first task to this machine prunes it.
    const old = await remoteCacheRepo(machine.exec, 'long-gone-repo')
    await touchLastUsed(machine.exec, old.repo, Date.now() - 40 * 86_400_000)
    const head = r.git('rev-parse', 'HEAD')
    const [first] = await h.submit([{ prompt: write('remote.txt', 'made over there\n'), workspace: { repo: r.root, verify: 'test -f remote.txt && whoami' } }])
    const [done] = await h.waitTasks([first!.id], 120_000)
    expect(done!.state).toBe('completed')
    expect(done!.result).toMatchObject({ isolation: 'worktree', branch: `flotilla/${done!.id}`, baseSha: head, files: [{ file: 'remote.txt', status: 'added', additions: 1 }] })
    expect(done!.result!.verify).toMatchObject({ passed: true, output: user.name })
    expect(r.git('show', `flotilla/${done!.id}:remote.txt`)).toBe('made over there')
    expect(r.git('log', '-1', '--format=%an <%ae>|%P', `flotilla/${done!.id}`)).toBe(`Ann Local <ann@local.invalid>|${head}`)
    expect(r.git('status', '--porcelain')).toBe('')
    // Over there: a bare cache, and the task's worktree, kept like a local one until its result is landed or discarded.
    const flotillaDir = `${machine.home}/.flotilla`
    // Only this repository's cache is left: the old one was pruned.
    expect((await sh(machine.exec, `ls ${flotillaDir}/repos`)).trim()).toMatch(/^flotilla-remote-tasks-repo-.*\.git$/)
    expect((await sh(machine.exec, `ls ${flotillaDir}/worktrees/*/`)).split('\n')).toContain(done!.id)
    expect(await sh(machine.exec, `find ${machine.home} -name a.txt -not -path '*/.flotilla/repos/*' -not -path '${done!.result!.worktree}/*' | wc -l`)).toBe('0\n')
    // opencode's snapshot of that worktree there (seeded before the first prompt: see remoteSnapshot.test.ts) borrows the cache's objects, and goes with the worktree.
    const snapshotsOf = async (worktree: string) =>
      (await sh(machine.exec, `for c in ${machine.home}/.flotilla/servers/box.demo/data/opencode/snapshot/*/*/config; do grep -qxF -- "$(printf '\\tworktree = %s' ${quoteWord(worktree)})" "$c" && dirname "$c"; done; true`)).split('\n').filter(Boolean)
    const [seeded] = await snapshotsOf(done!.result!.worktree!)
    expect(seeded).toBeDefined()
    expect((await sh(machine.exec, `cat ${quoteWord(`${seeded}/objects/info/alternates`)}`)).trim()).toMatch(/\/\.flotilla\/repos\/.*\.git\/objects$/)
    const firstBytes = Number(/\((\d+) bytes sent\)/.exec(h.engine.outputs.get(done!.id))?.[1])
    expect(firstBytes).toBeGreaterThan(100_000)

    // A new commit here: the second task to that host sends only what is new.
    r.write('b.txt', 'b\n')
    r.commitAll('second')
    const [second] = await h.submit([{ prompt: write('again.txt', 'again\n'), workspace: { repo: r.root } }])
    const [again] = await h.waitTasks([second!.id], 120_000)
    expect(again!.state).toBe('completed')
    const secondBytes = Number(/\((\d+) bytes sent\)/.exec(h.engine.outputs.get(again!.id))?.[1])
    console.log(`remote workspace: first task sent ${firstBytes} bytes, the second ${secondBytes} (${((secondBytes / firstBytes) * 100).toFixed(2)} %)`)
    expect(secondBytes).toBeLessThanOrEqual(firstBytes * 0.05)
    expect(r.git('show', `flotilla/${again!.id}:b.txt`)).toBe('b')
    // A follow-up goes on in the same session there: the worktree is made again on the branch, in the same folder.
    const follow = await h.client['tasks.followUp']({ id: again!.id, prompt: write('again2.txt', 'more\n') })
    const [followed] = await h.waitTasks([follow.id], 120_000)
    expect(followed!.state).toBe('completed')
    expect(followed!.sessionId).toBe(again!.sessionId)
    expect(r.git('log', '--format=%P', '-1', followed!.result!.headSha!)).toBe(again!.result!.headSha)
    expect(r.git('show', `${again!.result!.branch}:again2.txt`)).toBe('more')
    expect(r.git('show', `${again!.result!.branch}:again.txt`)).toBe('again')
    // Landing works the same for it.
    const landed = await h.client['tasks.land']({ id: done!.id })
    expect(landed.result!.land!.status).toBe('landed')
    expect(await snapshotsOf(done!.result!.worktree!)).toEqual([])
    expect(existsSync(join(r.root, 'remote.txt'))).toBe(true)
  }, 300_000)

  it('a task that changes nothing there leaves no branch here once discarded; --copy reaches the worktree there and stays out of the result', async () => {
    const [task] = await h.submit([{ prompt: '@reply nothing', workspace: { repo: r.root } }])
    const [done] = await h.waitTasks([task!.id], 120_000)
    expect(done!.state).toBe('completed')
    expect(done!.result!.headSha).toBeUndefined()
    await h.client['tasks.discard']({ id: done!.id })
    expect(r.git('branch', '--list', `flotilla/${done!.id}`)).toBe('')
    // Where the local config signs commits, the result made over there is made again here, signed (the key never leaves).
    signCommits(r)
    const [signedTask] = await h.submit([{ prompt: write('signed.txt', 's\n'), workspace: { repo: r.root } }])
    const [signed] = await h.waitTasks([signedTask!.id], 120_000)
    expect(signed!.state).toBe('completed')
    expect(r.git('rev-parse', signed!.result!.branch!)).toBe(signed!.result!.headSha)
    expect(() => r.git('verify-commit', signed!.result!.headSha!)).not.toThrow()
    expect(r.git('show', `${signed!.result!.headSha}:signed.txt`)).toBe('s')
    expect(await sh(machine.exec, `find ${machine.home} -name 'test-signing-key*' | wc -l`)).toBe('0\n')
    r.git('config', 'commit.gpgSign', 'false')
    r.write('.env', 'K=v\n')
    // --copy reaches the worktree there (verify reads it on that machine) and is never part of the result.
    const [copy] = await h.submit([{ prompt: '@reply x', workspace: { repo: r.root, copy: ['.env'], verify: 'cat .env' }, maxAttempts: 1 }])
    const [copied] = await h.waitTasks([copy!.id], 60_000)
    expect(copied!.state).toBe('completed')
    expect(copied!.result!.verify).toMatchObject({ passed: true, output: 'K=v' })
    expect(copied!.result!.headSha).toBeUndefined()
  }, 200_000)
})
