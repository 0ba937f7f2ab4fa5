import { cpSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs'
import { dirname, join, posix, relative, sep } from 'node:path'
import PQueue from 'p-queue'
import type { RepositorySettings } from '../contract/settings'
import type { LandReport, TaskDiff, TaskView, VerifyResult, WorkspacePlan, WorkspaceRequestInput } from '../contract/tasks'
import { errorMessage, FlotillaError } from '../lib/errors'
import { changedFiles, type FileChange } from './changedFiles'
import { conflictsBetween, landTask, type LandOptions } from './landing'
import { mergeCheck } from './land'
import type { RemoteExec } from './remote/remoteGit'
import { collectRemote, prepareRemote, removeRemote, runRemoteCommand, type RemotePlace } from './remoteWorkspace'
import { LocalGit, type GitRunner } from './git'
import { inspectRepo, localIdentity, resolveCommit, type RepoFacts } from './repo'
import { commitResult } from './resultCommit'
import { runShellCommand } from './shellCommand'
import { snapshotDirtyState } from './snapshot'
import { LocalWorktrees, taskBranch } from './worktrees'
import { findWorktrees, leftoverReason, removeOwner, writeOwner } from './worktreeOwners'

function mkdirParent(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
}

/** What `plan` found: a plan, or the reason the folder's tasks share it (not a git repository). */
export type PlanOutcome = { kind: 'plan'; plan: WorkspacePlan; facts: RepoFacts } | { kind: 'shared'; reason: string }

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
export const VERIFY_TIMEOUT_MS = 30 * 60_000

export interface WorkspacesOptions {
  /** Where local worktrees live (Flotilla's state folder). */
  root: string
  git?: GitRunner
  /** Frees the opencode instance a server kept for a worktree that goes. */
  disposeInstance?: (serverId: string, directory: string) => Promise<void>
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

  constructor(private readonly options: WorkspacesOptions) {
    this.git = options.git ?? new LocalGit()
    this.worktrees = new LocalWorktrees(this.git, options.root)
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

  /** At submit: the commit the tasks start from (and the dirty snapshot, when asked), or why they share the folder. */
  /** `saved`: the repository's saved settings (setup, copy, verify), for what the request does not say. */
  async plan(request: WorkspaceRequestInput, saved?: (root: string) => RepositorySettings | undefined): Promise<PlanOutcome> {
    let folder: string
    try {
      folder = realpathSync(request.repo)
    } catch {
      throw new FlotillaError(`expected an existing folder for the task's repository, got "${request.repo}"`, 'bad_request')
    }
    const facts = await inspectRepo(this.git, folder)
    if (!facts) return { kind: 'shared', reason: `${folder} is not in a git repository` }
    if (!facts.head) throw new FlotillaError(`expected a repository with at least one commit for isolated tasks, got none in ${facts.root} (commit once, or run with --no-isolate)`, 'bad_request')
    if (facts.submodules.length > 0) {
      throw new FlotillaError(`expected a repository without submodules for isolated tasks (a worktree would have them empty), got ${facts.submodules.slice(0, 5).join(', ')}; run with --no-isolate`, 'bad_request')
    }
    if (facts.lfs && !(await this.lfsInstalled(facts.root))) {
      throw new FlotillaError(`this repository stores files with Git LFS, and git-lfs is not set up here: a worktree would hold pointer files; install git-lfs (git lfs install) or run with --no-isolate`, 'bad_request')
    }
    const baseRef = request.base ?? 'HEAD'
    const baseCommit = await resolveCommit(this.git, facts.root, baseRef)
    let baseSha = baseCommit
    const dirtySnapshot = (request.includeDirty ?? false) && facts.dirty
    if (dirtySnapshot) {
      if (baseCommit !== facts.head) throw new FlotillaError(`expected --include-dirty with the checked-out commit as the base (the uncommitted changes are against it), got --base ${baseRef}`, 'bad_request')
      baseSha = await snapshotDirtyState(this.git, facts.root, facts.head)
    }
    const subdir = relative(facts.root, folder).split(sep).join('/')
    // --copy paths are relative to the folder asked for; the plan keeps them relative to the repository's top.
    const defaults = saved?.(facts.root)
    // The saved copy list is relative to the repository's top; one given with the request, to its folder.
    const copy = request.copy?.length ? request.copy.map((p) => posix.join(subdir, p)) : (defaults?.copy ?? [])
    await this.checkCopies(facts.root, copy)
    const setup = request.setup ?? defaults?.setup
    const verify = request.verify ?? defaults?.verify
    const plan: WorkspacePlan = { repo: facts.root, subdir, baseRef, baseCommit, baseSha, dirtySnapshot, targetBranch: facts.branch, copy, setup, verify }
    return { kind: 'plan', facts, plan }
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
    const { path, branch } = await this.worktrees.add(plan.repo, task.id, plan.baseSha)
    const prepared = { taskId: task.id, serverId, root: path, directory: plan.subdir ? join(path, plan.subdir) : path, branch, plan }
    this.live.set(task.id, prepared)
    writeOwner(path, 'active', this.journal)
    try {
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

  /** prepare(), on the server's machine: the base shipped there, the worktree made there, setup run there. */
  private async prepareOn(remote: RemoteExec, taskId: string, serverId: string, plan: WorkspacePlan, context?: CommandContext): Promise<PreparedWorkspace> {
    const place = await prepareRemote(this.git, remote, plan, taskId)
    const prepared: PreparedWorkspace = { taskId, serverId, root: place.root, directory: plan.subdir ? posix.join(place.root, plan.subdir) : place.root, branch: taskBranch(taskId), plan, remote: place }
    this.live.set(taskId, prepared)
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

  /** collect(), for a worktree on another machine: committed there, brought home, verified there, then removed there. */
  private async collectFrom(place: RemotePlace, prepared: PreparedWorkspace, info: { subject: string; serverName: string }, context?: CommandContext): Promise<CollectedResult> {
    const { plan } = prepared
    const head = await collectRemote(this.git, place, plan, { taskId: prepared.taskId, subject: info.subject, trailers: { 'Flotilla-Task': prepared.taskId, 'Flotilla-Server': info.serverName } })
    const files = head ? await changedFiles(this.git, plan.repo, plan.baseSha, head) : []
    let verify: VerifyResult | undefined
    if (plan.verify && context) {
      const outcome = await runRemoteCommand(place, prepared.directory, plan.verify, { ...context, timeoutMs: this.options.verifyTimeoutMs ?? VERIFY_TIMEOUT_MS })
      verify = { command: plan.verify, passed: outcome.exitCode === 0, ...outcome }
    }
    return { branch: prepared.branch, baseSha: plan.baseSha, headSha: head, files, verify }
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
      await commitResult(this.git, {
        worktree: prepared.root,
        parent,
        leaveOut: plan.copy,
        subject: info.subject,
        trailers: { 'Flotilla-Task': prepared.taskId, 'Flotilla-Server': info.serverName },
        identity: () => localIdentity(this.git, plan.repo),
      })
      const head = (await this.git.run(['rev-parse', 'HEAD'], { cwd: prepared.root })).stdout.trim()
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

  /** --copy names untracked files of the checkout: tracked ones are in the worktree already. */
  private async checkCopies(root: string, copy: readonly string[]): Promise<void> {
    for (const file of copy) {
      if (!existsSync(join(root, file))) throw new FlotillaError(`expected a file or folder to copy at ${join(root, file)}, got none`, 'bad_request')
      const tracked = (await this.git.run(['ls-files', '--', file], { cwd: root })).stdout.trim()
      if (tracked) throw new FlotillaError(`expected an untracked file or folder to copy (tracked files are in every worktree already), got ${file}, which git tracks`, 'bad_request')
    }
  }

  /** Lands the task's result into its target branch; once landed, its worktree goes (the branch stays). */
  async land(task: Readonly<TaskView>, options: LandOptions = {}): Promise<LandReport> {
    const report = await landTask(this.git, task, options)
    if (report.status === 'landed') await this.discardWorktree(task.id).catch(() => {})
    return report
  }

  /**
   * Removes a finished task's worktree (by the path its result recorded, so it also works after
   * a restart, but only inside Flotilla's own folder) and its branch, guarded by the result's
   * commit so a branch someone moved on is kept.
   */
  async discardResult(task: Readonly<TaskView>): Promise<{ branchKept?: string }> {
    await this.discardWorktree(task.id)
    const worktree = task.result?.worktree
    const plan = task.workspace
    if (!plan) return {}
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

  /** The result's unified diff (all files or one), at most maxBytes of it, and whether it merges into its target now. */
  async diff(task: Readonly<TaskView>, options: { file?: string; maxBytes: number; into?: string }): Promise<TaskDiff> {
    const plan = task.workspace
    const result = task.result
    if (!plan || !result?.branch) throw new FlotillaError(`expected a task whose result is a branch, got ${task.id} (${task.result?.isolation ?? 'no result yet'})`, 'conflict')
    const base = result.baseSha ?? plan.baseSha
    const head = result.headSha
    if (!head) return { files: [], patch: '', truncated: false, totalBytes: 0 }
    if (options.file !== undefined && !result.files.some((f) => f.file === options.file || f.from === options.file)) {
      throw new FlotillaError(`expected one of the result's files, got "${options.file}"`, 'bad_request')
    }
    const args = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M', base, head, '--', ...(options.file ? [options.file] : [])]
    const full = (await this.git.run(args, { cwd: plan.repo })).stdout
    const bytes = Buffer.byteLength(full)
    const patch = bytes > options.maxBytes ? Buffer.from(full).subarray(0, options.maxBytes).toString('utf8').replace(/\uFFFD$/, '') : full
    const into = options.into ?? plan.targetBranch
    let merge: TaskDiff['merge']
    if (into) {
      const check = await mergeCheck(this.git, { repo: plan.repo, into, head, base }).catch(() => undefined)
      if (check) merge = { into, clean: check.clean, files: check.files }
    }
    return { files: result.files, patch, truncated: bytes > options.maxBytes, totalBytes: bytes, merge }
  }

  /** Results that would conflict with each other when all are landed (see landing.ts). */
  conflictsBetween(tasks: readonly TaskView[], options: LandOptions = {}): Promise<Array<{ a: string; b: string; files: string[] }>> {
    return conflictsBetween(this.git, tasks, options)
  }

  /** The worktree of a task, while it exists. */
  worktreeOf(taskId: string): PreparedWorkspace | undefined {
    return this.live.get(taskId)
  }

  /**
   * Removes the task's worktree (and frees opencode's instance for it). Its branch stays when it
   * holds a result; a branch with no commit of its own is deleted with it (it says nothing).
   */
  async discardWorktree(taskId: string): Promise<void> {
    const prepared = this.live.get(taskId)
    if (!prepared) return
    this.live.delete(taskId)
    await this.options.disposeInstance?.(prepared.serverId, prepared.directory).catch(() => {})
    if (prepared.remote) await removeRemote(prepared.remote, taskId)
    else await this.worktrees.remove(prepared.plan.repo, prepared.root)
    const ref = `refs/heads/${taskBranch(taskId)}`
    const tip = (await this.git.run(['rev-parse', '--verify', '-q', ref], { cwd: prepared.plan.repo, okCodes: [1] })).stdout.trim()
    if (tip === prepared.plan.baseSha) await this.git.run(['update-ref', '-d', ref, tip], { cwd: prepared.plan.repo }).catch(() => {})
  }

  /** Every worktree this process made (the end of a run, or the engine closing with nothing to keep). */
  async discardAll(): Promise<string[]> {
    const failures: string[] = []
    for (const taskId of [...this.live.keys()]) {
      await this.discardWorktree(taskId).catch((error: unknown) => failures.push(`${taskId}: ${errorMessage(error)}`))
    }
    return failures
  }

  /** --keep-worktrees: this process's worktrees stay after it, and no later start removes them unasked. */
  keepAll(): string[] {
    const kept = [...this.live.values()].map((p) => p.root)
    for (const path of kept) writeOwner(path, 'kept', this.journal)
    this.live.clear()
    return kept
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

  /**
   * Worktrees a crash or kill -9 left behind (see leftoverReason), removed through git so the
   * repository forgets them too; their branches stay. `listed`: worktrees restored tasks hold.
   */
  async sweep(options: { listed?: ReadonlySet<string>; dryRun?: boolean } = {}): Promise<Array<{ path: string; repo?: string; reason: string; error?: string }>> {
    const swept: Array<{ path: string; repo?: string; reason: string; error?: string }> = []
    for (const found of findWorktrees(this.options.root)) {
      if (this.live.has(found.taskId)) continue
      const reason = leftoverReason(found, this.journal, options.listed ?? new Set())
      if (!reason) continue
      const entry: { path: string; repo?: string; reason: string; error?: string } = { path: found.path, repo: found.repo, reason }
      if (!options.dryRun) {
        try {
          if (found.repo && existsSync(found.repo)) await this.worktrees.remove(found.repo, found.path)
          else {
            rmSync(found.path, { recursive: true, force: true })
            removeOwner(found.path)
          }
        } catch (error) {
          entry.error = errorMessage(error)
        }
      }
      swept.push(entry)
    }
    return swept
  }

  /** Worktrees kept with --keep-worktrees (listed by gc, removed only when asked). */
  keptWorktrees(): Array<{ path: string; repo?: string }> {
    return findWorktrees(this.options.root)
      .filter((f) => f.owner?.state === 'kept')
      .map((f) => ({ path: f.path, repo: f.repo }))
  }

  /** Removes the --keep-worktrees worktrees (flotilla gc --kept); returns the ones that could not be. */
  async removeKept(dryRun = false): Promise<string[]> {
    const failures: string[] = []
    if (dryRun) return failures
    for (const kept of this.keptWorktrees()) {
      try {
        if (kept.repo && existsSync(kept.repo)) await this.worktrees.remove(kept.repo, kept.path)
        else {
          rmSync(kept.path, { recursive: true, force: true })
          removeOwner(kept.path)
        }
      } catch (error) {
        failures.push(`${kept.path}: ${errorMessage(error)}`)
      }
    }
    return failures
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

  private async lfsInstalled(root: string): Promise<boolean> {
    const out = await this.git.run(['config', '--get', 'filter.lfs.process'], { cwd: root, okCodes: [1] })
    return out.stdout.trim().length > 0
  }
}
