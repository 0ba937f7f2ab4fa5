import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

/** Makes the repository sign every commit with a fresh SSH key (git's ssh signing: no gpg agent); verify-commit checks them. */
export function signCommits(repo: TestRepo): void {
  const key = join(repo.root, '.git', 'test-signing-key')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ann@local.invalid', '-f', key])
  writeFileSync(join(repo.root, '.git', 'allowed-signers'), `ann@local.invalid ${readFileSync(`${key}.pub`, 'utf8')}`)
  repo.git('config', 'gpg.format', 'ssh')
  repo.git('config', 'user.signingKey', key)
  repo.git('config', 'gpg.ssh.allowedSignersFile', join(repo.root, '.git', 'allowed-signers'))
  repo.git('config', 'commit.gpgSign', 'true')
}
