import type { SshConnection } from '../../ssh/sshConnection'
import { SECRET_GUARD_PLUGIN_FILE, SECRET_GUARD_PLUGIN_SOURCE } from './secretGuardPlugin'
import { CONFIG_CONTENT_VAR, withSecretGuard } from './serverPlugins'

/**
 * Ships Flotilla's plugin to the host at the other end of `connection` and returns the
 * environment entry that loads it there (on top of the host's own OPENCODE_CONFIG_CONTENT), with
 * that host's home. Used by every server Flotilla starts on another machine (ssh servers and
 * WezTerm SSH-domain panes).
 */
export async function remotePluginEnv(connection: SshConnection): Promise<{ home: string; env: Record<typeof CONFIG_CONTENT_VAR, string> }> {
  const { home, configContent } = await remoteEnvironment(connection)
  return { home, env: { [CONFIG_CONTENT_VAR]: withSecretGuard(configContent, await shipPlugin(connection, home)) } }
}

/** The remote home, and the OPENCODE_CONFIG_CONTENT its shells have (Flotilla's plugin is added to it, never put in its place). */
async function remoteEnvironment(connection: SshConnection): Promise<{ home: string; configContent: string | undefined }> {
  const { stdout } = await connection.exec(`printf '%s\\n' "$HOME"; printf %s "\${${CONFIG_CONTENT_VAR}-}"`, { timeoutMs: 15_000 })
  const newline = stdout.indexOf('\n')
  const home = (newline < 0 ? stdout : stdout.slice(0, newline)).trim()
  if (!home.startsWith('/')) throw new Error(`expected the remote home folder as an absolute path, got "${home}"`)
  return { home, configContent: newline < 0 ? undefined : stdout.slice(newline + 1) || undefined }
}

/** Writes the secret-guard plugin under the remote ~/.flotilla (0700) over this connection; returns its path there. */
async function shipPlugin(connection: SshConnection, home: string): Promise<string> {
  const script = [
    'umask 077',
    'd="$HOME/.flotilla/plugins"',
    `f="$d/${SECRET_GUARD_PLUGIN_FILE}"`,
    'mkdir -p "$d" && chmod 700 "$HOME/.flotilla" "$d" && cat > "$f.tmp" && mv -f "$f.tmp" "$f" && echo FLOTILLA_PLUGIN_READY',
  ].join('\n')
  const result = await connection.exec(script, { stdin: SECRET_GUARD_PLUGIN_SOURCE, timeoutMs: 15_000 })
  if (!result.stdout.includes('FLOTILLA_PLUGIN_READY')) throw new Error(`could not write Flotilla's plugin under ${home}/.flotilla/plugins: ${result.stderr.trim() || `exit ${result.code}`}`)
  return `${home}/.flotilla/plugins/${SECRET_GUARD_PLUGIN_FILE}`
}

