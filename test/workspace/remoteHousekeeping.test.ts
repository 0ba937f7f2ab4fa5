import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { WorkspacePlan } from '../../core/contract/tasks'
import { processStartTime } from '../../core/lib/ownedTempDir'
import { LocalGit } from '../../core/workspace/git'
import { unpackCopies, planCopies } from '../../core/workspace/remote/copyFiles'
import { RemoteOwner } from '../../core/workspace/remote/owner'
import { quoteWord, RemoteGit, type RemoteExec } from '../../core/workspace/remote/remoteGit'
import { addRemoteWorktree, pruneRemoteCaches, remoteCacheRepo, remoteWorktreePath, removeRemoteWorktree, repoKey, shipCommit, type RemoteCache } from '../../core/workspace/remote/shipping'
import { collectRemote, prepareRemote, runRemoteCommand } from '../../core/workspace/remoteWorkspace'
import { planWorkspace } from '../../core/workspace/workspacePlanner'
import { makeRepo, type TestRepo } from './gitRepo'
import { addRemoteUser, makeNetwork, remoteMachineMissing, sh, startRemoteMachine, type Network, type RemoteMachine, type RemoteUser } from './remoteMachine'

// Housekeeping of the remote ~/.flotilla on real parts (sshd in a network namespace, logged in
// to as another Unix user, real git both sides): owner notes, the sweep of a crashed run's
// worktrees, and --copy into a remote worktree.

const skip = remoteMachineMissing('the remote housekeeping tests')

let network: Network
let user: RemoteUser
let machine: RemoteMachine
let repo: TestRepo
let cache: RemoteCache
let base: string
const local = new LocalGit()
const children: ChildProcess[] = []
/** Remote worktrees a test made (removed after each, whatever happened). */
const made: string[] = []

beforeAll(async () => {
  if (skip) return
  network = await makeNetwork()
  user = addRemoteUser()
  machine = await startRemoteMachine(network, user.name)
  repo = makeRepo('flotilla-remote-house-', { 'README.md': 'hello\n', '.gitignore': 'node_modules/\n', 'tools/keep.txt': 'k\n' })
  base = repo.git('rev-parse', 'HEAD')
  cache = await remoteCacheRepo(machine.exec, repoKey(repo.root))
  await shipCommit(local, repo.root, machine.exec, { cacheRepo: cache.repo, commit: base })
}, 120_000)

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const path of made.splice(0)) await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path }).catch(() => {})
})

afterAll(async () => {
  await machine?.close()
  user?.remove()
  await network?.remove()
  repo?.remove()
}, 60_000)

/** A local process that runs until killed: a live owner. */
function liveProcess(): { pid: number; startedAt?: string } {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' })
  children.push(child)
  return { pid: child.pid!, startedAt: processStartTime(child.pid!) }
}

/** A local process that ran and is gone (its pid and start time, as its note would have said). */
async function deadProcess(): Promise<{ pid: number; startedAt?: string }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  const owner = { pid: child.pid!, startedAt: processStartTime(child.pid!) }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
  return owner
}

async function worktree(name: string, owner?: RemoteOwner): Promise<string> {
  const path = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: remoteWorktreePath(cache, name), commit: base, branch: `flotilla/${name}`, owner })
  made.push(path)
  return path
}

const exists = async (p: string) => (await sh(machine.exec, `test -e ${quoteWord(p)} && echo yes || echo no`)).trim() === 'yes'
const branches = async () => (await new RemoteGit(machine.exec, cache.repo).run(['for-each-ref', '--format=%(refname)', 'refs/heads/'])).stdout.trim().split('\n').filter(Boolean).sort()
/** Everything under the remote ~/.flotilla (names, sizes, modes) and the cache's refs and worktrees: what a dry run must not change. */
const remoteState = async () => ({
  files: await sh(machine.exec, `cd "$HOME/.flotilla" && find . -exec ls -ld {} + | awk '{print $1, $5, $NF}' | sort`),
  refs: await sh(machine.exec, `git -C ${quoteWord(cache.repo)} for-each-ref`),
  worktrees: await sh(machine.exec, `git -C ${quoteWord(cache.repo)} worktree list --porcelain`),
})

