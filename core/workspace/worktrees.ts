import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { GitRunner } from './git'
import { removeOwner } from './worktreeOwners'

export const BRANCH_PREFIX = 'flotilla/'

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
      await this.git.run(['worktree', 'add', '--quiet', path, branch], { cwd: repo, timeoutMs: 10 * 60_000 })
      return path
    })
  }

  remove(repo: string, path: string): Promise<void> {
    if (!this.owns(path)) return Promise.reject(new Error(`expected a worktree folder under ${this.root}, got ${path}`))
    return this.serial(repo, () => this.removeNow(repo, path))
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
