import type { VerifyResult, WorkspacePlan } from '../contract/tasks'
import { signingArgs, type GitRunner } from './git'
import { localIdentity } from './repo'
import { addRemoteWorktree, commitRemoteResult, fetchResult, remoteCacheRepo, remoteWorktreePath, removeRemoteWorktree, repoKey, shipCommit, type RemoteExec } from './remote/shipping'
import { quoteWord, RemoteGit, runScript } from './remote/remoteGit'
import { packCopies, planCopies, unpackCopies } from './remote/copyFiles'
import { taskBranch } from './worktrees'

/** A task's worktree on another machine: where it is there and the cache repository it hangs off. */
export interface RemotePlace {
  exec: RemoteExec
  cacheRepo: string
  /** Absolute, on that machine. */
  root: string
  /** Bytes the base took to get there (0: the cache had it). */
  shippedBytes: number
}

/** Result bundles larger than this are refused while they arrive. */
export const MAX_RESULT_BYTES = 512 * 1024 * 1024
const COMMAND_TIMEOUT_MS = 30 * 60_000

/**
 * The base goes to the machine's cache repository over the connection Flotilla holds (only the
 * objects it lacks), and the worktree is made there from it. The local branch is made at the
 * base first: it keeps the base (a dirty snapshot is on no other ref) from a local gc, and the
 * result arrives as a fast-forward of it. The --copy files go over the same connection as one
 * tar stream (see copyFiles.ts), checked here first: a copy that is refused changes nothing,
 * here or there; one that fails once the worktree is made takes the worktree with it.
 */
export async function prepareRemote(local: GitRunner, exec: RemoteExec, plan: WorkspacePlan, taskId: string): Promise<RemotePlace> {
  const copies = plan.copy.length ? planCopies(plan.repo, plan.copy, exec.host) : undefined
  // Packed before anything is made: a tar that fails or outgrows the limit leaves nothing behind.
  const archive = copies ? await packCopies(plan.repo, copies, exec.host) : undefined
  const branch = plan.continues?.branch ?? taskBranch(taskId)
  // A follow-up starts where its branch is now (and its worktree there has the first task's folder: its session's).
  const start = plan.continues ? (await local.run(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`], { cwd: plan.repo })).stdout.trim() : plan.baseSha
  if (!plan.continues) await local.run(['update-ref', `refs/heads/${branch}`, plan.baseSha], { cwd: plan.repo })
  const cache = await remoteCacheRepo(exec, repoKey(plan.repo))
  const { bytes } = await shipCommit(local, plan.repo, exec, { cacheRepo: cache.repo, commit: start })
  const root = await addRemoteWorktree(exec, { cacheRepo: cache.repo, path: remoteWorktreePath(cache, plan.continues?.folderTask ?? taskId), commit: start, branch })
  try {
    if (copies && archive) await unpackCopies(exec, root, copies, archive)
    // The task's folder may hold no tracked file (an empty or untracked folder at submit): git did not make it.
    if (plan.subdir) await runScript(exec, `mkdir -p ${quoteWord(`${root}/${plan.subdir}`)}`, `make the task's folder ${plan.subdir}`)
  } catch (error) {
    // The caller holds no place yet: the worktree (and a branch that says nothing yet) is ours to take back.
    await removeRemoteWorktree(exec, { cacheRepo: cache.repo, path: root, branch }).catch(() => {})
    throw error
  }
  return { exec, cacheRepo: cache.repo, root, shippedBytes: bytes }
}

/** Commits the task's changes there with the local identity and brings the commit home onto its branch; undefined when nothing changed. */
export async function collectRemote(local: GitRunner, place: RemotePlace, plan: WorkspacePlan, request: { branch: string; subject: string; trailers: Record<string, string> }): Promise<string | undefined> {
  const parent = (await new RemoteGit(place.exec, place.root).run(['rev-parse', 'HEAD'])).stdout.trim()
  const identity = await localIdentity(local, plan.repo)
  const { commit } = await commitRemoteResult(place.exec, { worktree: place.root, parent, subject: request.subject, trailers: request.trailers, identity, leaveOut: plan.copy })
  if (!commit) return undefined
  await fetchResult(local, plan.repo, place.exec, { cacheRepo: place.cacheRepo, commit, base: parent, localRef: `refs/heads/${request.branch}`, maxBytes: MAX_RESULT_BYTES })
  // Where the local config signs commits, the result is made again here, signed (the keys are here, never there): same tree, parent, message.
  const sign = await signingArgs(local, plan.repo)
  if (sign.length === 0) return commit
  const [tree, message] = await Promise.all([local.run(['rev-parse', `${commit}^{tree}`], { cwd: plan.repo }), local.run(['log', '-1', '--format=%B', commit], { cwd: plan.repo })])
  const signed = (await local.run(['commit-tree', ...sign, tree.stdout.trim(), '-p', parent, '-F', '-'], { cwd: plan.repo, input: message.stdout })).stdout.trim()
  await local.run(['update-ref', `refs/heads/${request.branch}`, signed, commit], { cwd: plan.repo })
  return signed
}

export function removeRemote(place: RemotePlace, branch: string): Promise<void> {
  return removeRemoteWorktree(place.exec, { cacheRepo: place.cacheRepo, path: place.root, branch })
}

/** A --setup or --verify command in the worktree there (its output comes when it ends: one buffer, bounded). */
export async function runRemoteCommand(place: RemotePlace, directory: string, command: string, options: { onLine: (line: string) => void; signal?: AbortSignal; timeoutMs?: number }): Promise<Omit<VerifyResult, 'command' | 'passed'>> {
  const started = Date.now()
  const script = `cd ${quoteWord(directory)} && exec 2>&1 && exec sh -c ${quoteWord(command)}`
  let timedOut = false
  const result = await place.exec
    .run(script, { timeoutMs: options.timeoutMs ?? COMMAND_TIMEOUT_MS, signal: options.signal, maxBytes: 64 * 1024 * 1024 })
    .catch((error: Error) => {
      timedOut = /within|timeout/i.test(error.message)
      return { stdout: Buffer.from(error.message), stderr: '', code: null }
    })
  const lines = result.stdout.toString('utf8').replace(/\n$/, '').split('\n')
  for (const line of lines) options.onLine(line)
  const tail = lines.slice(-200).join('\n').slice(-16_000)
  return { exitCode: result.code, durationMs: Date.now() - started, output: tail, ...(timedOut ? { timedOut } : {}) }
}
