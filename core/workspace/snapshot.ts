import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gitLine, type GitRunner } from './git'

/**
 * The user's uncommitted state (tracked changes and untracked, not ignored, files) as a commit
 * whose parent is HEAD, made without touching their working tree or index: `git stash create`
 * would drop untracked files, so this adds everything to a private, temporary index and writes
 * that. The commit is reachable from no ref: it lives while a task's branch is based on it.
 */
export async function snapshotDirtyState(git: GitRunner, root: string, head: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-snapshot-'))
  const env = { GIT_INDEX_FILE: join(dir, 'index') }
  try {
    await git.run(['read-tree', head], { cwd: root, env })
    await git.run(['add', '-A', '--', '.'], { cwd: root, env })
    const tree = await gitLine(git, ['write-tree'], { cwd: root, env })
    return await gitLine(git, ['commit-tree', '--no-gpg-sign', tree, '-p', head, '-m', 'Flotilla: uncommitted changes at submit'], { cwd: root })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
