import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { errorMessage, FlotillaError } from '../../lib/errors'
import { gitLine, type GitRunner } from '../git'
import { cacheFromPath, checkSha, touchLastUsed } from './cache'
import { quoteWord, remoteGitLine, RemoteGit, runScript, type RemoteExec } from './remoteGit'
import { borrowingRepo, configEnv } from './scratch'

export { cacheFromPath, remoteCacheRepo, remoteWorktreePath, repoKey, requireGit, type RemoteCache } from './cache'
export { addRemoteWorktree, commitRemoteResult, removeRemoteWorktree, type RemoteResultRequest } from './remoteWorktree'
export { pruneRemoteCaches, type PruneAction, type PruneOptions } from './prune'
export { RemoteGit, RemoteGitError, sshExec, type RemoteExec } from './remoteGit'

/** A bundle of a whole repository can take a while to make and to send. */
const TRANSFER_TIMEOUT_MS = 15 * 60_000
/** Where shipped bases are kept in a cache: one ref per base, so gc keeps them and later ships can leave them out. */
export const BASES_PREFIX = 'refs/flotilla/bases/'
const TMP_PREFIX = 'refs/flotilla/tmp/'
/** The one ref of a scratch repository: what its bundle carries. */
const SHIP_REF = 'refs/flotilla/ship'

/** What comes back was written by an agent on another machine: fsck every object received (malformed trees, `.git` or `..` paths). */
const FSCK = { 'fetch.fsckObjects': 'true' }

/** The same check in the user's repository, where their own hooks and gc settings stay as they are. */
const fsckOnly = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'fetch.fsckObjects', GIT_CONFIG_VALUE_0: 'true' }

const tmpRef = (what: string) => `${TMP_PREFIX}${what}-${randomBytes(6).toString('hex')}`

/**
 * Sends `commit` (and what it needs) from the local repository into the remote cache, as a git
 * bundle over the SSH connection. Incremental: the bundle leaves out every commit the cache
 * already has under refs/flotilla/bases/ or refs/heads/flotilla/ (those that exist here too),
 * so a second task to the same host sends only new objects. `skipped` when the cache had it.
 * Nothing in the local repository changes: the bundle's ref lives in a scratch repository.
 */
export async function shipCommit(local: GitRunner, localRepo: string, remote: RemoteExec, request: { cacheRepo: string; commit: string }): Promise<{ bytes: number; skipped: boolean }> {
  const commit = checkSha(request.commit, 'the commit to ship')
  const cache = cacheFromPath(remote.host, request.cacheRepo)
  const git = new RemoteGit(remote, cache.repo)
  const baseRef = `${BASES_PREFIX}${commit}`
  if (await remoteGitLine(git, ['rev-parse', '--verify', '-q', `${commit}^{commit}`], { okCodes: [1] })) {
    // There already (shipped, or a result of an earlier task): a ref of its own keeps it from gc.
    await git.run(['update-ref', baseRef, commit])
    await touchLastUsed(remote, cache.repo)
    return { bytes: 0, skipped: true }
  }
  const haves = await commonCommits(local, localRepo, git)
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-ship-'))
  const incoming = `${cache.repo}/flotilla-incoming-${randomBytes(6).toString('hex')}.bundle`
  try {
    const scratch = await borrowingRepo(local, localRepo, dir, 'ship.git')
    const env = configEnv({})
    await local.run(['update-ref', SHIP_REF, commit, ''], { cwd: scratch, env })
    const file = join(dir, 'base.bundle')
    await local.run(['bundle', 'create', '-q', file, '--stdin'], { cwd: scratch, env, input: [SHIP_REF, ...haves.map((sha) => `^${sha}`)].join('\n') + '\n', timeoutMs: TRANSFER_TIMEOUT_MS })
    const bundle = readFileSync(file)
    await runScript(remote, `umask 077 && cat > ${quoteWord(incoming)}`, `receive the base bundle into ${cache.repo}`, { stdin: bundle, timeoutMs: TRANSFER_TIMEOUT_MS })
    await git.run(['bundle', 'verify', '-q', incoming], { timeoutMs: TRANSFER_TIMEOUT_MS })
    await git.run(['fetch', '-q', '--no-tags', incoming, `${SHIP_REF}:${baseRef}`], { timeoutMs: TRANSFER_TIMEOUT_MS })
    await touchLastUsed(remote, cache.repo)
    return { bytes: bundle.length, skipped: false }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await runScript(remote, `rm -f -- ${quoteWord(incoming)}`, `remove ${incoming}`).catch(() => {})
  }
}

/** Commits the cache holds under Flotilla's refs that exist here as commits too: what a bundle may leave out. */
async function commonCommits(local: GitRunner, localRepo: string, git: RemoteGit): Promise<string[]> {
  const listed = await git.run(['for-each-ref', '--format=%(objectname)', 'refs/flotilla/bases/', 'refs/heads/flotilla/'])
  const shas = [...new Set(listed.stdout.split('\n').filter((line) => /^[0-9a-f]{40,64}$/.test(line)))]
  if (shas.length === 0) return []
  const checked = await local.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { cwd: localRepo, input: shas.join('\n') + '\n' })
  return checked.stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([sha, type]) => type === 'commit' && shas.includes(sha!))
    .map(([sha]) => sha!)
}

export interface FetchResultRequest {
  cacheRepo: string
  /** The result commit there. */
  commit: string
  /** A commit both sides have (the shipped base, or an earlier result): the bundle holds only what is new since. */
  base: string
  /** Where the result goes here (`refs/heads/flotilla/<task>`); only a fast-forward of an existing ref is made. */
  localRef: string
  /** A bundle larger than this is refused while it arrives. */
  maxBytes: number
  /** For tests only: changes the bytes after they arrived and before they are checked (corruption in transit). */
  transform?: (bundle: Buffer) => Buffer
}

