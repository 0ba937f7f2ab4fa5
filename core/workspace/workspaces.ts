import { realpathSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import PQueue from 'p-queue'
import type { TaskView, WorkspacePlan, WorkspaceRequest } from '../contract/tasks'
import { errorMessage, FlotillaError } from '../lib/errors'
import { changedFiles, type FileChange } from './changedFiles'
import { LocalGit, type GitRunner } from './git'
import { inspectRepo, localIdentity, resolveCommit, type RepoFacts } from './repo'
import { commitResult } from './resultCommit'
import { snapshotDirtyState } from './snapshot'
import { LocalWorktrees, taskBranch } from './worktrees'

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
}

export interface CollectedResult {
  branch: string
  baseSha: string
  headSha?: string
  files: FileChange[]
  worktree: string
}

export interface WorkspacesOptions {
  /** Where local worktrees live (Flotilla's state folder). */
  root: string
  git?: GitRunner
  /** Frees the opencode instance a server kept for a worktree that goes. */
  disposeInstance?: (serverId: string, directory: string) => Promise<void>
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

  /** At submit: the commit the tasks start from (and the dirty snapshot, when asked), or why they share the folder. */
  async plan(request: WorkspaceRequest): Promise<PlanOutcome> {
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
    const dirtySnapshot = request.includeDirty && facts.dirty
    if (dirtySnapshot) {
      if (baseCommit !== facts.head) throw new FlotillaError(`expected --include-dirty with the checked-out commit as the base (the uncommitted changes are against it), got --base ${baseRef}`, 'bad_request')
      baseSha = await snapshotDirtyState(this.git, facts.root, facts.head)
    }
    const subdir = relative(facts.root, folder).split(sep).join('/')
    return { kind: 'plan', facts, plan: { repo: facts.root, subdir, baseRef, baseCommit, baseSha, dirtySnapshot, targetBranch: facts.branch } }
  }

  /** A fresh worktree for this attempt of the task (an earlier attempt's is replaced). */
  async prepare(task: Readonly<TaskView>, serverId: string): Promise<PreparedWorkspace> {
    const plan = task.workspace
    if (!plan) throw new Error(`expected a task with a workspace plan, got ${task.id} without one`)
    await this.discardWorktree(task.id)
    const { path, branch } = await this.worktrees.add(plan.repo, task.id, plan.baseSha)
    const prepared = { taskId: task.id, serverId, root: path, directory: plan.subdir ? join(path, plan.subdir) : path, branch, plan }
    this.live.set(task.id, prepared)
    return prepared
  }

  /**
   * Commits what the task changed to its branch and reads the files from git. Runs after the
   * agent's turn, at most `capacity` at a time per server.
   */
  async collect(prepared: PreparedWorkspace, info: { subject: string; serverName: string; capacity: number }): Promise<CollectedResult> {
    return this.collector(prepared.serverId, info.capacity).add(async () => {
      const { plan } = prepared
      const parent = (await this.git.run(['rev-parse', 'HEAD'], { cwd: prepared.root })).stdout.trim()
      await commitResult(this.git, {
        worktree: prepared.root,
        parent,
        subject: info.subject,
        trailers: { 'Flotilla-Task': prepared.taskId, 'Flotilla-Server': info.serverName },
        identity: () => localIdentity(this.git, plan.repo),
      })
      const head = (await this.git.run(['rev-parse', 'HEAD'], { cwd: prepared.root })).stdout.trim()
      const changed = head !== plan.baseSha
      const files = changed ? await changedFiles(this.git, prepared.root, plan.baseSha, head) : []
      return { branch: prepared.branch, baseSha: plan.baseSha, headSha: changed ? head : undefined, files, worktree: prepared.root }
    }) as Promise<CollectedResult> // p-queue's add says void only for a timeout, which is not set
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
    await this.worktrees.remove(prepared.plan.repo, prepared.root)
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
