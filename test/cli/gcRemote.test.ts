import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { processStartTime } from '../../core/lib/ownedTempDir'
import { LocalGit } from '../../core/workspace/git'
import { quoteWord } from '../../core/workspace/remote/remoteGit'
import { addRemoteWorktree, remoteCacheRepo, remoteWorktreePath, removeRemoteWorktree, repoKey, shipCommit, type RemoteCache } from '../../core/workspace/remote/shipping'
import { runCli, type CliRun } from '../support/cli'
import { knownHostsLine } from '../support/sshd'
import { makeRepo, type TestRepo } from '../workspace/gitRepo'
import { addRemoteUser, makeNetwork, remoteMachineMissing, sh, startRemoteMachine, type Network, type RemoteMachine, type RemoteUser } from '../workspace/remoteMachine'

// `flotilla gc` over SSH through the real CLI: a real sshd in a network namespace, logged in to
// as another Unix user, holding a crashed run's worktree, a live process's and another machine's.

const skip = remoteMachineMissing('the remote gc tests')

let network: Network
let user: RemoteUser
let machine: RemoteMachine
let repo: TestRepo
let cache: RemoteCache
let home: string
let flotillaHome: string
const running: CliRun[] = []
const children: ChildProcess[] = []
const made: string[] = []

beforeAll(async () => {
  if (skip) return
  network = await makeNetwork()
  user = addRemoteUser()
  machine = await startRemoteMachine(network, user.name)
  home = mkdtempSync(join(tmpdir(), 'flotilla-gc-home-'))
  flotillaHome = join(home, 'flotilla')
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  writeFileSync(join(home, '.ssh', 'config'), `Host box\n  HostName ${machine.sshd.host}\n  Port ${machine.sshd.port}\n  User ${user.name}\n  IdentityFile ${machine.sshd.userKey}\n`)
  repo = makeRepo('flotilla-gc-remote-', { 'a.txt': 'a\n' })
  cache = await remoteCacheRepo(machine.exec, repoKey(repo.root))
  await shipCommit(new LocalGit(), repo.root, machine.exec, { cacheRepo: cache.repo, commit: repo.git('rev-parse', 'HEAD') })
}, 120_000)

afterEach(async () => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const path of made.splice(0)) await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path }).catch(() => {})
})

afterAll(async () => {
  await machine?.close()
  user?.remove()
  await network?.remove()
  repo?.remove()
  if (home) rmSync(home, { recursive: true, force: true })
}, 60_000)

function gc(args: string[]): CliRun {
  // HOME: the test's ~/.ssh (config, known_hosts); no agent from outside; a Flotilla home of its own.
  const run = runCli(['gc', ...args], { cwd: home, env: { HOME: home, SSH_AUTH_SOCK: '', FLOTILLA_HOME: flotillaHome } })
  running.push(run)
  return run
}

async function worktree(name: string, owner: { machine: string; pid: number; startedAt?: string }): Promise<string> {
  const path = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: remoteWorktreePath(cache, name), commit: repo.git('rev-parse', 'HEAD'), branch: `flotilla/${name}`, owner })
  made.push(path)
  return path
}

async function deadOwner() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  const owner = { machine: hostname(), pid: child.pid!, startedAt: processStartTime(child.pid!) }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
  return owner
}

function liveOwner() {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' })
  children.push(child)
  return { machine: hostname(), pid: child.pid!, startedAt: processStartTime(child.pid!) }
}

const exists = async (p: string) => (await sh(machine.exec, `test -e ${quoteWord(p)} && echo yes || echo no`)).trim() === 'yes'
const remoteState = async () => sh(machine.exec, `cd "$HOME/.flotilla" && find . -exec ls -ld {} + | awk '{print $1, $5, $NF}' | sort && git -C ${quoteWord(cache.repo)} for-each-ref && git -C ${quoteWord(cache.repo)} worktree list --porcelain`)

