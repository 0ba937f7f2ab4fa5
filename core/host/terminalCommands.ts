import { homedir } from 'node:os'
import { FlotillaError } from '../lib/errors'
import { resolveOpencodeBinary } from '../launchers/opencodeBinary'
import type { PtyCommand } from '../stream/ptySession'
import type { Engine } from './engine'

/** The environment a terminal inherits: ours, minus any server password we were given. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'OPENCODE_SERVER_PASSWORD') env[k] = v
  env.TERM = 'xterm-256color'
  env.COLORTERM = 'truecolor'
  return env
}

/**
 * What a terminal pane runs. `tui`: the real opencode TUI attached to a running server (its
 * password passed in the environment, never on the command line where `ps` shows it).
 * `shell`: the user's shell, in the server's directory (local servers; remote shells come with
 * the SSH work).
 */
export function terminalCommand(engine: Engine, kind: 'shell' | 'tui', serverId: string | undefined): PtyCommand {
  const server = serverId === undefined ? undefined : engine.fleet.get(serverId)
  const directory = server?.instance?.directory ?? (server && 'directory' in server.spec ? server.spec.directory : undefined)
  if (kind === 'shell') {
    if (server && server.spec.kind !== 'local') {
      throw new FlotillaError(`shells on ${server.spec.kind} servers are not available yet; open one on a local server`, 'bad_request')
    }
    const shell = process.env.SHELL || '/bin/bash'
    return { file: shell, args: [], cwd: directory ?? homedir(), env: baseEnv(), title: `shell · ${server?.spec.name ?? 'local'}` }
  }
  if (!server) throw new FlotillaError('expected a serverId for a TUI terminal, got none', 'bad_request')
  const instance = server.instance
  if (!instance || server.state !== 'ready') throw new FlotillaError(`expected a ready server to attach to, got ${server.spec.name} ${server.state}`, 'unavailable')
  const env = baseEnv()
  // Demo servers keep opencode's state in a temp folder; their TUI must use the same.
  if (server.spec.kind === 'local' && server.spec.demo && engine.demo) Object.assign(env, engine.demo.envFor(server.id))
  if (instance.auth) {
    env.OPENCODE_SERVER_USERNAME = instance.auth.username
    env.OPENCODE_SERVER_PASSWORD = instance.auth.password
  }
  const binary = resolveOpencodeBinary('binary' in server.spec ? server.spec.binary : undefined)
  const args = ['attach', instance.baseUrl, ...(directory ? ['--dir', directory] : [])]
  return { file: binary, args, cwd: directory ?? homedir(), env, title: `tui · ${server.spec.name}` }
}
