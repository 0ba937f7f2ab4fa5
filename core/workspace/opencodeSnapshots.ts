import { createHash } from 'node:crypto'
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
  const { commonDir, index } = await worktreeGitPaths(git, worktree)
  const project = await projectId(git, worktree, commonDir)
  if (!project) return undefined
  const gitdir = join(snapshotRoot, project, createHash('sha1').update(worktree).digest('hex'))
  if (existsSync(gitdir)) return undefined
  mkdirSync(join(gitdir, 'objects', 'info'), { recursive: true })
  await git.run(['init', '-q'], { cwd: worktree, env: { GIT_DIR: gitdir, GIT_WORK_TREE: worktree } })
  // The settings opencode gives its snapshot repositories, added to the [core] section `git init`
  // wrote last (one write instead of a `git config` process each: they are on a task's path).
  const config = join(gitdir, 'config')
  const written = readFileSync(config, 'utf8')
  if (!/\[core\]\n(?:\t[^\n]*\n)*$/.test(written)) throw new Error(`expected git init to end ${config} with its [core] section, got ${JSON.stringify(written.slice(-200))}`)
  appendFileSync(config, '\tautocrlf = false\n\tlongpaths = true\n\tsymlinks = true\n\tfsmonitor = false\n')
  writeFileSync(join(gitdir, 'objects', 'info', 'alternates'), `${join(commonDir, 'objects')}\n`)
  copyFileSync(index, join(gitdir, 'index'))
  return gitdir
}

/**
 * A linked worktree's shared git folder and its own index, read from the `.git` file git wrote
 * there (`gitdir: <common>/worktrees/<name>`, with a `commondir` file in it); asked of git when
 * the worktree is laid out otherwise.
 */
async function worktreeGitPaths(git: GitRunner, worktree: string): Promise<{ commonDir: string; index: string }> {
  try {
    const pointer = /^gitdir: (.+)\n?$/.exec(readFileSync(join(worktree, '.git'), 'utf8'))
    if (pointer) {
      const own = resolve(worktree, pointer[1]!)
      const commonDir = resolve(own, readFileSync(join(own, 'commondir'), 'utf8').trim())
      if (existsSync(join(commonDir, 'objects'))) return { commonDir, index: join(own, 'index') }
    }
  } catch {
    // not a linked worktree's layout: git says
  }
  const ask = async (args: string[]) => resolve(worktree, (await git.run(args, { cwd: worktree })).stdout.trim())
  return { commonDir: await ask(['rev-parse', '--git-common-dir']), index: await ask(['rev-parse', '--git-path', 'index']) }
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
