import { createServer, type AddressInfo, type Server } from 'node:net'
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalGit } from '../../core/workspace/git'
import { localIdentity } from '../../core/workspace/repo'
import { touchLastUsed } from '../../core/workspace/remote/cache'
import { quoteWord, RemoteGit } from '../../core/workspace/remote/remoteGit'
import { addRemoteWorktree, commitRemoteResult, fetchResult, pruneRemoteCaches, remoteCacheRepo, remoteWorktreePath, removeRemoteWorktree, repoKey, shipCommit, type RemoteCache } from '../../core/workspace/remote/shipping'
import { makeRepo, type TestRepo } from './gitRepo'
import { addRemoteUser, localState, makeNetwork, noise, remoteMachineMissing, sh, startRemoteMachine, type Network, type RemoteMachine, type RemoteUser } from './remoteMachine'

// The remote half of task workspaces on real parts: OpenSSH's sshd in a network namespace,
// logged in to as another Unix user (see remoteMachine.ts), git on both sides.

const skip = remoteMachineMissing('the remote workspace tests')

/** Hooks and signing the remote user's own git config asks for: none of it may run or count. */
const REMOTE_GITCONFIG = (home: string) => `[user]
\tname = Remote Rita
\temail = rita@remote.invalid
[commit]
\tgpgsign = true
[gpg]
\tprogram = ${home}/fake-gpg
[core]
\thooksPath = ${home}/hooks
[init]
\ttemplateDir = ${home}/template
`
const HOOKS = ['post-checkout', 'pre-commit', 'post-commit', 'reference-transaction', 'post-index-change']

let network: Network
let user: RemoteUser
let machine: RemoteMachine
let repo: TestRepo
let cache: RemoteCache
const local = new LocalGit()
let base: string

/** Local temp files of ours that exist now (each test checks it leaves none). */
const ourTemps = () => readdirSync(tmpdir()).filter((name) => /^flotilla-(ship|result)-/.test(name)).sort()

beforeAll(async () => {
  if (skip) return
  network = await makeNetwork()
  user = addRemoteUser()
  machine = await startRemoteMachine(network, user.name, { gitconfig: REMOTE_GITCONFIG })
  // The remote user's hooks and gpg would leave a marker if they ever ran.
  await sh(machine.exec, `cd "$HOME" && mkdir -p hooks template/hooks && for h in ${HOOKS.join(' ')}; do printf '#!/bin/sh\\ntouch "$HOME/ran-%s"\\n' "$h" "$h" | tee "hooks/$h" > "template/hooks/$h"; chmod +x "hooks/$h" "template/hooks/$h"; done && printf '#!/bin/sh\\ntouch "$HOME/ran-gpg"\\nexit 1\\n' > fake-gpg && chmod +x fake-gpg`)
  const files: Record<string, string> = { 'README.md': 'hello\n', '.gitignore': 'ignored/\n' }
  for (let i = 0; i < 40; i++) files[`data/file-${i}.txt`] = noise(64)
  repo = makeRepo('flotilla-remote-src-', files)
  base = repo.git('rev-parse', 'HEAD')
  cache = await remoteCacheRepo(machine.exec, repoKey(repo.root))
}, 120_000)

afterAll(async () => {
  // The machine's folder (its HOME with ~/.flotilla) goes with it; then the user and the namespace.
  await machine?.close()
  user?.remove()
  await network?.remove()
  repo?.remove()
}, 60_000)

