import { cpSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import PQueue from 'p-queue'
import type { RepositorySettings } from '../contract/settings'
import { isFinalState, type LandReport, type TaskDiff, type TaskTarget, type TaskView, type VerifyResult, type WorkspacePlan, type WorkspaceRequestInput } from '../contract/tasks'
import { errorMessage, FlotillaError } from '../lib/errors'
import { changedFiles, type FileChange } from './changedFiles'
import { conflictsBetween, landTask, type LandOptions } from './landing'
import { planWorkspace, type PlanOutcome } from './workspacePlanner'
import { mergeNow, resultDiff } from './resultDiff'
import { RemoteGit, remoteGitLine, type RemoteExec } from './remote/remoteGit'
import { pruneRemoteCaches } from './remote/prune'
import { remoteCacheRepo, repoKey } from './remote/cache'
import { removeRemoteWorktree } from './remote/remoteWorktree'
import { removeRemoteSnapshots, seedRemoteSnapshot } from './remote/remoteSnapshot'
import { removeOpencodeSnapshots, seedOpencodeSnapshot } from './opencodeSnapshots'
import { localOwner, writeRemoteOwner } from './remote/owner'
import { collectRemote, prepareRemote, removeRemote, runRemoteCommand, type RemotePlace } from './remoteWorkspace'
import { LocalGit, type GitRunner } from './git'
import { inspectRepo, localIdentity, type RepoFacts } from './repo'
import { commitResult } from './resultCommit'
import { runShellCommand } from './shellCommand'
import { LocalWorktrees, taskBranch, type WarmSpare } from './worktrees'
import { writeOwner } from './worktreeOwners'
import { keptWorktrees, removeKept, sweepLeftovers, type SweptWorktree } from './worktreeSweep'

function mkdirParent(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
}

export type { PlanOutcome } from './workspacePlanner'

/** A task's worktree while an attempt uses it. */
export interface PreparedWorkspace {
  taskId: string
  serverId: string
  /** The worktree's top folder, and the folder the task works in (the same subfolder as at submit). */
  root: string
  directory: string
  branch: string
  plan: WorkspacePlan
  /** Set when the worktree is on the server's machine, not this one. */
  remote?: RemotePlace
}

export interface CollectedResult {
  branch: string
  baseSha: string
  headSha?: string
  files: FileChange[]
  /** The local worktree, kept until the result is landed or discarded (a remote one goes once its result is home). */
  worktree?: string
  verify?: VerifyResult
}

/** What a user's command in a worktree (--setup, --verify) runs with, and where its lines go. */
export interface CommandContext {
  /** Each output line, untrusted (the caller makes it safe for a terminal). */
  onLine: (line: string) => void
  signal?: AbortSignal
}

export const SETUP_TIMEOUT_MS = 30 * 60_000
export const REMOTE_CACHE_MAX_AGE_DAYS = 30
export const REMOTE_CACHE_MAX_BYTES = 2 * 1024 ** 3
export const VERIFY_TIMEOUT_MS = 30 * 60_000
/** How long removing the spares waits for their warm-ups to end. */
const WARM_UP_WAIT_MS = 3_000

export interface WorkspacesOptions {
  /** Where local worktrees live (Flotilla's state folder). */
  root: string
  git?: GitRunner
  /** Frees the opencode instance a server kept for a worktree that goes. */
  disposeInstance?: (serverId: string, directory: string) => Promise<void>
  /**
   * Has a server boot what it needs for a folder before any task runs there (see warmUp): a
   * folder new to opencode costs its first turn 0.6 s more at 20k files (measured). Without it,
   * spares stay cold.
   */
  warmFolder?: (serverId: string, directory: string) => Promise<void>
  /** The opencode snapshot folders of the servers on this machine (see removeOpencodeSnapshots). */
  snapshotRoots?: () => string[]
  /** The snapshot folder of one server on this machine, where its snapshot of a new worktree is seeded (see seedOpencodeSnapshot). */
  snapshotRootOf?: (serverId: string) => string | undefined
  /** The snapshot folder of a server on another machine, as a path there (see remoteSnapshot.ts). */
  remoteSnapshotRootOf?: (serverId: string) => string | undefined
  /** The environment --setup and --verify run with: Flotilla's, without its secrets. */
  commandEnv?: () => NodeJS.ProcessEnv
  /** This process's task journal (null: none, a CLI run): worktrees holding its results outlive the process. */
  journal?: string | null
  /** Time limits of --setup and --verify (tests shorten them). */
  setupTimeoutMs?: number
  verifyTimeoutMs?: number
}

/**
 * Task workspaces on this machine: plans at submit, a worktree per attempt, the result committed
 * to the task's branch after the agent's turn (never inside its slot: collection has its own
 * limit per server), and the worktrees removed when their results are taken or the run ends.
 */
export class Workspaces {
  private readonly git: GitRunner
  private readonly worktrees: LocalWorktrees
  /** Worktrees that exist now, by task: only this class adds or removes them. */
  private readonly live = new Map<string, PreparedWorkspace>()
  private readonly collectors = new Map<string, PQueue>()
  /** Worktree paths (here or on other machines) that restored tasks hold, as the last sweep was told: never a leftover. */
  private held: ReadonlySet<string> = new Set()
  /** Machines whose ~/.flotilla this process has pruned (see tidyRemote). */
  private readonly tidiedHosts = new Map<string, Promise<void>>()
  /** Warm-ups under way, by the spare's folder: its task waits for one before it starts there. */
  private readonly warming = new Map<string, Promise<void>>()

  constructor(private readonly options: WorkspacesOptions) {
    this.git = options.git ?? new LocalGit()
    this.worktrees = new LocalWorktrees(this.git, options.root, { cooled: (spare) => this.forgetOn(spare.serverId, spare.path, spare.subdir) })
  }

  /**
   * The id for a new task that would start in a warm spare of its repository (one the server it
   * names, or any, already knows), or undefined for an ordinary id. Follow-ups keep their
   * worktree and never take one.
   */
  claimTaskId(plan: WorkspacePlan | undefined, target: TaskTarget): string | undefined {
    if (!plan || plan.continues) return undefined
    return this.worktrees.claim(plan.repo, plan.subdir ?? '', target.kind === 'server' ? target.serverId : undefined)
  }

  /** At submit: the commit the tasks start from (see planWorkspace). */
  plan(request: WorkspaceRequestInput, saved?: (root: string) => RepositorySettings | undefined): Promise<PlanOutcome> {
    return planWorkspace(this.git, request, saved)
  }

  /** The result's diff and whether it merges now (see resultDiff). */
  diff(task: Readonly<TaskView>, options: { file?: string; maxBytes: number; into?: string }): Promise<TaskDiff> {
    return resultDiff(this.git, task, options)
  }

  /** Whether the task's result merges cleanly into its target now; undefined when that cannot be said (no branch, no commit, no target). */
  async mergesNow(task: Readonly<TaskView>): Promise<boolean | undefined> {
    return task.result?.discarded ? undefined : (await mergeNow(this.git, task))?.clean
  }

  /**
   * The worktrees these (restored or journalled) tasks hold: a kept result's, and a task's still
   * running when the last process ended (its session is read again). A sweep leaves them alone.
   */
  heldBy(tasks: readonly TaskView[]): Set<string> {
    return new Set(tasks.flatMap((t) => (t.result?.worktree ? [t.result.worktree] : !isFinalState(t.state) && t.workspace ? [this.folderFor(t.workspace.repo, t.id)] : [])))
  }

  /** Where the task's worktree of this repository is (or would be) on this machine. */
  folderFor(repo: string, taskId: string): string {
    return this.worktrees.folderFor(repo, taskId)
  }

  /** git forgets worktrees whose folders are gone (a vanished one stays listed as prunable otherwise). */
  async prune(repo: string): Promise<void> {
    await this.git.run(['worktree', 'prune'], { cwd: repo }).catch(() => {})
  }

  /** The repository a folder is in (undefined: none). */
  inspect(folder: string): Promise<RepoFacts | undefined> {
    return inspectRepo(this.git, folder)
  }


  /**
   * A fresh worktree for this attempt of the task (an earlier attempt's is replaced), with the
   * --copy files in it and --setup run there. A setup that fails fails the attempt, and its
   * worktree goes.
   */
  async prepare(task: Readonly<TaskView>, serverId: string, context?: CommandContext, remote?: RemoteExec): Promise<PreparedWorkspace> {
    const plan = task.workspace
    if (!plan) throw new Error(`expected a task with a workspace plan, got ${task.id} without one`)
    await this.discardWorktree(task.id)
    if (remote) return this.prepareOn(remote, task.id, serverId, plan, context)
    const { path, branch, warmOn } = plan.continues ? await this.continueLocally(plan.repo, plan.continues) : await this.worktrees.add(plan.repo, task.id, plan.baseSha)
    if (warmOn) {
      await this.warming.get(path)
      // Another server runs it: the one that was warmed forgets the folder (its memory back).
      if (warmOn !== serverId) await this.forgetOn(warmOn, path, plan.subdir ?? '')
    }
    const prepared = { taskId: task.id, serverId, root: path, directory: plan.subdir ? join(path, plan.subdir) : path, branch, plan }
    // The task's folder may hold no tracked file (an empty or untracked folder at submit): git did not make it.
    mkdirSync(prepared.directory, { recursive: true })
    this.live.set(task.id, prepared)
    writeOwner(path, 'active', this.journal)
    try {
      const snapshots = this.options.snapshotRootOf?.(serverId)
      // Best effort: without it opencode makes the snapshot itself, only slower.
      if (snapshots && !plan.continues) await seedOpencodeSnapshot(this.git, path, snapshots).catch(() => undefined)
      for (const file of plan.copy) {
        mkdirParent(join(path, file))
        cpSync(join(plan.repo, file), join(path, file), { recursive: true, force: true, verbatimSymlinks: true })
      }
      if (plan.setup) {
        const outcome = await runShellCommand(plan.setup, { cwd: prepared.directory, env: this.commandEnv(), timeoutMs: this.options.setupTimeoutMs ?? SETUP_TIMEOUT_MS, signal: context?.signal, onLine: (l) => context?.onLine(l) })
        if (outcome.ended === 'aborted') throw new FlotillaError('the task was stopped during its setup', 'conflict')
        if (outcome.exitCode !== 0) throw new FlotillaError(`setup "${plan.setup}" ${outcome.ended === 'timeout' ? `did not finish within ${Math.round((this.options.setupTimeoutMs ?? SETUP_TIMEOUT_MS) / 1000)} s` : `exited with ${outcome.exitCode ?? 'a signal'}`}`, 'bad_request')
      }
    } catch (error) {
      await this.discardWorktree(task.id).catch(() => {})
      throw error
    }
    return prepared
  }

  /**
   * A follow-up's worktree: the one its first task left (taken over, with its folder, so the
   * session there finds its files), else a new one on the branch as it is now, in the same folder.
   */
  private async continueLocally(repo: string, continues: NonNullable<WorkspacePlan['continues']>): Promise<{ path: string; branch: string; warmOn?: undefined }> {
    const earlier = this.live.get(continues.taskId)
    if (earlier && !earlier.remote) {
      this.live.delete(continues.taskId)
      return { path: earlier.root, branch: continues.branch }
    }
    return { path: await this.worktrees.addOnBranch(repo, continues.folderTask, continues.branch), branch: continues.branch }
  }

  /** prepare(), on the server's machine: the base shipped there, the worktree made there, setup run there. */
  private async prepareOn(remote: RemoteExec, taskId: string, serverId: string, plan: WorkspacePlan, context?: CommandContext): Promise<PreparedWorkspace> {
    // A warm spare here claimed for a task that runs there: an ordinary spare again.
    await this.warming.get(this.folderFor(plan.repo, taskId))
    await this.worktrees.unclaim(taskId)
    await this.tidyRemote(remote)
    // A follow-up takes over the worktree its task left there, while it is there as that task left it; else it is made again.
    const place = (plan.continues && (await this.takeOverRemote(plan, remote))) || (await prepareRemote(this.git, remote, plan, taskId))
    const prepared: PreparedWorkspace = { taskId, serverId, root: place.root, directory: plan.subdir ? posix.join(place.root, plan.subdir) : place.root, branch: plan.continues?.branch ?? taskBranch(taskId), plan, remote: place }
    this.live.set(taskId, prepared)
    const snapshots = this.options.remoteSnapshotRootOf?.(serverId)
    // Best effort, as here: without it opencode makes the snapshot itself, only slower.
    if (snapshots) await seedRemoteSnapshot(remote, place.root, snapshots).catch(() => undefined)
    try {
      if (plan.setup) {
        const outcome = await runRemoteCommand(place, prepared.directory, plan.setup, { onLine: (l) => context?.onLine(l), signal: context?.signal, timeoutMs: this.options.setupTimeoutMs ?? SETUP_TIMEOUT_MS })
        if (context?.signal?.aborted) throw new FlotillaError('the task was stopped during its setup', 'conflict')
        if (outcome.exitCode !== 0) throw new FlotillaError(`setup "${plan.setup}" on ${remote.host} ${outcome.timedOut ? 'did not finish in time' : `exited with ${outcome.exitCode ?? 'a signal'}`}`, 'bad_request')
      }
    } catch (error) {
      await this.discardWorktree(taskId).catch(() => {})
      throw error
    }
    return prepared
  }

  /**
   * A follow-up's worktree on that machine: the one its task kept there (taken over, with its
   * folder and its ignored files, a dependency install say), when it is on the same machine and
   * its HEAD is still the branch's tip here (a result signed here is another commit: then it is
   * made again). Undefined when it cannot be taken over.
   */
  private async takeOverRemote(plan: WorkspacePlan, remote: RemoteExec): Promise<RemotePlace | undefined> {
    const continues = plan.continues!
    const earlier = this.live.get(continues.taskId)
    if (!earlier?.remote || earlier.remote.exec.host !== remote.host || earlier.branch !== continues.branch) return undefined
    const tip = (await this.git.run(['rev-parse', '--verify', '-q', `refs/heads/${continues.branch}^{commit}`], { cwd: plan.repo, okCodes: [1] })).stdout.trim()
    // Gone there (a sweep, someone's rm) or not a worktree any more: made again.
    const there = await remoteGitLine(new RemoteGit(remote, earlier.root), ['rev-parse', '--verify', '-q', 'HEAD'], { okCodes: [1, 128] }).catch(() => '')
    if (!tip || there !== tip) return undefined
    this.live.delete(continues.taskId)
    return { ...earlier.remote, exec: remote, shippedBytes: 0 }
  }

  /**
   * Once per machine and process, before its first task: the remote ~/.flotilla is pruned
   * (caches unused for 30 days go, big ones get git gc), so it never grows without bound. Other
   * tasks for that machine wait for it; a failure costs nothing but the tidying.
   */
  private tidyRemote(remote: RemoteExec): Promise<void> {
    let tidied = this.tidiedHosts.get(remote.host)
    if (!tidied) {
      tidied = pruneRemoteCaches(remote, { maxAgeDays: REMOTE_CACHE_MAX_AGE_DAYS, maxBytes: REMOTE_CACHE_MAX_BYTES, held: this.held }).then(
        () => {},
        () => {},
      )
      this.tidiedHosts.set(remote.host, tidied)
    }
    return tidied
  }

  /** collect(), for a worktree on another machine: committed there, brought home, verified there, then removed there. */
  private async collectFrom(place: RemotePlace, prepared: PreparedWorkspace, info: { subject: string; serverName: string }, context?: CommandContext): Promise<CollectedResult> {
    const { plan } = prepared
    const head = await collectRemote(this.git, place, plan, { branch: prepared.branch, subject: info.subject, trailers: { 'Flotilla-Task': prepared.taskId, 'Flotilla-Server': info.serverName } })
    const files = head ? await changedFiles(this.git, plan.repo, plan.baseSha, head) : []
    let verify: VerifyResult | undefined
    if (plan.verify && context) {
      const outcome = await runRemoteCommand(place, prepared.directory, plan.verify, { ...context, timeoutMs: this.options.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS })
      verify = { command: plan.verify, passed: outcome.exitCode === 0, ...outcome }
    }
    // Kept there like a local one (until landed or discarded, the run's end or the engine's close without a journal).
    return { branch: prepared.branch, baseSha: plan.baseSha, headSha: head, files, worktree: prepared.root, verify }
  }

  /**
   * Commits what the task changed to its branch and reads the files from git. Runs after the
   * agent's turn, at most `capacity` at a time per server.
   */
  async collect(prepared: PreparedWorkspace, info: { subject: string; serverName: string; capacity: number }, context?: CommandContext): Promise<CollectedResult> {
    return this.collector(prepared.serverId, info.capacity).add(async () => {
      if (prepared.remote) return this.collectFrom(prepared.remote, prepared, info, context)
      const { plan } = prepared
      const parent = (await this.git.run(['rev-parse', 'HEAD'], { cwd: prepared.root })).stdout.trim()
      const made = await commitResult(this.git, {
        worktree: prepared.root,
        parent,
        leaveOut: plan.copy,
        subject: info.subject,
        trailers: { 'Flotilla-Task': prepared.taskId, 'Flotilla-Server': info.serverName },
        identity: () => localIdentity(this.git, plan.repo),
      })
      const head = made ?? parent
      const changed = head !== plan.baseSha
      const files = changed ? await changedFiles(this.git, prepared.root, plan.baseSha, head) : []
      // From here on it holds a result: removed when the result is landed or discarded (or the run ends), not swept.
      writeOwner(prepared.root, 'result', this.journal)
      const verify = plan.verify && context ? await this.verify(prepared, plan.verify, context) : undefined
      return { branch: prepared.branch, baseSha: plan.baseSha, headSha: changed ? head : undefined, files, worktree: prepared.root, verify }
    }) as Promise<CollectedResult> // p-queue's add says void only for a timeout, which is not set
  }

  /** --verify in the committed worktree: recorded on the result, never a failure of the task. */
  private async verify(prepared: PreparedWorkspace, command: string, context: CommandContext): Promise<VerifyResult> {
    const timeoutMs = this.options.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS
    const outcome = await runShellCommand(command, { cwd: prepared.directory, env: this.commandEnv(), timeoutMs, signal: context.signal, onLine: context.onLine })
    const timedOut = outcome.ended === 'timeout'
    return { command, passed: outcome.exitCode === 0, exitCode: outcome.exitCode, durationMs: outcome.durationMs, output: outcome.tail, ...(timedOut ? { timedOut } : {}) }
  }

  private commandEnv(): NodeJS.ProcessEnv {
    return this.options.commandEnv?.() ?? process.env
  }


  /**
   * Lands the task's result into its target branch; once landed, its worktree goes (the branch
   * stays), kept as a spare unless `lastTasks` says no task will follow (the end of a run).
   */
  async land(task: Readonly<TaskView>, options: LandOptions = {}, after: { lastTasks?: boolean } = {}): Promise<LandReport> {
    const report = await landTask(this.git, task, options)
    if (report.status === 'landed') await this.discardWorktree(task.id, { recycle: !after.lastTasks }).catch(() => {})
    return report
  }

  /**
   * Removes a finished task's worktree (by the path its result recorded, so it also works after
   * a restart, but only inside Flotilla's own folder) and its branch, guarded by the result's
   * commit so a branch someone moved on is kept. A worktree kept on another machine by an
   * earlier process is removed there through `remote` (its server's link); without one it stays
   * for the next sweep there, and `remoteLeft` says so.
   */
  async discardResult(task: Readonly<TaskView>, options: { remote?: RemoteExec } = {}): Promise<{ branchKept?: string; remoteLeft?: string }> {
    const restoredRemote = !this.live.has(task.id) && task.result?.worktreeHost !== undefined && task.result.worktree !== undefined
    await this.discardWorktree(task.id)
    const worktree = task.result?.worktree
    const plan = task.workspace
    if (!plan) return {}
    const remoteLeft = restoredRemote ? await this.removeRestoredRemote(task, plan, options.remote) : undefined
    const kept = await this.discardLocal(task, plan, worktree)
    return { ...kept, ...(remoteLeft ? { remoteLeft } : {}) }
  }

  /** A worktree on another machine that a restored result holds, removed there with its branch there; what stays, said. */
  private async removeRestoredRemote(task: Readonly<TaskView>, plan: WorkspacePlan, remote: RemoteExec | undefined): Promise<string | undefined> {
    const host = task.result!.worktreeHost!
    if (!remote) return `its worktree on ${host} stays until the next sweep there: its server is not running, so that machine cannot be reached`
    try {
      const cache = await remoteCacheRepo(remote, repoKey(plan.repo))
      // The path comes from the journal: removeRemoteWorktree refuses one outside the cache's worktrees.
      await removeRemoteWorktree(remote, { cacheRepo: cache.repo, path: task.result!.worktree!, branch: task.result!.branch })
      const serverId = task.serverId ?? task.attempts.at(-1)?.serverId
      if (serverId) await this.removeSnapshotsThere(remote, serverId, task.result!.worktree!)
      return undefined
    } catch (error) {
      return `its worktree on ${host} could not be removed (${errorMessage(error)}): the next sweep there removes it`
    }
  }

  private async discardLocal(task: Readonly<TaskView>, plan: WorkspacePlan, worktree: string | undefined): Promise<{ branchKept?: string }> {
    if (worktree && this.worktrees.owns(worktree) && existsSync(worktree)) {
      await this.worktrees.remove(plan.repo, worktree)
    } else if (worktree && this.worktrees.owns(worktree)) await this.worktrees.forget(plan.repo, worktree)
    else await this.prune(plan.repo)
    const ref = `refs/heads/${taskBranch(task.id)}`
    const tip = (await this.git.run(['rev-parse', '--verify', '-q', ref], { cwd: plan.repo, okCodes: [1] })).stdout.trim()
    if (!tip) return {}
    if (tip !== (task.result?.headSha ?? plan.baseSha)) return { branchKept: `${taskBranch(task.id)} has commits the result does not know (${tip.slice(0, 10)}): it was kept` }
    await this.git.run(['update-ref', '-d', ref, tip], { cwd: plan.repo })
    return {}
  }


  /** Results that would conflict with each other when all are landed (see landing.ts). */
  conflictsBetween(tasks: readonly TaskView[], options: LandOptions = {}): Promise<Array<{ a: string; b: string; files: string[] }>> {
    return conflictsBetween(this.git, tasks, options)
  }

  /** Where the server's opencode keeps its snapshot repositories (for seeding one; undefined: not on this machine). */
  snapshotRootOf(serverId: string): string | undefined {
    return this.options.snapshotRootOf?.(serverId)
  }

  /** The worktree of a task, while it exists. */
  worktreeOf(taskId: string): PreparedWorkspace | undefined {
    return this.live.get(taskId)
  }

  /**
   * Removes the task's worktree (and frees opencode's instance for it). Its branch stays when it
   * holds a result; a branch with no commit of its own is deleted with it (it says nothing).
   */
  async discardWorktree(taskId: string, options: { recycle?: boolean } = {}): Promise<void> {
    const prepared = this.live.get(taskId)
    if (!prepared) return
    this.live.delete(taskId)
    await this.options.disposeInstance?.(prepared.serverId, prepared.directory).catch(() => {})
    if (prepared.remote) {
      await removeRemote(prepared.remote, prepared.branch)
      await this.removeSnapshotsThere(prepared.remote.exec, prepared.serverId, prepared.root)
    } else {
      // Kept as a spare for the next task of this repository unless the process is ending (see LocalWorktrees);
      // warm for the server that ran it when that one is on this machine.
      const local = this.options.warmFolder && this.options.snapshotRootOf?.(prepared.serverId) !== undefined
      const warmFor = local ? { serverId: prepared.serverId, subdir: prepared.plan.subdir ?? '' } : undefined
      const { warm } = await this.worktrees.remove(prepared.plan.repo, prepared.root, { recycle: options.recycle ?? true, warmFor })
      removeOpencodeSnapshots(prepared.root, this.options.snapshotRoots?.() ?? [])
      if (warm) this.warmUp(warm)
    }
    const ref = `refs/heads/${taskBranch(taskId)}`
    const tip = (await this.git.run(['rev-parse', '--verify', '-q', ref], { cwd: prepared.plan.repo, okCodes: [1] })).stdout.trim()
    if (tip === prepared.plan.baseSha) await this.git.run(['update-ref', '-d', ref, tip], { cwd: prepared.plan.repo }).catch(() => {})
  }

  /** Every worktree this process made (the end of a run, or the engine closing with nothing to keep). */
  async discardAll(): Promise<string[]> {
    const failures: string[] = []
    for (const taskId of [...this.live.keys()]) {
      await this.discardWorktree(taskId, { recycle: false }).catch((error: unknown) => failures.push(`${taskId}: ${errorMessage(error)}`))
    }
    return [...failures, ...(await this.removeSpares())]
  }

  /** The spare worktrees this process kept for its next tasks, removed (nothing of a task is in them); returns failures. */
  async removeSpares(): Promise<string[]> {
    // A warm-up still under way finishes first (else the server could boot a folder already gone),
    // but a hung server does not hold the end of a run or the engine's close for long.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(this.warming.values()), new Promise((resolve) => (timer = setTimeout(resolve, WARM_UP_WAIT_MS)))])
    clearTimeout(timer)
    return this.worktrees.removeSpares()
  }

  /**
   * A warm spare made ready for its next task, in the background: opencode's snapshot of it
   * seeded for the server, and the server asked to boot what it needs for the folder (watcher,
   * project bookkeeping), which a first turn there would otherwise wait for. A failure costs
   * only the head start.
   */
  private warmUp(spare: WarmSpare): void {
    const work = (async () => {
      const snapshots = this.options.snapshotRootOf?.(spare.serverId)
      if (snapshots) await seedOpencodeSnapshot(this.git, spare.path, snapshots)
      await this.options.warmFolder?.(spare.serverId, spare.subdir ? join(spare.path, spare.subdir) : spare.path)
    })().catch(() => {})
    this.warming.set(spare.path, work)
    void work.then(() => this.warming.get(spare.path) === work && this.warming.delete(spare.path))
  }

  /** opencode's snapshot of a worktree on another machine, removed there (best effort: a stopped server's machine cannot be reached). */
  private async removeSnapshotsThere(remote: RemoteExec, serverId: string, worktree: string): Promise<void> {
    const snapshots = this.options.remoteSnapshotRootOf?.(serverId)
    if (snapshots) await removeRemoteSnapshots(remote, worktree, snapshots).catch(() => {})
  }

  /** A server forgets a folder of this machine: its opencode instance freed, its snapshot of it removed. */
  private async forgetOn(serverId: string, path: string, subdir: string): Promise<void> {
    await this.options.disposeInstance?.(serverId, subdir ? join(path, subdir) : path).catch(() => {})
    const root = this.options.snapshotRootOf?.(serverId)
    removeOpencodeSnapshots(path, root ? [root] : (this.options.snapshotRoots?.() ?? []))
  }

  /** --keep-worktrees: this process's worktrees stay after it, and no later start removes them unasked. */
  async keepAll(): Promise<string[]> {
    const kept = [...this.live.values()]
    this.live.clear()
    for (const p of kept) {
      // A worktree on another machine has its note there: marked kept, so no later sweep takes it for a crashed run's.
      if (p.remote) await writeRemoteOwner(p.remote.exec, p.root, { ...localOwner(), kept: true }).catch(() => {})
      else writeOwner(p.root, 'kept', this.journal)
    }
    return kept.map((p) => p.root)
  }

  /**
   * After a restart: restored results whose worktree is still there are this process's again
   * (discard and land find them); the ones whose folder vanished are returned (their branches stay).
   */
  async adopt(tasks: readonly TaskView[]): Promise<{ missing: TaskView[] }> {
    const missing: TaskView[] = []
    for (const task of tasks) {
      const worktree = task.result?.worktree
      if (!worktree || !task.workspace || !task.result?.branch) continue
      // On another machine: nothing here to check; the remote sweep keeps it while the journal holds it (see tidyRemote).
      if (task.result.worktreeHost) continue
      if (!existsSync(worktree) || !this.worktrees.owns(worktree)) {
        missing.push(task)
        // git forgets it too (else it stays listed as prunable), and its owner note goes.
        if (this.worktrees.owns(worktree)) await this.worktrees.forget(task.workspace.repo, worktree)
        continue
      }
      const plan = task.workspace
      this.live.set(task.id, { taskId: task.id, serverId: task.serverId ?? task.attempts.at(-1)?.serverId ?? '', root: worktree, directory: plan.subdir ? join(worktree, plan.subdir) : worktree, branch: task.result.branch, plan })
      writeOwner(worktree, 'result', this.journal)
    }
    return { missing }
  }

  /** Worktrees a crash or kill -9 left behind, removed (see sweepLeftovers); `listed`: worktrees restored tasks hold. */
  sweep(options: { listed?: ReadonlySet<string>; dryRun?: boolean } = {}): Promise<SweptWorktree[]> {
    // Also the worktrees on other machines that restored tasks hold: their owner (an earlier process) is gone, and tidyRemote must keep them.
    if (options.listed && !options.dryRun) this.held = options.listed
    return sweepLeftovers(this.worktrees, this.options.root, { ...options, journal: this.journal, isLive: (taskId) => this.live.has(taskId) })
  }

  /** Worktrees kept with --keep-worktrees (listed by gc, removed only when asked). */
  keptWorktrees(): Array<{ path: string; repo?: string }> {
    return keptWorktrees(this.options.root)
  }

  /** Removes the --keep-worktrees worktrees (flotilla gc --kept); returns the ones that could not be. */
  removeKept(dryRun = false): Promise<string[]> {
    return dryRun ? Promise.resolve([]) : removeKept(this.worktrees, this.options.root)
  }

  private get journal(): string | null {
    return this.options.journal ?? null
  }

  get liveCount(): number {
    return this.live.size
  }

  private collector(serverId: string, capacity: number): PQueue {
    let queue = this.collectors.get(serverId)
    if (!queue) this.collectors.set(serverId, (queue = new PQueue({ concurrency: Math.max(1, capacity) })))
    queue.concurrency = Math.max(1, capacity)
    return queue
  }

}
