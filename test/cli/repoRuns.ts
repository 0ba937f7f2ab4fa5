import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { runCli, type CliRun } from '../support/cli'
import { makeRepo, type TestRepo } from '../workspace/gitRepo'

/**
 * `flotilla run` in real git repositories, for a test file: its own FLOTILLA_HOME, repositories
 * removed after (worktrees a failed run left first, by their own paths), and a CLI run killed
 * when its test ends.
 */
export function repoRuns(prefix: string): { cli: (args: string[], cwd: string) => CliRun; repo: () => TestRepo; home: () => string } {
  let home = ''
  const running: CliRun[] = []
  const repos: TestRepo[] = []
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), `${prefix}home-`))
  })
  afterEach(() => {
    for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
  })
  afterAll(() => {
    for (const r of repos) {
      for (const line of r.git('worktree', 'list', '--porcelain').split('\n')) {
        const path = line.startsWith('worktree ') ? line.slice(9) : undefined
        if (path && path !== r.root) r.git('worktree', 'remove', '--force', '--force', path)
      }
      r.remove()
    }
    rmSync(home, { recursive: true, force: true })
  })
  return {
    cli: (args, cwd) => {
      const run = runCli(args, { cwd, env: { FLOTILLA_HOME: home } })
      running.push(run)
      return run
    },
    repo: () => {
      const r = makeRepo(`${prefix}repo-`, { 'a.txt': 'a\n' })
      repos.push(r)
      return r
    },
    home: () => home,
  }
}

/** The scripted model's write tool call. */
export const writeTool = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}`
