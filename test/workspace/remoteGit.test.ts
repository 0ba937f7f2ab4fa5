import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalGit } from '../../core/workspace/git'
import { quoteWord, RemoteGit, RemoteGitError } from '../../core/workspace/remote/remoteGit'
import { addRemoteWorktree, commitRemoteResult, fetchResult, remoteCacheRepo, remoteWorktreePath, removeRemoteWorktree, repoKey, requireGit, shipCommit, type RemoteCache } from '../../core/workspace/remote/shipping'
import { waitFor } from '../support/waitFor'
import { makeRepo, type TestRepo } from './gitRepo'
import { addRemoteUser, emptyBin, makeNetwork, remoteMachineMissing, sh, startRemoteMachine, type Network, type RemoteMachine, type RemoteUser } from './remoteMachine'

// RemoteGit and the exec under it on a real sshd (another Unix user, in a network namespace):
// quoting of hostile strings, a machine without git, timeouts and output limits.

const skip = remoteMachineMissing('the remote git tests')

let network: Network
let user: RemoteUser
let machine: RemoteMachine
let noGit: RemoteMachine
let bin: { path: string; remove(): void }
let repo: TestRepo
let cache: RemoteCache

const HOSTILE = [
  "it's",
  '"double" and \'single\'',
  '$(touch "$HOME/pwned-1")',
  '`touch "$HOME/pwned-2"`',
  'one\ntwo\n',
  '-rf',
  '--upload-pack=touch pwned-3',
  '; touch "$HOME/pwned-4" #',
  'back\\slash\\\\',
  '$HOME ${HOME} $((1+1))',
  '* ?',
  ' spaced  ',
  'tab\there',
  'ünïcödé ✓',
  '!history',
  "'''",
  '',
]

beforeAll(async () => {
  if (skip) return
  network = await makeNetwork()
  user = addRemoteUser()
  bin = emptyBin()
  machine = await startRemoteMachine(network, user.name)
  noGit = await startRemoteMachine(network, user.name, { path: bin.path })
  repo = makeRepo('flotilla-remote-git-')
  cache = await remoteCacheRepo(machine.exec, repoKey(repo.root))
}, 120_000)

afterAll(async () => {
  await Promise.all([machine?.close(), noGit?.close()])
  user?.remove()
  await network?.remove()
  bin?.remove()
  repo?.remove()
}, 60_000)

/** Processes here (the "remote" shares this kernel) whose command line is exactly `argv`. */
const running = (argv: string[]) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `${argv.join('\0')}\0`
      } catch {
        return false
      }
    })

describe('quoteWord', () => {
  it('single-quotes every word and refuses a NUL', () => {
    expect(quoteWord("it's")).toBe(`'it'\\''s'`)
    expect(quoteWord('')).toBe(`''`)
    expect(quoteWord('-rf')).toBe(`'-rf'`)
    expect(() => quoteWord('a\0b')).toThrow(/without NUL bytes/)
  })
})

