import { FlotillaError } from '../../lib/errors'
import { commitMessage } from '../resultCommit'
import { cacheFromPath, checkSha, touchLastUsed } from './cache'
import { ownerNotePath, writeRemoteOwner, type RemoteOwner } from './owner'
import { quoteWord, remoteGitLine, remoteHome, RemoteGit, runScript, type RemoteExec } from './remoteGit'

const WORKTREE_TIMEOUT_MS = 10 * 60_000

/** A worktree path given as `~/…` or absolute, absolute; it must be in the cache's `worktrees` folder (we remove it with rm -rf). */
async function worktreePath(remote: RemoteExec, cacheRepo: string, path: string): Promise<string> {
  const cache = cacheFromPath(remote.host, cacheRepo)
  const absolute = path.startsWith('~/') ? `${await remoteHome(remote)}/${path.slice(2)}` : path
  const inside = `${cache.root}/worktrees/`
  if (!absolute.startsWith(inside) || absolute.split('/').some((part) => part === '..' || part === '.') || absolute.length <= inside.length) {
    throw new FlotillaError(`expected a worktree path inside ${inside} on ${remote.host}, got ${JSON.stringify(path)}`, 'bad_request')
  }
  return absolute.replace(/\/+$/, '')
}

/**
 * A fresh worktree of the cache repository at `commit` (shipped there first) on `branch`; an
 * earlier attempt's worktree at the same path is replaced. Returns its absolute path. Its owner
 * note (this machine and process, see owner.ts) is written first, so no moment exists where a
 * sweep from here could take a live worktree for a crashed one.
 */
export async function addRemoteWorktree(remote: RemoteExec, request: { cacheRepo: string; path: string; commit: string; branch: string; owner?: RemoteOwner }): Promise<string> {
  checkSha(request.commit, 'the worktree base')
  if (request.branch.startsWith('-') || !request.branch) throw new FlotillaError(`expected a branch name, got ${JSON.stringify(request.branch)}`, 'bad_request')
  const path = await worktreePath(remote, request.cacheRepo, request.path)
  const git = new RemoteGit(remote, request.cacheRepo)
  const exists = (await runScript(remote, `if test -e ${quoteWord(path)}; then echo yes; fi`, `look at ${path}`)).toString().trim() === 'yes'
  if (exists) await removeRemoteWorktree(remote, { cacheRepo: request.cacheRepo, path })
  await writeRemoteOwner(remote, path, request.owner)
  await git.run(['worktree', 'add', '--quiet', '--no-track', '-B', request.branch, path, request.commit], { timeoutMs: WORKTREE_TIMEOUT_MS })
  await touchLastUsed(remote, request.cacheRepo)
  return path
}

/**
 * Removes a worktree there with whatever is in it, and its owner note, and makes git forget it;
 * the folder goes even when git had forgotten it already (a half-made one). `branch`, when
 * given, is deleted too (its result is on this machine by then).
 */
export async function removeRemoteWorktree(remote: RemoteExec, request: { cacheRepo: string; path: string; branch?: string }): Promise<void> {
  const path = await worktreePath(remote, request.cacheRepo, request.path)
  const git = new RemoteGit(remote, request.cacheRepo)
  await git.run(['worktree', 'remove', '--force', '--force', path], { timeoutMs: WORKTREE_TIMEOUT_MS }).catch(() => {})
  const parent = path.slice(0, path.lastIndexOf('/'))
  // The repository's worktrees folder goes with its last worktree.
  await runScript(remote, `rm -rf -- ${quoteWord(path)} ${quoteWord(ownerNotePath(path))} && { rmdir -- ${quoteWord(parent)} 2>/dev/null || true; }`, `remove ${path}`, { timeoutMs: WORKTREE_TIMEOUT_MS })
  await git.run(['worktree', 'prune'])
  if (request.branch) {
    const ref = `refs/heads/${request.branch}`
    const tip = await remoteGitLine(git, ['rev-parse', '--verify', '-q', ref], { okCodes: [1] })
    if (tip) await git.run(['update-ref', '-d', ref, tip])
  }
}

export interface RemoteResultRequest {
  /** The task's worktree there (absolute; its HEAD is the task's branch). */
  worktree: string
  /** The commit the result goes on top of. */
  parent: string
  subject: string
  trailers: Record<string, string>
  /** The LOCAL user's identity: the result carries it, never the remote user's. */
  identity: { name: string; email: string }
  /** Paths never part of the result (the --copy files). */
  leaveOut?: readonly string[]
}

/**
 * resultCommit.ts's commit, made on the remote machine: everything the task changed (ignored
 * files stay out) as one commit on its branch, with plumbing only. The remote user's config,
 * hooks and signing keys play no part (see RemoteGit): the identity is the local one, given in
 * the environment, and the commit is never signed. `commit` is undefined when nothing changed.
 */
export async function commitRemoteResult(remote: RemoteExec, request: RemoteResultRequest): Promise<{ commit?: string; tree: string }> {
  checkSha(request.parent, 'the result parent')
  const { name, email } = request.identity
  if (!name.trim() || !email.trim() || /[<>\n\0]/.test(name + email)) throw new FlotillaError(`expected a git identity (a name and an email without <, > or newlines), got ${JSON.stringify(`${name} <${email}>`)}`, 'bad_request')
  const git = new RemoteGit(remote, request.worktree)
  // The --copy files (secrets like .env) never become objects in the cache: left out of the add,
  // and out of the index in case the agent added them itself. Literal: a name is not a glob.
  const leaveOut = request.leaveOut ?? []
  await git.run(['add', '-A', '--', '.', ...leaveOut.map((p) => `:(exclude,literal)${p}`)], { timeoutMs: WORKTREE_TIMEOUT_MS })
  if (leaveOut.length) await git.run(['reset', '-q', request.parent, '--', ...leaveOut.map((p) => `:(literal)${p}`)])
  const tree = await remoteGitLine(git, ['write-tree'])
  const parentTree = await remoteGitLine(git, ['rev-parse', '--verify', `${request.parent}^{tree}`])
  if (tree === parentTree) return { tree }
  const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email }
  const commit = await remoteGitLine(git, ['commit-tree', '--no-gpg-sign', tree, '-p', request.parent, '-F', '-'], { env, input: commitMessage(request.subject, request.trailers) })
  // The old value guards against a branch the agent moved meanwhile (its own commit, a reset).
  await git.run(['update-ref', '-m', 'flotilla: task result', 'HEAD', commit, request.parent])
  return { commit, tree }
}