describe.skipIf(skip)('remote owner notes and the leftover sweep', () => {
  it('a remote worktree gets an owner note beside it (0600, this machine and process), removed with it', async () => {
    const path = await worktree('note-task')
    const note = `${path}.owner.json`
    expect((await sh(machine.exec, `stat -c '%a %U' ${quoteWord(note)}`)).trim()).toBe(`600 ${user.name}`)
    const parsed = RemoteOwner.parse(JSON.parse(await sh(machine.exec, `cat ${quoteWord(note)}`)))
    expect(parsed).toEqual({ machine: hostname(), pid: process.pid, startedAt: processStartTime(process.pid) })
    // The sweep never takes this process's own worktree.
    expect((await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12, dryRun: true })).map((a) => a.path)).not.toContain(path)
    await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, branch: 'flotilla/note-task' })
    expect(await exists(path)).toBe(false)
    expect(await exists(note)).toBe(false)
  }, 60_000)

  it("removes a dead local owner's worktree and branch; keeps a live one's, another machine's and a young unowned one; an old unowned one goes; dry run first changes nothing", async () => {
    const dead = await worktree('dead-task', { machine: hostname(), ...(await deadProcess()) })
    const live = await worktree('live-task', { machine: hostname(), ...liveProcess() })
    const other = await worktree('other-task', { machine: 'some-other-machine', ...(await deadProcess()) })
    const young = await worktree('young-task')
    await sh(machine.exec, `rm ${quoteWord(`${young}.owner.json`)}`)
    const old = await worktree('old-task')
    // An older version's worktree: no note, untouched since 2020 (by the remote's clock).
    await sh(machine.exec, `rm ${quoteWord(`${old}.owner.json`)} && touch -t 202001010000 ${quoteWord(old)}`)
    // A half-made one: the note of a dead process here, no folder (killed between note and `git worktree add`).
    const half = remoteWorktreePath(cache, 'half-task')
    await sh(machine.exec, `printf '%s\\n' ${quoteWord(JSON.stringify({ machine: hostname(), ...(await deadProcess()) }))} > ${quoteWord(`${half}.owner.json`)}`)
    // What the remote prints is untrusted: a note naming a live process here but garbled, and one with a terminal escape, count as no note (young: kept).
    const garbled = await worktree('garbled-task')
    await sh(machine.exec, `printf '{"machine":"%s","pid":"1"}\\n' ${quoteWord(hostname())} > ${quoteWord(`${garbled}.owner.json`)}`)
    const escaped = await worktree('escaped-task')
    await sh(machine.exec, `printf '{"machine":"\\033]0;pwned\\007","pid":1}\\n' > ${quoteWord(`${escaped}.owner.json`)}`)
    // A folder whose name is not one of ours is never touched.
    await sh(machine.exec, `mkdir -p "$HOME/.flotilla/worktrees/${cache.key}/bad name" && touch -t 202001010000 "$HOME/.flotilla/worktrees/${cache.key}/bad name"`)
    expect(await branches()).toEqual(expect.arrayContaining(['refs/heads/flotilla/dead-task', 'refs/heads/flotilla/live-task', 'refs/heads/flotilla/old-task']))

    const before = await remoteState()
    const planned = await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12, dryRun: true })
    const byPath = (actions: typeof planned) => Object.fromEntries(actions.filter((a) => a.action === 'remove-worktree').map((a) => [a.path, a.reason]))
    expect(Object.keys(byPath(planned)).sort()).toEqual([dead, half, old].sort())
    expect(byPath(planned)[dead]).toMatch(/process that made it \(pid \d+ on .*this machine\) is gone/)
    expect(byPath(planned)[old]).toMatch(/names no owner, untouched for more than 30 days/)
    expect(byPath(planned)[half]).toMatch(/owner note without its worktree/)
    expect(planned.find((a) => a.path === dead)!.bytes).toBeGreaterThan(0)
    expect(await remoteState()).toEqual(before)

    const done = await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12 })
    expect(done).toEqual(planned)
    for (const gone of [dead, old, `${dead}.owner.json`, `${half}.owner.json`]) expect(await exists(gone), gone).toBe(false)
    for (const kept of [live, other, young, garbled, escaped, `${live}.owner.json`, `${other}.owner.json`]) expect(await exists(kept), kept).toBe(true)
    expect(await exists(`${machine.home}/.flotilla/worktrees/${cache.key}/bad name`)).toBe(true)
    const after = await branches()
    expect(after).not.toContain('refs/heads/flotilla/dead-task')
    expect(after).not.toContain('refs/heads/flotilla/old-task')
    expect(after).toEqual(expect.arrayContaining(['refs/heads/flotilla/live-task', 'refs/heads/flotilla/other-task']))
    // git forgot the removed ones.
    const listed = await sh(machine.exec, `git -C ${quoteWord(cache.repo)} worktree list --porcelain`)
    expect(listed).not.toContain(dead)
    expect(listed).toContain(live)
    await sh(machine.exec, `rmdir "$HOME/.flotilla/worktrees/${cache.key}/bad name"`)
  }, 120_000)

  it("a dead owner's worktree that a journalled task still holds (held) stays", async () => {
    const kept = await worktree('held-task', { machine: hostname(), ...(await deadProcess()) })
    const listed = async (held?: ReadonlySet<string>) => (await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12, dryRun: true, held })).map((a) => a.path)
    expect(await listed()).toContain(kept)
    expect(await listed(new Set([kept]))).not.toContain(kept)
    await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12, held: new Set([kept]) })
    expect(await exists(kept)).toBe(true)
  }, 60_000)

  it('a cache unused for 40 days stays while a live process here works in it; its dead owners go once none lives', async () => {
    const owner = liveProcess()
    const live = await worktree('aged-live', { machine: hostname(), ...owner })
    await sh(machine.exec, `printf '%s\\n' ${Date.now() - 40 * 86_400_000} > ${quoteWord(`${cache.repo}/flotilla-last-used`)}`)
    const planned = await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12, dryRun: true })
    expect(planned.filter((a) => a.key === cache.key)).toEqual([])
    children.pop()!.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const later = await pruneRemoteCaches(machine.exec, { maxAgeDays: 30, maxBytes: 1e12, dryRun: true })
    // Now the whole cache would go (its worktrees with it), said once, not per worktree.
    expect(later.filter((a) => a.key === cache.key).map((a) => a.action)).toEqual(['remove'])
    expect(await exists(live)).toBe(true)
    await sh(machine.exec, `printf '%s\\n' ${Date.now()} > ${quoteWord(`${cache.repo}/flotilla-last-used`)}`)
  }, 60_000)
})