describe.skipIf(skip)('remote task workspaces over SSH', () => {
  it('the remote machine is another user who cannot read the local repository, and cannot reach our loopback', async () => {
    const whoami = await sh(machine.exec, 'id -un')
    expect(whoami.trim()).toBe(user.name)
    const readable = await machine.exec.run(`test -r ${quoteWord(join(repo.root, 'README.md'))}`)
    expect(readable.code).not.toBe(0)
    const listener: Server = createServer((socket) => socket.destroy())
    let connections = 0
    listener.on('connection', () => connections++)
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    try {
      const port = (listener.address() as AddressInfo).port
      const probe = await machine.exec.run(`git ls-remote git://127.0.0.1:${port}/x`, { timeoutMs: 20_000 })
      expect(probe.code).not.toBe(0)
      expect(connections).toBe(0)
    } finally {
      listener.close()
    }
  })

  it('ships the base, makes the worktree there, commits the result with the local identity and brings the branch back', async () => {
    const temps = ourTemps()
    // The user's own hook sees every ref the transfer changes in their repository: only the result's, at the end.
    const refLog = join(repo.root, '.git', 'ref-log')
    writeFileSync(join(repo.root, '.git', 'hooks', 'reference-transaction'), `#!/bin/sh\n[ "$1" = committed ] && while read old new ref; do echo "$ref" >> '${refLog}'; done\nexit 0\n`)
    chmodSync(join(repo.root, '.git', 'hooks', 'reference-transaction'), 0o755)
    const refsChanged = () => (existsSync(refLog) ? readFileSync(refLog, 'utf8').trim().split('\n') : [])
    const shipped = await shipCommit(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: base })
    expect(shipped.skipped).toBe(false)
    expect(shipped.bytes).toBeGreaterThan(1_000_000)
    expect(refsChanged()).toEqual([])
    const path = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: `~/.flotilla/worktrees/${cache.key}/task-1`, commit: base, branch: 'flotilla/task-1' })
    try {
      expect(path).toBe(remoteWorktreePath(cache, 'task-1'))
      expect(path.startsWith(`${machine.home}/.flotilla/worktrees/`)).toBe(true)
      // What the agent did there: a new file, a changed one, a deleted one, an ignored one and a --copy file.
      await sh(machine.exec, `cd ${quoteWord(path)} && printf 'made remotely\\n' > result.txt && printf 'hello again\\n' > README.md && rm data/file-0.txt && mkdir ignored && echo x > ignored/junk && echo SECRET=1 > .env`)
      const identity = await localIdentity(local, repo.root)
      const result = await commitRemoteResult(machine.exec, { worktree: path, parent: base, subject: 'Write result.txt', trailers: { 'Flotilla-Task': 'task-1', 'Flotilla-Server': 'remote-box' }, identity, leaveOut: ['.env'] })
      expect(result.commit).toMatch(/^[0-9a-f]{40}$/)
      const remoteHead = (await new RemoteGit(machine.exec, path).run(['rev-parse', 'HEAD'])).stdout.trim()
      expect(remoteHead).toBe(result.commit)

      const fetched = await fetchResult(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: result.commit!, base, localRef: 'refs/heads/flotilla/task-1', maxBytes: 1_000_000 })
      expect(refsChanged()).toEqual(['refs/heads/flotilla/task-1'])
      rmSync(join(repo.root, '.git', 'hooks', 'reference-transaction'))
      expect(fetched.bytes).toBeGreaterThan(0)
      expect(fetched.bytes).toBeLessThan(10_000)
      console.log(`result bundle back from the remote: ${fetched.bytes} bytes`)
      expect(repo.git('rev-parse', 'flotilla/task-1')).toBe(result.commit)
      expect(repo.git('log', '-1', '--format=%an <%ae>|%cn <%ce>|%P|%G?', 'flotilla/task-1')).toBe(`Ann Local <ann@local.invalid>|Ann Local <ann@local.invalid>|${base}|N`)
      expect(repo.git('log', '-1', '--format=%B', 'flotilla/task-1').trimEnd()).toBe('Write result.txt\n\nFlotilla-Task: task-1\nFlotilla-Server: remote-box')
      expect(repo.git('show', 'flotilla/task-1:result.txt')).toBe('made remotely')
      expect(repo.git('show', 'flotilla/task-1:README.md')).toBe('hello again')
      expect(repo.git('diff', '--name-status', base, 'flotilla/task-1').split('\n').sort()).toEqual(['A\tresult.txt', 'D\tdata/file-0.txt', 'M\tREADME.md'])
      // The local checkout is as it was, and none of the temporary refs or files of the transfer is left.
      expect(repo.git('status', '--porcelain')).toBe('')
      expect(repo.git('symbolic-ref', 'HEAD')).toBe('refs/heads/main')
      expect(repo.git('for-each-ref', '--format=%(refname)')).toBe('refs/heads/flotilla/task-1\nrefs/heads/main')
      expect(ourTemps()).toEqual(temps)

      // There: only the bare cache and the worktree (no checkout of the repository), nothing left over from the transfers.
      const git = new RemoteGit(machine.exec, cache.repo)
      expect((await git.run(['rev-parse', '--is-bare-repository'])).stdout.trim()).toBe('true')
      expect((await git.run(['for-each-ref', '--format=%(refname)'])).stdout.trim().split('\n')).toEqual([`refs/flotilla/bases/${base}`, 'refs/heads/flotilla/task-1'])
      expect((await git.run(['config', 'gc.auto'])).stdout.trim()).toBe('0')
      const readmes = await sh(machine.exec, `find "$HOME" -name README.md | sort`)
      expect(readmes.trim()).toBe(`${path}/README.md`)
      expect((await sh(machine.exec, `ls -A ${quoteWord(cache.repo)} | grep incoming || true`)).trim()).toBe('')
      expect((await sh(machine.exec, `test -f ${quoteWord(`${path}/.git`)} && echo file`)).trim()).toBe('file')
      // The remote user's config played no part: no hook ran, no gpg was asked, their .gitconfig is as it was.
      expect((await sh(machine.exec, 'ls "$HOME" | grep "^ran-" || true')).trim()).toBe('')
      expect(await sh(machine.exec, 'cat "$HOME/.gitconfig"')).toBe(REMOTE_GITCONFIG(machine.home))
      // The control: the user's own `git commit` there does run their hooks and gpg (so the markers above mean something).
      const own = await machine.exec.run('d=$(mktemp -d) && cd "$d" && git init -q && git commit -q --allow-empty -m x; status=$?; rm -rf "$d"; exit $status')
      expect(own.code).not.toBe(0)
      expect((await sh(machine.exec, 'ls "$HOME" | grep "^ran-"; rm -f "$HOME"/ran-*')).trim().split('\n')).toEqual(expect.arrayContaining(['ran-gpg', 'ran-pre-commit']))
    } finally {
      await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, branch: 'flotilla/task-1' })
    }
  }, 120_000)

  it('a second ship of a descendant commit sends only the new objects; a third of the same sends nothing', async () => {
    const first = await shipCommit(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: base }).catch(() => undefined)
    expect(first?.skipped).toBe(true)
    // Measured against the first ship of the same repository into a fresh cache.
    const fresh = await remoteCacheRepo(machine.exec, `${cache.key}-fresh`)
    try {
      const full = await shipCommit(local, repo.root, machine.exec, { cacheRepo: fresh.repo, commit: base })
      repo.write('data/file-1.txt', `${noise(1)}one more line\n`)
      repo.write('new.txt', 'new\n')
      const next = repo.commitAll('second')
      const incremental = await shipCommit(local, repo.root, machine.exec, { cacheRepo: fresh.repo, commit: next })
      console.log(`first ship: ${full.bytes} bytes; second ship (one commit more): ${incremental.bytes} bytes (${((100 * incremental.bytes) / full.bytes).toFixed(2)} %)`)
      expect(incremental.skipped).toBe(false)
      expect(incremental.bytes).toBeLessThanOrEqual(full.bytes * 0.05)
      const again = await shipCommit(local, repo.root, machine.exec, { cacheRepo: fresh.repo, commit: next })
      expect(again).toEqual({ bytes: 0, skipped: true })
      const refs = (await new RemoteGit(machine.exec, fresh.repo).run(['for-each-ref', '--format=%(refname)'])).stdout.trim().split('\n')
      expect(refs.sort()).toEqual([`refs/flotilla/bases/${base}`, `refs/flotilla/bases/${next}`].sort())
      expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/flotilla/')).toBe('')
    } finally {
      await sh(machine.exec, `rm -rf -- ${quoteWord(fresh.repo)}`)
    }
  }, 120_000)

  it('a corrupt bundle, one over the limit and one that would not fast-forward are refused, and change nothing here', async () => {
    await shipCommit(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: base })
    const path = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: remoteWorktreePath(cache, 'task-2'), commit: base, branch: 'flotilla/task-2' })
    try {
      await sh(machine.exec, `cd ${quoteWord(path)} && cat > big.txt`, noise(200))
      const { commit } = await commitRemoteResult(machine.exec, { worktree: path, parent: base, subject: 'big', trailers: {}, identity: { name: 'Ann Local', email: 'ann@local.invalid' } })
      const localRef = 'refs/heads/flotilla/task-2'
      const request = { cacheRepo: cache.repo, commit: commit!, base, localRef, maxBytes: 10_000_000 }
      const before = localState(repo)
      const temps = ourTemps()
      const corruptions: Record<string, (b: Buffer) => Buffer> = {
        'a flipped byte in the pack': (b) => Buffer.from(b).fill(b[b.length >> 1]! ^ 0xff, b.length >> 1, (b.length >> 1) + 1),
        'a flipped byte in the checksum': (b) => Buffer.from(b).fill(b[b.length - 1]! ^ 0xff, b.length - 1),
        'a truncated pack': (b) => b.subarray(0, b.length - 100),
        'not a bundle at all': () => Buffer.from('<html>proxy error</html>\n'),
      }
      for (const [what, transform] of Object.entries(corruptions)) {
        await expect(fetchResult(local, repo.root, machine.exec, { ...request, transform }), what).rejects.toThrow(/refused the result [0-9a-f]{12} from flt-r[0-9a-f]+@remote-box .*nothing changed here: the bundle does not check out/)
        expect(localState(repo), what).toEqual(before)
      }
      // Over the limit: refused while it arrives (git there is killed), whatever it would have been.
      await expect(fetchResult(local, repo.root, machine.exec, { ...request, maxBytes: 50_000 })).rejects.toThrow(/refused the result [0-9a-f]{12} from flt-r[0-9a-f]+@remote-box, nothing changed here: its bundle is larger than the limit of 50000 bytes/)
      expect(localState(repo)).toEqual(before)
      // A local branch of that name elsewhere: not moved, and the objects do not come in either.
      const elsewhere = repo.git('rev-parse', 'main')
      repo.git('update-ref', localRef, elsewhere)
      const withRef = localState(repo)
      await expect(fetchResult(local, repo.root, machine.exec, request)).rejects.toThrow(/expected refs\/heads\/flotilla\/task-2 to be new or an ancestor of the result/)
      expect(localState(repo)).toEqual(withRef)
      repo.git('update-ref', '-d', localRef)
      expect(ourTemps()).toEqual(temps)
      // The same result, untouched, comes in.
      const fetched = await fetchResult(local, repo.root, machine.exec, request)
      expect(fetched.bytes).toBeGreaterThan(50_000)
      expect(repo.git('rev-parse', localRef)).toBe(commit)
      expect(repo.git('fsck', '--no-progress', '--connectivity-only')).toBe('')
    } finally {
      await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, branch: 'flotilla/task-2' })
    }
  }, 120_000)

  it('removeRemoteWorktree leaves nothing: a live worktree, one git forgot, a half-made folder; paths outside are refused', async () => {
    const git = new RemoteGit(machine.exec, cache.repo)
    const listed = async () => (await git.run(['worktree', 'list', '--porcelain'])).stdout.split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9))
    const path = remoteWorktreePath(cache, 'task-r')
    const exists = async (p: string) => (await sh(machine.exec, `test -e ${quoteWord(p)} && echo yes || echo no`)).trim() === 'yes'
    await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, commit: base, branch: 'flotilla/task-r' })
    await sh(machine.exec, `cd ${quoteWord(path)} && echo junk > untracked.txt && echo changed > README.md`)
    // An earlier attempt's worktree is replaced by a fresh one.
    await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, commit: base, branch: 'flotilla/task-r' })
    expect(await exists(`${path}/untracked.txt`)).toBe(false)
    expect(await listed()).toEqual([cache.repo, path])
    await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, branch: 'flotilla/task-r' })
    expect(await exists(path)).toBe(false)
    expect(await exists(`${cache.root}/worktrees/${cache.key}`)).toBe(false)
    expect(await listed()).toEqual([cache.repo])
    expect((await git.run(['for-each-ref', '--format=%(refname)', 'refs/heads/'])).stdout).toBe('')
    // Its folder removed behind git's back: git forgets it.
    await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, commit: base, branch: 'flotilla/task-r' })
    await sh(machine.exec, `rm -rf ${quoteWord(path)}`)
    await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path })
    expect(await listed()).toEqual([cache.repo])
    // A folder git never knew (a crash mid-add): it goes.
    await sh(machine.exec, `mkdir -p ${quoteWord(path)}/deep && echo x > ${quoteWord(path)}/deep/file`)
    await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path })
    expect(await exists(path)).toBe(false)
    for (const outside of [`${machine.home}/precious`, `${cache.root}/worktrees/../repos`, `${cache.root}/worktrees/`, 'relative/path']) {
      await sh(machine.exec, `mkdir -p "$HOME/precious"`)
      await expect(removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: outside }), outside).rejects.toThrow(/expected a worktree path inside/)
      expect(await exists(cache.repo)).toBe(true)
      expect(await exists(`${machine.home}/precious`)).toBe(true)
    }
  }, 120_000)

  it('prunes caches unused for maxAgeDays (with their worktrees) and collects garbage in kept ones over maxBytes; dryRun only says', async () => {
    const now = Date.now()
    const old = await remoteCacheRepo(machine.exec, 'prune-old')
    await touchLastUsed(machine.exec, old.repo, now - 40 * 86_400_000)
    await sh(machine.exec, `mkdir -p ${quoteWord(`${old.root}/worktrees/prune-old/task-x`)}`)
    const big = await remoteCacheRepo(machine.exec, 'prune-big')
    await shipCommit(local, repo.root, machine.exec, { cacheRepo: big.repo, commit: base })
    const bigGit = new RemoteGit(machine.exec, big.repo)
    const garbage = (await bigGit.run(['hash-object', '-w', '--stdin'], { input: noise(300) })).stdout.trim()
    const exists = async (p: string) => (await sh(machine.exec, `test -e ${quoteWord(p)} && echo yes || echo no`)).trim() === 'yes'
    const hasObject = async () => (await bigGit.run(['cat-file', '-e', garbage], { okCodes: [1, 128] })).code === 0
    const options = { maxAgeDays: 30, maxBytes: 1_500_000, now }
    const planned = await pruneRemoteCaches(machine.exec, { ...options, dryRun: true })
    const byKey = (actions: typeof planned) => Object.fromEntries(actions.map((a) => [a.key, a.action]))
    expect(byKey(planned)).toMatchObject({ 'prune-old': 'remove', 'prune-big': 'gc' })
    expect(byKey(planned)[cache.key]).not.toBe('remove')
    expect(planned.find((a) => a.key === 'prune-big')!.bytes).toBeGreaterThan(1_500_000)
    expect(await exists(old.repo)).toBe(true)
    expect(await hasObject()).toBe(true)
    const done = await pruneRemoteCaches(machine.exec, options)
    expect(done).toEqual(planned)
    expect(await exists(old.repo)).toBe(false)
    expect(await exists(`${old.root}/worktrees/prune-old`)).toBe(false)
    expect(await hasObject()).toBe(false)
    // What was shipped stays: a ref of its own keeps it.
    expect((await bigGit.run(['rev-parse', '--verify', `refs/flotilla/bases/${base}^{commit}`])).stdout.trim()).toBe(base)
    expect(await exists(cache.repo)).toBe(true)
    await sh(machine.exec, `rm -rf ${quoteWord(big.repo)}`)
  }, 120_000)
})
