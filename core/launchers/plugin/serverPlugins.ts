import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PermanentError } from '../../lib/errors'
import { flotillaHome } from '../../store/paths'
import { ensurePrivateDir, writeFileAtomic } from '../../store/privateFiles'
import { SECRET_GUARD_PLUGIN_FILE, SECRET_GUARD_PLUGIN_SOURCE } from './secretGuardPlugin'

/** The variable opencode merges over every other config (measured: also with OPENCODE_CONFIG and OPENCODE_DISABLE_PROJECT_CONFIG). */
export const CONFIG_CONTENT_VAR = 'OPENCODE_CONFIG_CONTENT'

/**
 * OPENCODE_CONFIG_CONTENT with Flotilla's plugin added to the user's own (opencode concatenates
 * the `plugin` lists of all configs, so theirs from other files stay loaded too).
 */
export function withSecretGuard(configContent: string | undefined, pluginPath: string): string {
  const spec = pathToFileURL(pluginPath).href
  let config: Record<string, unknown> = {}
  if (configContent?.trim()) {
    let parsed: unknown
    try {
      parsed = JSON.parse(configContent)
    } catch {
      throw new PermanentError(`${CONFIG_CONTENT_VAR} is not JSON, so Flotilla cannot add the plugin that keeps the server password from the agent's tools`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PermanentError(`${CONFIG_CONTENT_VAR} is not a JSON object`)
    config = { ...parsed }
  }
  const plugins = Array.isArray(config.plugin) ? config.plugin.filter((p) => p !== spec) : []
  return JSON.stringify({ ...config, plugin: [...plugins, spec] })
}

/**
 * Writes the plugin for servers on this machine into Flotilla's private state folder (0700: a
 * file another user could plant there would run inside our servers) and returns its path.
 */
export function installLocalPlugin(stateDir = flotillaHome().state): string {
  const dir = join(stateDir, 'plugins')
  ensurePrivateDir(dir)
  const path = join(dir, SECRET_GUARD_PLUGIN_FILE)
  if (!existsSync(path) || readFileSync(path, 'utf8') !== SECRET_GUARD_PLUGIN_SOURCE) writeFileAtomic(path, SECRET_GUARD_PLUGIN_SOURCE)
  return path
}

/** The environment entry that loads the plugin into a server on this machine (merged with `env`'s own). */
export function localPluginEnv(env: NodeJS.ProcessEnv): Record<typeof CONFIG_CONTENT_VAR, string> {
  return { [CONFIG_CONTENT_VAR]: withSecretGuard(env[CONFIG_CONTENT_VAR], installLocalPlugin()) }
}
