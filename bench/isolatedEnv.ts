import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** opencode state folders in a temp dir, so benchmark servers never touch the user's home. */
export function isolatedOpencodeEnv(name: string): { env: Record<string, string>; root: string } {
  const root = mkdtempSync(join(tmpdir(), `flotilla-bench-${name}-`))
  const env: Record<string, string> = {}
  for (const [key, sub] of [
    ['XDG_DATA_HOME', 'data'],
    ['XDG_CONFIG_HOME', 'config'],
    ['XDG_STATE_HOME', 'state'],
    ['XDG_CACHE_HOME', 'cache'],
  ] as const) {
    env[key] = join(root, sub)
    mkdirSync(env[key]!, { recursive: true })
  }
  return { env, root }
}
