import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { FlotillaError } from '../../lib/errors'
import { GitError } from '../git'
import { quoteWord, remoteHome, RemoteGit, runScript, type RemoteExec } from './remoteGit'

/** A bare repository on a remote machine that holds the commits shipped there for one local repository. */
export interface RemoteCache {
  host: string
  key: string
  /** The remote `~/.flotilla`, absolute. */
  root: string
  /** The bare repository, `<root>/repos/<key>.git`. */
  repo: string
}

const KEY = /^[A-Za-z0-9._-]{1,80}$/
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/
/** A file in each cache repository: when a task last used it (ms since 1970, by this machine's clock). */
export const LAST_USED_FILE = 'flotilla-last-used'

/** The cache name for a local repository: its folder's name (for people reading ~/.flotilla) plus a hash of its path (two `app` repositories differ). */
export function repoKey(localRepo: string): string {
  const hash = createHash('sha256').update(localRepo).digest('hex').slice(0, 12)
  const name = basename(localRepo).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '').slice(0, 40) || 'repo'
  return `${name}-${hash}`
}

export function checkSha(value: string, what: string): string {
  if (!SHA.test(value)) throw new FlotillaError(`expected a full commit SHA for ${what}, got ${JSON.stringify(value)}`, 'bad_request')
  return value
}

/** A path component of ours (a task id): nothing that could climb out of its folder. */
export function checkName(value: string, what: string): string {
  if (!KEY.test(value) || value === '.' || value === '..') throw new FlotillaError(`expected ${what} of letters, digits, '.', '_' or '-', got ${JSON.stringify(value)}`, 'bad_request')
  return value
}

/** The cache a path like `/home/u/.flotilla/repos/app-1234.git` names (so callers can pass the path around alone). */
export function cacheFromPath(host: string, repo: string): RemoteCache {
  const match = /^(\/.*)\/repos\/([^/]+)\.git$/.exec(repo)
  if (!match || !KEY.test(match[2]!)) throw new FlotillaError(`expected a Flotilla cache repository path (<home>/.flotilla/repos/<key>.git) on ${host}, got ${JSON.stringify(repo)}`, 'bad_request')
  return { host, key: match[2]!, root: match[1]!, repo }
}

/** Where a task's worktree goes on the remote machine. */
export function remoteWorktreePath(cache: RemoteCache, taskId: string): string {
  return `${cache.root}/worktrees/${cache.key}/${checkName(taskId, 'a task id')}`
}

/** Opens of one cache at the same time within this process share one: two tasks to one host must not both init it. */
const opening = new Map<string, Promise<RemoteCache>>()

/**
 * Makes sure `~/.flotilla/repos/<key>.git` exists on the remote machine as a bare repository,
 * after checking git is there. Its config has gc.auto=0: a task's fetch, worktree add or the
 * agent's own git commands in its worktree never stop for a repack, and objects a running task
 * has only in its index are never pruned behind its back; pruneRemoteCaches collects garbage.
 */
export function remoteCacheRepo(remote: RemoteExec, key: string): Promise<RemoteCache> {
  checkName(key, 'a cache key')
  const id = `${remote.host}\0${key}`
  let pending = opening.get(id)
  if (!pending) {
    pending = openCache(remote, key)
    opening.set(id, pending)
    // Settled, it is asked again next time: the cache may have been pruned meanwhile.
    const settled = pending
    void settled.then(
      () => opening.delete(id),
      () => opening.delete(id),
    )
  }
  return pending
}

async function openCache(remote: RemoteExec, key: string): Promise<RemoteCache> {
  await requireGit(remote)
  const home = await remoteHome(remote)
  const root = `${home}/.flotilla`
  const cache: RemoteCache = { host: remote.host, key, root, repo: `${root}/repos/${key}.git` }
  const state = (await runScript(remote, `umask 077 && mkdir -p ${quoteWord(`${root}/repos`)} && if test -f ${quoteWord(`${cache.repo}/HEAD`)}; then echo present; else echo absent; fi`, `make ${root}/repos`)).toString().trim()
  if (state === 'absent') {
    const git = new RemoteGit(remote)
    // No template: the remote user's init.templateDir could bring hooks.
    await git.run(['init', '--bare', '--quiet', '--template=', cache.repo])
    await git.run(['config', 'gc.auto', '0'], { cwd: cache.repo })
    await touchLastUsed(remote, cache.repo)
  }
  return cache
}

/** `git --version` there; a missing git is said with the host and what to do. */
export async function requireGit(remote: RemoteExec): Promise<string> {
  try {
    return (await new RemoteGit(remote).run(['--version'])).stdout.trim()
  } catch (error) {
    if (error instanceof GitError && error.code === 'ENOENT') throw new FlotillaError(`expected git on ${remote.host} (to make the task's worktree there), got none on the PATH of an SSH session: install git there`, 'unavailable')
    throw error
  }
}

/** Records that a task used the cache now (pruneRemoteCaches removes the ones unused for long). */
export async function touchLastUsed(remote: RemoteExec, repo: string, now = Date.now()): Promise<void> {
  await runScript(remote, `printf '%s\\n' ${quoteWord(String(now))} > ${quoteWord(`${repo}/${LAST_USED_FILE}`)}`, `record the use of ${repo}`)
}