describe.skipIf(skip)('--copy into a remote worktree', () => {
  function untracked(): void {
    repo.write('.env', 'API_KEY=s3cret\n')
    chmodSync(join(repo.root, '.env'), 0o600)
    mkdirSync(join(repo.root, 'secrets', 'deep'), { recursive: true })
    writeFileSync(join(repo.root, 'secrets', 'deep', 'token'), 'tok\n')
    writeFileSync(join(repo.root, 'secrets', 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 })
    symlinkSync('deep/token', join(repo.root, 'secrets', 'link'))
  }

  it('puts a .env and a folder (modes, an inner symlink) in the worktree there; setup/verify read them; they stay out of the result commit', async () => {
    untracked()
    const { plan } = (await planWorkspace(local, { repo: repo.root, includeDirty: false, copy: ['.env', 'secrets'] })) as { plan: WorkspacePlan }
    const place = await prepareRemote(local, machine.exec, plan, 'copy-task')
    made.push(place.root)
    const lines: string[] = []
    const read = await runRemoteCommand(place, place.root, 'cat .env secrets/link && ./secrets/run.sh && stat -c "%a %n" .env secrets/run.sh secrets/deep/token && readlink secrets/link', { onLine: (l) => lines.push(l) })
    expect(read.exitCode, read.output).toBe(0)
    expect(lines).toEqual(['API_KEY=s3cret', 'tok', 'ran', '600 .env', '755 secrets/run.sh', '644 secrets/deep/token', 'deep/token'])
    const blobs = await sh(machine.exec, `cd ${quoteWord(place.root)} && git hash-object .env secrets/deep/token`)
    // The agent works there, and edits a copied file too (and adds it itself).
    await sh(machine.exec, `cd ${quoteWord(place.root)} && echo result > made.txt && echo CHANGED=1 >> .env && git add .env`)
    const head = await collectRemote(local, place, plan, { branch: 'flotilla/copy-task', subject: 'copy task', trailers: { 'Flotilla-Task': 'copy-task' } })
    expect(head).toBeDefined()
    expect(repo.git('show', '--name-only', '--format=', head!)).toBe('made.txt')
    // Not even as objects in the cache there: the copied secrets never became blobs (only what the agent added itself).
    for (const blob of blobs.trim().split('\n')) expect((await new RemoteGit(machine.exec, cache.repo).run(['cat-file', '-e', blob], { okCodes: [1, 128] })).code).not.toBe(0)
    repo.git('branch', '-D', 'flotilla/copy-task')
  }, 120_000)

  it('a folder of 2,000 files (16 MiB) arrives whole; the time it takes is printed', async () => {
    const folder = join(repo.root, 'node_modules')
    for (let i = 0; i < 2000; i++) {
      mkdirSync(join(folder, `pkg-${i % 100}`), { recursive: true })
      writeFileSync(join(folder, `pkg-${i % 100}`, `f-${i}.js`), randomBytes(8 * 1024).toString('base64').slice(0, 8 * 1024))
    }
    try {
      const { plan } = (await planWorkspace(local, { repo: repo.root, includeDirty: false, copy: ['node_modules'] })) as { plan: WorkspacePlan }
      const started = Date.now()
      const place = await prepareRemote(local, machine.exec, plan, 'copy-many')
      made.push(place.root)
      const withCopy = Date.now() - started
      const plain = Date.now()
      const bare = await prepareRemote(local, machine.exec, { ...plan, copy: [] }, 'copy-none')
      made.push(bare.root)
      const without = Date.now() - plain
      console.log(`--copy of 2,000 files (16 MiB) to the remote worktree: ${withCopy} ms for the worktree with them, ${without} ms without`)
      expect((await sh(machine.exec, `cd ${quoteWord(place.root)} && find node_modules -type f | wc -l && du -sk node_modules | cut -f1`)).trim().split('\n')[0]).toBe('2000')
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  }, 120_000)

  it('an oversize copy, or a symlink out of the repository, is refused before anything is made, here or there', async () => {
    const big = join(repo.root, 'huge.bin')
    writeFileSync(big, '')
    truncateSync(big, 65 * 1024 * 1024)
    symlinkSync('/etc/passwd', join(repo.root, 'outside-link'))
    const refsBefore = repo.git('for-each-ref')
    const before = await remoteState()
    for (const [copy, message] of [
      [['huge.bin'], /expected the --copy files for .* to be at most 64\.0 MiB together, got more \(65\.0 MiB when huge\.bin is counted\)/],
      [['outside-link'], /expected the symlinks in --copy to stay inside the repository .*outside-link -> \/etc\/passwd/],
    ] as const) {
      const { plan } = (await planWorkspace(local, { repo: repo.root, includeDirty: false, copy: [...copy] })) as { plan: WorkspacePlan }
      await expect(prepareRemote(local, machine.exec, plan, 'refused-task')).rejects.toThrow(message)
    }
    expect(repo.git('for-each-ref')).toBe(refsBefore)
    expect(await remoteState()).toEqual(before)
    rmSync(big)
    rmSync(join(repo.root, 'outside-link'))
  }, 60_000)

  it('no tar there is a clear error; a folder above a path that is a symlink there is refused', async () => {
    const dir = (await sh(machine.exec, `mkdir -p "$HOME/unpack-test" && cd "$HOME/unpack-test" && ln -sfn /tmp secrets && pwd`)).trim()
    const noTar: RemoteExec = { host: machine.exec.host, run: (command, options) => machine.exec.run(`PATH=/nonexistent; ${command}`, options) }
    const copies = planCopies(repo.root, ['.env'], 'box')
    await expect(unpackCopies(noTar, dir, copies, Buffer.alloc(1024))).rejects.toThrow(/expected tar on .*remote-box \(to unpack the --copy files in the task's worktree\), got none on the PATH of an SSH session: install tar there/)
    const inFolder = planCopies(repo.root, ['secrets/run.sh'], 'box')
    await expect(unpackCopies(machine.exec, dir, inFolder, Buffer.alloc(1024))).rejects.toThrow(/expected secrets to be a folder in the task's worktree .*got a symlink or a file there: nothing was copied/)
    expect((await sh(machine.exec, `ls -A /tmp | grep -c '^run.sh$' || true`)).trim()).toBe('0')
    await sh(machine.exec, `rm -rf "$HOME/unpack-test"`)
  }, 60_000)

  it('leaves no local temp files of ours', () => {
    expect(readdirSync(tmpdir()).filter((n) => /^flotilla-(ship|result)-/.test(n))).toEqual([])
  })
})
