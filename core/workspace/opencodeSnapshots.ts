import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { GitRunner } from './git'

/**
 * opencode keeps a snapshot repository per worktree it served (`<data>/opencode/snapshot/<project>/<hash>`,
 * made with `git init` under GIT_WORK_TREE, so its config names the worktree as core.worktree;
 * seen on 1.18.33). It never removes them: a task's goes with its worktree. `roots` are the
 * snapshot folders of the servers on this machine. Returns the folders removed.
 */
export function removeOpencodeSnapshots(worktree: string, roots: readonly string[]): string[] {
  const removed: string[] = []
  const line = `\tworktree = ${worktree}`
  for (const root of roots) {
    for (const project of list(root)) {
      for (const name of list(join(root, project))) {
        const dir = join(root, project, name)
        let config: string
        try {
          config = readFileSync(join(dir, 'config'), 'utf8')
        } catch {
          continue
        }
        if (!config.split('\n').includes(line)) continue
        rmSync(dir, { recursive: true, force: true })
        removed.push(dir)
      }
    }
  }
  return removed
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/**
 * Makes opencode's snapshot repository for a fresh worktree before its first prompt, seeded the
 * way later opencode versions seed it themselves: the repository's objects as alternates and the
 * worktree's own index, whose entries match the files just checked out. opencode 1.18.33 makes
 * it on the first prompt with `git add` of every file, which hashes the whole tree again
 * (measured on 20,000 files: a first prompt of 8.6-9.4 s, 1.0-1.4 s seeded; the second prompt
 * 0.3 s either way). The layout is opencode's (`<root>/<project id>/<sha1 of the folder>`, the
 * project id being the repository's root commit, which opencode also writes to `.git/opencode`);
 * when the project id is not certain (several root commits and no such file) nothing is made
 * and opencode does it the slow way. Returns the folder made, if any.
 */
export async function seedOpencodeSnapshot(git: GitRunner, worktree: string, snapshotRoot: string): Promise<string | undefined> {
  const commonDir = resolve(worktree, (await git.run(['rev-parse', '--git-common-dir'], { cwd: worktree })).stdout.trim())
  const project = await projectId(git, worktree, commonDir)
  if (!project) return undefined
  const gitdir = join(snapshotRoot, project, createHash('sha1').update(worktree).digest('hex'))
  if (existsSync(gitdir)) return undefined
  const index = resolve(worktree, (await git.run(['rev-parse', '--git-path', 'index'], { cwd: worktree })).stdout.trim())
  mkdirSync(join(gitdir, 'objects', 'info'), { recursive: true })
  await git.run(['init', '-q'], { cwd: worktree, env: { GIT_DIR: gitdir, GIT_WORK_TREE: worktree } })
  for (const [key, value] of [['core.autocrlf', 'false'], ['core.longpaths', 'true'], ['core.symlinks', 'true'], ['core.fsmonitor', 'false']] as const) {
    await git.run(['--git-dir', gitdir, 'config', key, value], { cwd: worktree })
  }
  writeFileSync(join(gitdir, 'objects', 'info', 'alternates'), `${join(commonDir, 'objects')}\n`)
  copyFileSync(index, join(gitdir, 'index'))
  return gitdir
}

async function projectId(git: GitRunner, cwd: string, commonDir: string): Promise<string | undefined> {
  try {
    const written = readFileSync(join(commonDir, 'opencode'), 'utf8').trim()
    if (/^[0-9a-f]{40}$/.test(written)) return written
  } catch {
    // opencode has not served this repository yet
  }
  const roots = (await git.run(['rev-list', '--max-parents=0', '--all'], { cwd })).stdout.split('\n').filter(Boolean)
  return roots.length === 1 ? roots[0] : undefined
}
