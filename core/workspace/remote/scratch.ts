import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gitLine, type GitRunner } from '../git'

/**
 * Config for git in a scratch repository of ours, given in the environment (git 2.31+) so the
 * arguments, and errors, start with the subcommand: no hooks (the user's core.hooksPath would
 * apply to a repository of ours too), no auto gc.
 */
export function configEnv(config: Record<string, string>): Record<string, string> {
  const entries = Object.entries({ 'core.hooksPath': '/dev/null', 'gc.auto': '0', ...config })
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) }
  entries.forEach(([key, value], i) => Object.assign(env, { [`GIT_CONFIG_KEY_${i}`]: key, [`GIT_CONFIG_VALUE_${i}`]: value }))
  return env
}

/**
 * A throw-away bare repository in `dir` that borrows the local repository's objects
 * (objects/info/alternates): a bundle is made, or checked and fetched, there with every git
 * check and no write to the user's repository, not even a temporary ref.
 */
export async function borrowingRepo(local: GitRunner, localRepo: string, dir: string, name: string): Promise<string> {
  const objects = resolve(localRepo, await gitLine(local, ['rev-parse', '--git-common-dir'], { cwd: localRepo }), 'objects')
  const repo = join(dir, name)
  await local.run(['init', '--bare', '--quiet', '--template=', repo], { env: configEnv({}) })
  mkdirSync(join(repo, 'objects', 'info'), { recursive: true })
  writeFileSync(join(repo, 'objects', 'info', 'alternates'), `${objects}\n`)
  return repo
}
