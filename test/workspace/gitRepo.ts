import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A real git repository in a temp folder, with a local identity; remove() deletes it. */
export interface TestRepo {
  root: string
  git(...args: string[]): string
  write(file: string, content: string): void
  commitAll(message: string): string
  remove(): void
}

export function makeRepo(prefix = 'flotilla-repo-', files: Record<string, string> = { 'README.md': 'hello\n' }): TestRepo {
  const root = mkdtempSync(join(tmpdir(), prefix))
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).replace(/\n$/, '')
  git('init', '-q', '-b', 'main')
  git('config', 'user.name', 'Ann Local')
  git('config', 'user.email', 'ann@local.invalid')
  git('config', 'commit.gpgSign', 'false')
  const repo: TestRepo = {
    root,
    git,
    write(file, content) {
      mkdirSync(dirname(join(root, file)), { recursive: true })
      writeFileSync(join(root, file), content)
    },
    commitAll(message) {
      git('add', '-A')
      git('commit', '-q', '-m', message)
      return git('rev-parse', 'HEAD')
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  }
  for (const [file, content] of Object.entries(files)) repo.write(file, content)
  repo.commitAll('init')
  return repo
}
