import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { shortId } from '../lib/random'
import type { GitRunner } from './git'
import { removeOwner, writeOwner } from './worktreeOwners'

export const BRANCH_PREFIX = 'flotilla/'
/** Folder names of spare worktrees (a task id never starts so). */
export const SPARE_PREFIX = 'spare-'
/**
 * At most this many spare worktrees per repository. A spare is a removed task's worktree kept,
 * cleaned, for the next task: making a worktree writes every file of the checkout (20k files:
 * 0.2 s on a quiet disk, 1.5-5 s measured on this machine's ext4 once it has churned), while
 * reusing one rewrites only the files that differ between the two commits.
 */
export const MAX_SPARES_PER_REPO = 4

/** A warm spare: a spare whose folder is already named after the task that will take it, so an opencode server can know the folder before that task exists. */
export interface WarmSpare {
  repo: string
  path: string
  /** The folder below it the server knows ('' for the worktree itself): a task of the same subfolder takes it. */
  subdir: string
  /** The server that was asked to know the folder (see Workspaces). */
  serverId: string
}

export interface LocalWorktreesOptions {
  /** A warm spare stops being one (removed, or made an ordinary spare): the server that knew its folder forgets it. */
  cooled?: (spare: WarmSpare) => Promise<void>
}

/** The branch a task's result lives on. */
export function taskBranch(taskId: string): string {
  return `${BRANCH_PREFIX}${taskId}`
}

/**
 * Local worktrees, in Flotilla's state folder (never inside the user's repository): one folder
 * per repository (named after it, plus a hash of its path so two `app` repositories differ),
 * holding one worktree per task and a `repo` file naming the repository, so worktrees a crash
 * left behind can be found and removed at the next start.
 */
export class LocalWorktrees {
  /** Adds and removes in one repository run one at a time: they share its worktree list and this folder. */
  private readonly chains = new Map<string, Promise<unknown>>()
  /** This process's spare worktrees per repository (changed only inside serial()). */
  private readonly spares = new Map<string, string[]>()
  /**
   * Warm spares by repository and server, each in a folder named after a task id not given out
   * yet: opencode keys what it has booted for a folder by its path, so the spare keeps its folder
   * when a task takes it (claim() hands that id to the task). At most one per repository and server.
   */
  private readonly warm = new Map<string, Map<string, WarmSpare>>()
  /** Warm spares claimed by a task (by its id) that has not taken its worktree yet. */
  private readonly claimed = new Map<string, WarmSpare>()

  constructor(
    private readonly git: GitRunner,
    private readonly root: string,
    private readonly options: LocalWorktreesOptions = {},
  ) {}

