import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
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

  constructor(
    private readonly git: GitRunner,
    private readonly root: string,
  ) {}

  /** Whether a path is one of Flotilla's worktree folders (a path from a journal is checked before anything is removed). */
  owns(path: string): boolean {
    const rel = relative(this.root, resolve(path))
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep).length === 2
  }

  folderFor(repo: string, taskId: string): string {
    return join(this.repoFolder(repo), taskId)
  }

  /** A fresh worktree for the task on its branch at `base` (a branch left by an earlier attempt starts again from base). */
  add(repo: string, taskId: string, base: string): Promise<{ path: string; branch: string }> {
    return this.serial(repo, () => this.addNow(repo, taskId, base))
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
  remove(repo: string, path: string, options: { recycle?: boolean } = {}): Promise<void> {
    if (!this.owns(path)) return Promise.reject(new Error(`expected a worktree folder under ${this.root}, got ${path}`))
    return this.serial(repo, async () => {
      if (options.recycle && (this.spares.get(repo)?.length ?? 0) < MAX_SPARES_PER_REPO && (await this.retire(repo, path))) return
      await this.removeNow(repo, path)
    })
  }

  /** This process's spare worktrees, removed (the end of a run, the engine closing); returns the ones that could not be. */
  async removeSpares(): Promise<string[]> {
    const failures: string[] = []
    for (const repo of [...this.spares.keys()]) {
      await this.serial(repo, async () => {
        for (const path of this.spares.get(repo)?.splice(0) ?? []) await this.removeNow(repo, path).catch((error: Error) => failures.push(`${path}: ${error.message}`))
        this.spares.delete(repo)
      })
    }
    return failures
  }

  /** How many spares this process holds for a repository. */
  spareCount(repo: string): number {
    return this.spares.get(repo)?.length ?? 0
  }

  /**
   * The worktree made a spare: what the task left (untracked, ignored, changed files) gone, its
   * branch let go. False when git refused a step (then it is removed as usual). Its note says
   * `spare` only once it is clean, so a crash half way leaves an ordinary leftover.
   */
  private async retire(repo: string, path: string): Promise<boolean> {
    const spare = join(dirname(path), `${SPARE_PREFIX}${randomBytes(6).toString('hex')}`)
    try {
      await this.git.run(['checkout', '-q', '--detach'], { cwd: path })
      await this.git.run(['reset', '-q', '--hard'], { cwd: path, timeoutMs: 5 * 60_000 })
      // -ff: nested repositories an agent made go too; -x: ignored files (build output, dependencies) as well.
      await this.git.run(['clean', '-q', '-ffdx'], { cwd: path, timeoutMs: 5 * 60_000 })
      await this.git.run(['worktree', 'move', path, spare], { cwd: repo })
    } catch {
      return false
    }
    removeOwner(path)
    writeOwner(spare, 'spare', null)
    const list = this.spares.get(repo) ?? []
    list.push(spare)
    this.spares.set(repo, list)
    return true
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

  private async addNow(repo: string, taskId: string, base: string): Promise<{ path: string; branch: string }> {
    const path = await this.freshFolder(repo, taskId)
    const branch = taskBranch(taskId)
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
