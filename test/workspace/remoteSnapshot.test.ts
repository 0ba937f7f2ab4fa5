import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalGit } from '../../core/workspace/git'
import { remoteCacheRepo, repoKey } from '../../core/workspace/remote/cache'
import { quoteWord } from '../../core/workspace/remote/remoteGit'
import { removeRemoteSnapshots, seedRemoteSnapshot } from '../../core/workspace/remote/remoteSnapshot'
import { addRemoteWorktree, removeRemoteWorktree, shipCommit } from '../../core/workspace/remote/shipping'
import { makeRepo, type TestRepo } from './gitRepo'
import { remoteMachineMissing, sh, startRemoteSetup, type RemoteMachine, type RemoteSetup } from './remoteMachine'

// opencode's snapshot repository of a worktree on another machine, made by Flotilla before the
// first prompt (as seedOpencodeSnapshot does here) and removed with the worktree. The same
// checks as the local one, on a real sshd in a network namespace as another Unix user.
const skip = remoteMachineMissing('the remote snapshot seed tests')

let remote: RemoteSetup | undefined
let machine: RemoteMachine
let repo: TestRepo

beforeAll(async () => {
  if (skip) return
  remote = await startRemoteSetup()
  machine = remote.machine
  repo = makeRepo('flotilla-remote-seed-', { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' })
}, 120_000)

afterAll(async () => {
  await remote?.close()
  repo?.remove()
}, 60_000)

describe.skipIf(skip)("seeding opencode's snapshot of a worktree on another machine", () => {
  it('makes one whose index matches the worktree with the cache objects as alternates, once; removing it leaves other worktrees\' alone', async () => {
    const base = repo.git('rev-parse', 'HEAD')
    const cache = await remoteCacheRepo(machine.exec, repoKey(repo.root))
    await shipCommit(new LocalGit(), repo.root, machine.exec, { cacheRepo: cache.repo, commit: base })
    const worktree = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: `~/.flotilla/worktrees/${cache.key}/tSeed`, commit: base, branch: 'flotilla/tSeed' })
    const other = await addRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path: `~/.flotilla/worktrees/${cache.key}/tOther`, commit: base, branch: 'flotilla/tOther' })
    const root = `${machine.home}/snapshots`
    const hash = createHash('sha1').update(worktree).digest('hex')
    const gitdir = await seedRemoteSnapshot(machine.exec, worktree, root)
    // opencode's layout: <root>/<root commit>/<sha1 of the folder>.
    expect(gitdir).toBe(`${root}/${repo.git('rev-list', '--max-parents=0', 'HEAD')}/${hash}`)
    const snap = (args: string) => sh(machine.exec, `cd ${quoteWord(worktree)} && git --git-dir ${quoteWord(gitdir!)} --work-tree ${quoteWord(worktree)} ${args}`).then((o) => o.trim())
    expect(await snap('config core.worktree')).toBe(worktree)
    for (const [key, value] of [['core.autocrlf', 'false'], ['core.longpaths', 'true'], ['core.symlinks', 'true'], ['core.fsmonitor', 'false']]) expect(await snap(`config ${key}`)).toBe(value)
    expect((await sh(machine.exec, `cat ${quoteWord(`${gitdir}/objects/info/alternates`)}`)).trim()).toBe(`${cache.repo}/objects`)
    // Nothing to add: the index knows every file as it is, and its tree is the commit's (through the alternates).
    expect(await snap('diff-files --name-only')).toBe('')
    expect(await snap('ls-files --others --exclude-standard')).toBe('')
    expect(await snap('write-tree')).toBe(repo.git('rev-parse', 'HEAD^{tree}'))
    // Made once.
    expect(await seedRemoteSnapshot(machine.exec, worktree, root)).toBeUndefined()
    const otherDir = await seedRemoteSnapshot(machine.exec, other, root)
    expect(otherDir).toBeDefined()

    await removeRemoteSnapshots(machine.exec, worktree, root)
    const exists = async (path: string) => (await machine.exec.run(`test -e ${quoteWord(path)}`)).code === 0
    expect(await exists(gitdir!)).toBe(false)
    expect(await exists(otherDir!)).toBe(true)
    // A folder whose config names another worktree under the same hash is not touched (the hash alone does not decide).
    await sh(machine.exec, `mkdir -p ${quoteWord(`${root}/someproject/${hash}`)} && printf '[core]\\n\\tworktree = /elsewhere\\n' > ${quoteWord(`${root}/someproject/${hash}/config`)}`)
    await removeRemoteSnapshots(machine.exec, worktree, root)
    expect(await exists(`${root}/someproject/${hash}/config`)).toBe(true)
    for (const [path, branch] of [[worktree, 'flotilla/tSeed'], [other, 'flotilla/tOther']] as const) await removeRemoteWorktree(machine.exec, { cacheRepo: cache.repo, path, branch })
  })
})