describe.skipIf(skip)('remote git over SSH', () => {
  it('hostile strings reach the remote program as one argument each, and run nothing', async () => {
    const echoed = await sh(machine.exec, `printf '%s\\0' ${HOSTILE.map(quoteWord).join(' ')}`)
    expect(echoed.split('\0').slice(0, -1)).toEqual(HOSTILE)
    // Through git, in a worktree: files named so, added by name and listed back; a hostile identity and subject in the commit.
    const base = repo.git('rev-parse', 'HEAD')
    await shipCommit(new LocalGit(), repo.root, machine.exec, { cacheRepo: cache.repo, commit: base })
    const path = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: remoteWorktreePath(cache, 'task-q'), commit: base, branch: 'flotilla/task-q' })
    try {
      const names = HOSTILE.filter((n) => n !== '' && !n.includes('/'))
      for (const name of names) await sh(machine.exec, `cd ${quoteWord(path)} && printf x > ./${quoteWord(name)}`)
      const git = new RemoteGit(machine.exec, path)
      await git.run(['add', '--', ...names])
      const listed = (await git.run(['ls-files', '-z', '--', ...names])).stdout.split('\0').slice(0, -1)
      expect(listed.sort()).toEqual([...names].sort())
      const identity = { name: `Ann "$(touch pwned-5)" O'Neil \`id\``, email: "ann+$(id)@local.invalid" }
      const { commit } = await commitRemoteResult(machine.exec, { worktree: path, parent: base, subject: '$(touch pwned-6) `id` \'quoted\'', trailers: { 'Flotilla-Task': "task-q'; id" }, identity })
      await fetchResult(new LocalGit(), repo.root, machine.exec, { cacheRepo: cache.repo, commit: commit!, base, localRef: 'refs/heads/flotilla/task-q', maxBytes: 1_000_000 })
      expect(repo.git('log', '-1', '--format=%an|%ae|%s', 'flotilla/task-q')).toBe(`${identity.name}|${identity.email}|$(touch pwned-6) \`id\` 'quoted'`)
      expect(repo.git('ls-tree', '-z', '--name-only', 'flotilla/task-q').split('\0').filter((n) => names.includes(n)).sort()).toEqual([...names].sort())
      expect((await sh(machine.exec, `find "$HOME" -name 'pwned-*'`)).trim()).toBe('')
    } finally {
      await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, branch: 'flotilla/task-q' })
    }
  }, 120_000)

  it('refuses a bad variable name, a relative folder and a NUL before anything runs', async () => {
    const git = new RemoteGit(machine.exec)
    await expect(git.run(['--version'], { env: { 'A;touch pwned': '1' } })).rejects.toThrow(/expected an environment variable name, got "A;touch pwned"/)
    await expect(git.run(['status'], { cwd: 'relative/folder' })).rejects.toThrow(/expected an absolute folder on the remote machine/)
    await expect(git.run(['hash-object', 'a\0b'])).rejects.toThrow(/without NUL bytes/)
    const local = new LocalGit()
    await expect(shipCommit(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: 'HEAD; id' })).rejects.toThrow(/expected a full commit SHA for the commit to ship, got "HEAD; id"/)
    await expect(shipCommit(local, repo.root, machine.exec, { cacheRepo: '/etc', commit: 'a'.repeat(40) })).rejects.toThrow(/expected a Flotilla cache repository path/)
    const sha = repo.git('rev-parse', 'HEAD')
    for (const localRef of ['flotilla/x', '--upload-pack=id', 'refs/heads/a..b']) {
      await expect(fetchResult(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: sha, base: sha, localRef, maxBytes: 1 }), localRef).rejects.toThrow(/expected a full ref name for the result/)
    }
    expect((await sh(machine.exec, `find "$HOME" -name 'pwned*'`)).trim()).toBe('')
  })

  it('a machine without git: a clear error naming the host, before anything is made there', async () => {
    await expect(remoteCacheRepo(noGit.exec, 'some-repo')).rejects.toThrow(`expected git on ${user.name}@remote-box (to make the task's worktree there), got none on the PATH of an SSH session: install git there`)
    await expect(requireGit(noGit.exec)).rejects.toThrow(/install git there/)
    const error = await new RemoteGit(noGit.exec, '/tmp').run(['status']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteGitError)
    expect((error as RemoteGitError).code).toBe('ENOENT')
    expect((error as RemoteGitError).message).toMatch(new RegExp(`^${user.name}@remote-box: git status failed: git is not installed there`))
    expect((await noGit.exec.run('cd "$HOME" && echo *')).stdout.toString().trim()).not.toContain('.flotilla')
    expect((await noGit.exec.run('test -e "$HOME/.flotilla"')).code).not.toBe(0)
    // The same machine with git says its version.
    expect(await requireGit(machine.exec)).toMatch(/^git version \d+\.\d+/)
  })

  it('a command over its time limit is killed there and rejects; git over its limit is a RemoteGitError naming the host', async () => {
    const started = Date.now()
    await expect(machine.exec.run('exec sleep 41.517', { timeoutMs: 400 })).rejects.toThrow(/did not finish within 400 ms/)
    expect(Date.now() - started).toBeLessThan(5_000)
    await waitFor('the remote sleep to be killed', () => running(['sleep', '41.517']).length === 0 || undefined, { timeoutMs: 5_000 })
    const error = await new RemoteGit(machine.exec).run(['-c', 'alias.wait=!sleep 42.517', 'wait'], { timeoutMs: 400 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteGitError)
    expect((error as RemoteGitError).code).toBe('timeout')
    expect((error as RemoteGitError).message).toMatch(new RegExp(`^${user.name}@remote-box: git -c alias.wait=!sleep 42.517 failed: no answer within 400 ms$`))
    // The KILL goes to the session's process group: git's own child (the alias's shell and sleep) too.
    await waitFor('the remote git and its child to be killed', () => running(['sleep', '42.517']).length === 0 || undefined, { timeoutMs: 5_000 })
  }, 30_000)

  it('output over maxBytes is refused while it arrives, not after (an endless producer)', async () => {
    const started = Date.now()
    await expect(machine.exec.run('exec yes flotilla', { maxBytes: 100_000, timeoutMs: 20_000 })).rejects.toThrow(/expected at most 100000 bytes of output, got more/)
    expect(Date.now() - started).toBeLessThan(10_000)
    await waitFor('the remote yes to be killed', () => running(['yes', 'flotilla']).length === 0 || undefined, { timeoutMs: 5_000 })
    const binary = await machine.exec.run(`printf '\\000\\377\\001'`)
    expect([...binary.stdout]).toEqual([0, 255, 1])
  }, 30_000)
})