/**
 * Brings the task's result commit from the remote cache into the local repository: a bundle of
 * `commit --not base` made there, streamed back over the connection (refused past maxBytes),
 * written to a private temporary file, verified and fetched into a quarantine repository first
 * (it borrows the local objects, so a bundle that is corrupt, incomplete or fails fsck changes
 * nothing here), and only then fetched into `localRef`.
 */
export async function fetchResult(local: GitRunner, localRepo: string, remote: RemoteExec, request: FetchResultRequest): Promise<{ bytes: number }> {
  const commit = checkSha(request.commit, 'the result commit')
  const base = checkSha(request.base, 'the result base')
  const cache = cacheFromPath(remote.host, request.cacheRepo)
  const badRef = () => new FlotillaError(`expected a full ref name for the result (refs/heads/…), got ${JSON.stringify(request.localRef)}`, 'bad_request')
  if (!request.localRef.startsWith('refs/')) throw badRef()
  await local.run(['check-ref-format', request.localRef], { cwd: localRepo }).catch(() => Promise.reject(badRef()))
  if (await gitLine(local, ['rev-parse', '--verify', '-q', `${commit}^{commit}`], { cwd: localRepo, okCodes: [1] })) {
    await fastForward(local, localRepo, request.localRef, commit)
    return { bytes: 0 }
  }
  if (commit === base) throw new FlotillaError(`expected a result commit other than its base ${base}`, 'bad_request')
  const git = new RemoteGit(remote, cache.repo)
  const ref = tmpRef('result')
  let bundle: Buffer
  try {
    await git.run(['update-ref', ref, commit, ''])
    bundle = (await git.runBuffer(['bundle', 'create', '-q', '-', ref, '--not', base], { maxBytes: request.maxBytes, timeoutMs: TRANSFER_TIMEOUT_MS })).stdout
  } catch (error) {
    const over = errorMessage(error).includes(`expected at most ${request.maxBytes} bytes`)
    const why = over ? `its bundle is larger than the limit of ${request.maxBytes} bytes (receiving stopped there)` : errorMessage(error)
    throw new FlotillaError(`refused the result ${commit.slice(0, 12)} from ${remote.host}, nothing changed here: ${why}`, 'unavailable')
  } finally {
    await git.run(['update-ref', '-d', ref]).catch(() => {})
  }
  const received = bundle.length
  if (request.transform) bundle = request.transform(bundle)
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-result-'))
  try {
    const file = join(dir, 'result.bundle')
    writeFileSync(file, bundle, { mode: 0o600, flag: 'wx' })
    const checked = await quarantine(local, localRepo, dir, file, ref).catch((error: unknown) => {
      throw new FlotillaError(`refused the result ${commit.slice(0, 12)} from ${remote.host} (${received} bytes), nothing changed here: the bundle does not check out: ${errorMessage(error)}`, 'unavailable')
    })
    if (checked !== commit) throw new FlotillaError(`refused the result from ${remote.host}, nothing changed here: expected its bundle to hold ${commit}, got ${checked}`, 'unavailable')
    // A ref that would not fast-forward is refused before the objects come in (git fetch would add them, then refuse).
    await fastForwardCheck(local, join(dir, 'quarantine.git'), localRepo, request.localRef, commit)
    await local.run(['fetch', '-q', '--no-tags', '--no-write-fetch-head', file, `${ref}:${request.localRef}`], { cwd: localRepo, env: fsckOnly, timeoutMs: TRANSFER_TIMEOUT_MS })
    return { bytes: received }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Verifies and fetches the bundle into a scratch repository that borrows the local objects: all of git's checks, none of its writes here. */
async function quarantine(local: GitRunner, localRepo: string, dir: string, file: string, ref: string): Promise<string> {
  const repo = await borrowingRepo(local, localRepo, dir, 'quarantine.git')
  const env = configEnv(FSCK)
  await local.run(['bundle', 'verify', '-q', file], { cwd: repo, env })
  await local.run(['fetch', '-q', '--no-tags', '--no-write-fetch-head', file, `${ref}:refs/quarantine/result`], { cwd: repo, env, timeoutMs: TRANSFER_TIMEOUT_MS })
  return gitLine(local, ['rev-parse', '--verify', 'refs/quarantine/result^{commit}'], { cwd: repo })
}

/** Refuses unless `ref` is new here or `commit` descends from it (asked in `where`, a repository that has `commit`). Returns its old value. */
async function fastForwardCheck(local: GitRunner, where: string, localRepo: string, ref: string, commit: string): Promise<string> {
  const old = await gitLine(local, ['rev-parse', '--verify', '-q', ref], { cwd: localRepo, okCodes: [1] })
  if (old && old !== commit && (await local.run(['merge-base', '--is-ancestor', old, commit], { cwd: where, okCodes: [1] })).code === 1) {
    throw new FlotillaError(`expected ${ref} to be new or an ancestor of the result ${commit.slice(0, 12)}, got ${old.slice(0, 12)}, which is not: left as it is`, 'conflict')
  }
  return old
}

/** Sets `ref` to `commit` (already here) when that is a fast-forward. */
async function fastForward(local: GitRunner, localRepo: string, ref: string, commit: string): Promise<void> {
  const old = await fastForwardCheck(local, localRepo, localRepo, ref, commit)
  if (old !== commit) await local.run(['update-ref', '-m', 'flotilla: task result', ref, commit, old], { cwd: localRepo })
}