describe.skipIf(skip)('flotilla gc --ssh', () => {
  it('refuses an unknown host key (nothing changed there), lists with --dry-run, removes without; a live owner and another machine are kept', async () => {
    const dead = await worktree('crashed-task', await deadOwner())
    const live = await worktree('running-task', liveOwner())
    const other = await worktree('foreign-task', { ...(await deadOwner()), machine: 'elsewhere' })
    const before = await remoteState()

    const refused = gc(['--ssh', 'box'])
    expect(await refused.exited).toBe(1)
    expect(refused.stderr()).toMatch(/could not reach box: .*unknown host key ssh-ed25519 SHA256:\S+.*--accept-new-host-key/)
    expect(existsSync(join(home, '.ssh', 'known_hosts'))).toBe(false)
    expect(await remoteState()).toBe(before)

    const listed = gc(['--dry-run', '--ssh', 'box', '--accept-new-host-key'])
    expect(await listed.exited, listed.stderr()).toBe(0)
    const out = listed.stdout()
    expect(out).toMatch(new RegExp(`would remove box:${dead.replace(/[.]/g, '\\.')} \\(worktree of ${cache.key}\\) and its branch there \\(\\d+ KiB\\): the process that made it \\(pid \\d+ on .*this machine\\) is gone`))
    expect(out).not.toContain(live)
    expect(out).not.toContain(other)
    expect(out).toContain('box: 1 leftover worktree would be removed, 0 caches would be removed, 0 would be garbage-collected.')
    expect(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8')).toContain(knownHostsLine(machine.sshd))
    expect(await remoteState()).toBe(before)

    const done = gc(['--ssh', 'box'])
    expect(await done.exited, done.stderr()).toBe(0)
    expect(done.stdout()).toContain(`removed box:${dead} (worktree of ${cache.key}) and its branch there`)
    expect(await exists(dead)).toBe(false)
    expect(await exists(`${dead}.owner.json`)).toBe(false)
    expect(await sh(machine.exec, `git -C ${quoteWord(cache.repo)} branch --list 'flotilla/*'`)).not.toContain('crashed-task')
    for (const kept of [live, other]) expect(await exists(kept), kept).toBe(true)
  }, 120_000)

  it('without --ssh, visits the SSH servers saved in the settings file (read only); --local-only does not', async () => {
    const dead = await worktree('saved-crashed', await deadOwner())
    mkdirSync(flotillaHome, { recursive: true })
    const settings = { servers: [{ kind: 'ssh', id: 'saved', name: 'saved-box', capacity: 1, host: 'box', remoteDirectory: '~' }, { kind: 'ssh', id: 'broken', name: 'bad', host: 'with space' }] }
    writeFileSync(join(flotillaHome, 'config.json'), JSON.stringify(settings))
    const written = readFileSync(join(flotillaHome, 'config.json'), 'utf8')
    const listed = gc(['--dry-run'])
    expect(await listed.exited, listed.stderr()).toBe(0)
    expect(listed.stdout()).toContain(`would remove saved-box:${dead} (worktree of ${cache.key})`)
    expect(readFileSync(join(flotillaHome, 'config.json'), 'utf8')).toBe(written)
    const localOnly = gc(['--dry-run', '--local-only'])
    expect(await localOnly.exited, localOnly.stderr()).toBe(0)
    expect(localOnly.stdout()).not.toContain('saved-box')
    expect(await exists(dead)).toBe(true)
  }, 60_000)

  it('says what it expected for a bad --ssh, as bad usage', async () => {
    const bad = gc(['--ssh', 'a b'])
    expect(await bad.exited).toBe(2)
    expect(bad.stderr()).toMatch(/--ssh: expected an ssh destination/)
    const both = gc(['--ssh', 'box', '--local-only'])
    expect(await both.exited).toBe(2)
    expect(both.stderr()).toMatch(/--local-only: expected no --ssh with it/)
  }, 30_000)
})
