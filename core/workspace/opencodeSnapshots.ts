import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

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