  /** Whether a path is one of Flotilla's worktree folders (a path from a journal is checked before anything is removed). */
  owns(path: string): boolean {
    const rel = relative(this.root, resolve(path))
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep).length === 2
  }

  folderFor(repo: string, taskId: string): string {
    return join(this.repoFolder(repo), taskId)
  }

  /**
   * A fresh worktree for the task on its branch at `base` (a branch left by an earlier attempt
   * starts again from base). `warmOn`: the task took the warm spare it claimed, which that server knows.
   */
  add(repo: string, taskId: string, base: string): Promise<{ path: string; branch: string; warmOn?: string }> {
    return this.serial(repo, () => this.addNow(repo, taskId, base))
  }

  /**
   * The id for a new task of this repository that would start in a warm spare: one a server
   * (`serverId`, when the task names its server) already knows. The spare is the task's from
   * now on (add() takes it); undefined when there is none. Synchronous: it is asked while the
   * task is made.
   */
  claim(repo: string, subdir: string, serverId?: string): string | undefined {
    const byServer = this.warm.get(repo)
    const spare = serverId ? byServer?.get(serverId) : byServer?.values().next().value
    if (!spare || spare.subdir !== subdir) return undefined
    byServer!.delete(spare.serverId)
    const taskId = basename(spare.path)
    this.claimed.set(taskId, spare)
    return taskId
  }

  /** A claimed warm spare the task will not take (it runs on another machine): an ordinary spare again. */
  unclaim(taskId: string): Promise<void> {
    const spare = this.claimed.get(taskId)
    if (!spare) return Promise.resolve()
    return this.serial(spare.repo, async () => {
      if (this.claimed.get(taskId) !== spare) return
      this.claimed.delete(taskId)
      await this.cool(spare)
      const cold = coldSpareFolder(spare.path)
      try {
        await this.git.run(['worktree', 'move', spare.path, cold], { cwd: spare.repo })
      } catch {
        await this.removeNow(spare.repo, spare.path).catch(() => {})
        return
      }
      noteSpare(spare.path, cold)
      this.spareList(spare.repo).push(cold)
    })
  }

  /** A worktree on an existing branch, as it is (a follow-up), in the folder named after `folderTask`. */
  addOnBranch(repo: string, folderTask: string, branch: string): Promise<string> {
    return this.serial(repo, async () => {
      const path = await this.freshFolder(repo, folderTask)
      if (await this.fromSpare(repo, path, [branch])) return path
      await this.git.run(['worktree', 'add', '--quiet', path, branch], { cwd: repo, timeoutMs: 10 * 60_000 })
      return path
    })
  }

  /**
   * Removes a task's worktree; the branch stays. With `recycle`, it becomes one of the
   * repository's spares instead when there is room (see MAX_SPARES_PER_REPO): detached, every
   * untracked and ignored file removed, moved to a spare folder. Spares go with removeSpares().
   */
  remove(repo: string, path: string, options: { recycle?: boolean; warmFor?: { serverId: string; subdir: string } } = {}): Promise<{ warm?: WarmSpare }> {
    if (!this.owns(path)) return Promise.reject(new Error(`expected a worktree folder under ${this.root}, got ${path}`))
    return this.serial(repo, async () => {
      if (options.recycle && this.heldSpares(repo) < MAX_SPARES_PER_REPO) {
        // Warm only when that server has none for this repository yet (one instance each, see `warm`).
        const warmFor = options.warmFor && !this.warm.get(repo)?.has(options.warmFor.serverId) ? options.warmFor : undefined
        const retired = await this.retire(repo, path, warmFor)
        if (retired) return retired
      }
      await this.removeNow(repo, path)
      return {}
    })
  }

  /** This process's spare worktrees (warm and claimed ones too), removed (the end of a run, the engine closing); returns the ones that could not be. */
  async removeSpares(): Promise<string[]> {
    const failures: string[] = []
    const repos = new Set([...this.spares.keys(), ...this.warm.keys(), ...[...this.claimed.values()].map((s) => s.repo)])
    for (const repo of repos) {
      await this.serial(repo, async () => {
        const warm = [...(this.warm.get(repo)?.values() ?? []), ...[...this.claimed.values()].filter((s) => s.repo === repo)]
        this.warm.delete(repo)
        for (const spare of warm) {
          this.claimed.delete(basename(spare.path))
          await this.cool(spare)
        }
        const paths = [...(this.spares.get(repo)?.splice(0) ?? []), ...warm.map((s) => s.path)]
        for (const path of paths) await this.removeNow(repo, path).catch((error: Error) => failures.push(`${path}: ${error.message}`))
        this.spares.delete(repo)
      })
    }
    return failures
  }

  /** How many spares this process holds for a repository (warm and claimed ones included). */
  spareCount(repo: string): number {
    return this.heldSpares(repo)
  }

  /** The warm spares of a repository not claimed yet. */
  warmSpares(repo: string): WarmSpare[] {
    return [...(this.warm.get(repo)?.values() ?? [])]
  }

  private heldSpares(repo: string): number {
    let claimed = 0
    for (const spare of this.claimed.values()) if (spare.repo === repo) claimed++
    return (this.spares.get(repo)?.length ?? 0) + (this.warm.get(repo)?.size ?? 0) + claimed
  }

  private spareList(repo: string): string[] {
    let list = this.spares.get(repo)
    if (!list) this.spares.set(repo, (list = []))
    return list
  }

  private async cool(spare: WarmSpare): Promise<void> {
    await this.options.cooled?.(spare).catch(() => {})
  }

  /**
   * The worktree made a spare: what the task left (untracked, ignored, changed files) gone, its
   * branch let go; `warm` when it became a warm spare. Undefined when git refused a step (then it
   * is removed as usual). Its note says `spare` only once it is clean, so a crash half way leaves
   * an ordinary leftover.
   */
  private async retire(repo: string, path: string, warmFor?: { serverId: string; subdir: string }): Promise<{ warm?: WarmSpare } | undefined> {
    // A warm spare's folder is named after the id its task will get (a task id never starts with SPARE_PREFIX).
    const spare = warmFor ? join(dirname(path), shortId('t')) : coldSpareFolder(path)
    try {
      await this.git.run(['checkout', '-q', '--detach'], { cwd: path })
      await this.git.run(['reset', '-q', '--hard'], { cwd: path, timeoutMs: 5 * 60_000 })
      // -ff: nested repositories an agent made go too; -x: ignored files (build output, dependencies) as well.
      await this.git.run(['clean', '-q', '-ffdx'], { cwd: path, timeoutMs: 5 * 60_000 })
      await this.git.run(['worktree', 'move', path, spare], { cwd: repo })
    } catch {
      return undefined
    }
    noteSpare(path, spare)
    if (!warmFor) {
      this.spareList(repo).push(spare)
      return {}
    }
    const warm: WarmSpare = { repo, path: spare, ...warmFor }
    let byServer = this.warm.get(repo)
    if (!byServer) this.warm.set(repo, (byServer = new Map()))
    byServer.set(warmFor.serverId, warm)
    return { warm }
  }

  /**
   * A spare moved to `path` and checked out with `checkout` (e.g. `-B branch base`): only the
   * files that differ are written. False when there is none or git refused (that spare is removed).
   */
  private async fromSpare(repo: string, path: string, checkout: string[]): Promise<boolean> {
    const spare = this.spares.get(repo)?.pop()
    if (!spare) return false
    try {
      await this.git.run(['worktree', 'move', spare, path], { cwd: repo })
      removeOwner(spare)
    } catch {
      await this.removeNow(repo, spare).catch(() => {})
      return false
    }
    try {
      await this.git.run(['checkout', '-q', '-f', ...checkout], { cwd: path, timeoutMs: 10 * 60_000 })
      return true
    } catch {
      await this.removeNow(repo, path).catch(() => {})
      return false
    }
  }

  /** Where a task's worktree goes (with the repository's note beside it), an old one there removed first. */
  private async freshFolder(repo: string, name: string): Promise<string> {
    const folder = this.repoFolder(repo)
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    writeFileSync(join(folder, 'repo'), `${repo}\n`, { mode: 0o600 })
    const path = join(folder, name)
    if (existsSync(path)) await this.removeNow(repo, path)
    return path
  }

  private serial<T>(repo: string, work: () => Promise<T>): Promise<T> {
    const next = (this.chains.get(repo) ?? Promise.resolve()).then(work, work)
    const settled = next.then(() => {}, () => {})
    this.chains.set(repo, settled)
    void settled.then(() => this.chains.get(repo) === settled && this.chains.delete(repo))
    return next
  }

  private async addNow(repo: string, taskId: string, base: string): Promise<{ path: string; branch: string; warmOn?: string }> {
    const branch = taskBranch(taskId)
    const warm = this.claimed.get(taskId)
    if (warm && warm.repo === repo) {
      this.claimed.delete(taskId)
      try {
        await this.git.run(['checkout', '-q', '-f', '--no-track', '-B', branch, base], { cwd: warm.path, timeoutMs: 10 * 60_000 })
        return { path: warm.path, branch, warmOn: warm.serverId }
      } catch {
        // Not usable after all: the server forgets it, and the task gets a fresh one below.
        await this.cool(warm)
      }
    }
    const path = await this.freshFolder(repo, taskId)
    if (await this.fromSpare(repo, path, ['--no-track', '-B', branch, base])) return { path, branch }
    await this.git.run(['worktree', 'add', '--quiet', '--no-track', '-B', branch, path, base], { cwd: repo, timeoutMs: 10 * 60_000 })
    return { path, branch }
  }

  /** Removes the worktree (its uncommitted files too: the result is on its branch by now); the branch stays. */
  private async removeNow(repo: string, path: string): Promise<void> {
    try {
      await this.git.run(['worktree', 'remove', '--force', '--force', path], { cwd: repo, timeoutMs: 5 * 60_000 })
    } catch {
      // Not a registered worktree any more (or half made): the folder goes, and git forgets it.
      rmSync(path, { recursive: true, force: true })
      await this.git.run(['worktree', 'prune'], { cwd: repo }).catch(() => {})
    }
    this.forgetFolder(path)
  }

  /** A worktree whose folder is gone: git forgets it, and its owner note goes. */
  forget(repo: string, path: string): Promise<void> {
    return this.serial(repo, async () => {
      await this.git.run(['worktree', 'prune'], { cwd: repo }).catch(() => {})
      this.forgetFolder(path)
    })
  }

  private forgetFolder(path: string): void {
    removeOwner(path)
    // The repository's folder goes with its last worktree (it then holds only the `repo` note).
    const folder = dirname(path)
    if (existsSync(folder) && readdirSync(folder).every((name) => name === 'repo')) rmSync(folder, { recursive: true, force: true })
  }

  private repoFolder(repo: string): string {
    const hash = createHash('sha256').update(repo).digest('hex').slice(0, 10)
    const name = basename(repo).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'repo'
    return join(this.root, `${name}-${hash}`)
  }
}

/** A new folder name for an ordinary spare beside `path`. */
function coldSpareFolder(path: string): string {
  return join(dirname(path), `${SPARE_PREFIX}${randomBytes(6).toString('hex')}`)
}

/** A spare's owner note moves with its folder; `spare` makes it nobody's leftover while this process lives. */
function noteSpare(from: string, to: string): void {
  removeOwner(from)
  writeOwner(to, 'spare', null)
}
