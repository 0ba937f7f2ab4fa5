import type { Secrets } from '../view/redact'

/**
 * The environment of a user's --setup or --verify command: Flotilla's own, less anything that
 * holds one of its secrets (a --password-env variable, a server password), since what these
 * commands run (a project's scripts, its dependencies' install hooks) is not ours to trust.
 */
export function commandEnvironment(base: NodeJS.ProcessEnv, secrets: Secrets): NodeJS.ProcessEnv {
  const spellings = secrets.spellings().filter(Boolean)
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || name === 'OPENCODE_SERVER_PASSWORD') continue
    if (spellings.some((s) => value.includes(s))) continue
    env[name] = value
  }
  return env
}
