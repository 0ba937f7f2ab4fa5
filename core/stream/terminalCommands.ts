import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename } from 'node:path'
import { FlotillaError } from '../lib/errors'
import { resolveOpencodeBinary } from '../launchers/opencodeBinary'
import type { Fleet } from '../fleet/fleet'
import type { PtyCommand } from './ptySession'

/** What a terminal needs from the engine: the servers (and whose run on this machine), the demo's environment. */
export interface TerminalHost {
  readonly fleet: Pick<Fleet, 'get' | 'localFolder'>
  readonly demo: { envFor(serverId: string): Record<string, string> } | undefined
}

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
 * `shell`: the user's shell, in the server's directory, for servers on this machine (remote
 * servers open theirs over SSH: RunningServer.openShell). The TUI always runs here, against the
 * server's URL (for a remote server: the local end of its tunnel).
 */
export function terminalCommand(host: TerminalHost, kind: 'shell' | 'tui', serverId: string | undefined, worktree?: string): PtyCommand {
  const server = serverId === undefined ? undefined : host.fleet.get(serverId)
  const directory = worktree ?? server?.instance?.directory ?? (server && 'directory' in server.spec ? server.spec.directory : undefined)
  if (kind === 'shell') {
    // Its launcher says whether the server runs here (a WezTerm pane in an SSH domain does not).
    if (server && host.fleet.localFolder(server.spec) === undefined) {
      throw new FlotillaError(`expected a server on this machine for a local shell, got the ${server.spec.kind} server ${server.spec.name}${server.instance ? '' : ' (start it to open a shell on its machine)'}`, 'unavailable')
    }
    const shell = process.env.SHELL || '/bin/bash'
    return { file: shell, args: [], cwd: directory && existsSync(directory) ? directory : homedir(), env: baseEnv(), title: worktree ? `shell · ${basename(worktree)}` : `shell · ${server?.spec.name ?? 'local'}` }
  }
  if (!server) throw new FlotillaError('expected a serverId for a TUI terminal, got none', 'bad_request')
  const instance = server.instance
  if (!instance || server.state !== 'ready') throw new FlotillaError(`expected a ready server to attach to, got ${server.spec.name} ${server.state}`, 'unavailable')
  const env = baseEnv()
  // Demo servers keep opencode's state in a temp folder; their TUI must use the same.
  if ('demo' in server.spec && server.spec.demo && host.demo) Object.assign(env, host.demo.envFor(server.id))
  if (instance.auth) {
    env.OPENCODE_SERVER_USERNAME = instance.auth.username
    env.OPENCODE_SERVER_PASSWORD = instance.auth.password
  }
  // The binary that runs the server here, if one does; a remote server's names a program over there: the TUI uses the embedded one.
  const binary = instance.localBinary ?? resolveOpencodeBinary(undefined)
  // --dir is the server's project (on its machine); the process itself needs a folder that exists here.
  const args = ['attach', instance.baseUrl, ...(directory ? ['--dir', directory] : [])]
  return { file: binary, args, cwd: directory && existsSync(directory) ? directory : homedir(), env, title: worktree ? `tui · ${server.spec.name} · ${basename(worktree)}` : `tui · ${server.spec.name}` }
}
