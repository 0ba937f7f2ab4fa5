import { join } from 'node:path'
import { z } from 'zod'
import type { SshSpec } from '../contract/servers'
import { demoConfigFolder, demoServerEnv, PLUGIN_DEPENDENCY_LOCK } from '../demo/opencodeConfig'
import { DEFAULT_USERNAME } from '../opencode/auth'
import { randomPassword } from '../lib/random'
import { flotillaHome } from '../store/paths'
import { remotePluginEnv } from './plugin/remotePlugin'
import { ReattachSecrets } from './reattachSecrets'
import { PersistentLink, type PersistentLinkOptions } from '../ssh/persistentLink'
import { SshRefusedError, type SshConnection, type SshConnectOptions, type UnlockedKeys } from '../ssh/sshConnection'
import { execOverLink, shellsOverLink } from './overLink'
import { opencodeInstallCommand } from './opencodeBinary'
import { resolveSshTarget, type ResolveOptions, type SshTarget } from '../ssh/sshConfig'
import { shQuote } from '../ssh/shell'
import { sshAnswers } from './sshAnswers'
import type { LaunchContext, Launcher, RunningServer, ServerExit, SshPrompts } from './types'

export interface SshLauncherOptions extends SshConnectOptions {
  /** ~/.ssh/config and home overrides (tests). */
  config?: ResolveOptions
  /** How long the remote server may take to print its listen line. */
  startTimeoutMs?: number
  /** Between SIGTERM and SIGKILL when stopping the remote server. */
  stopGraceMs?: number
  /** Reconnect backoff and patience after a dropped connection. */
  link?: PersistentLinkOptions
  /** May opencode be installed where it is missing? (Without `prompts`; neither = no.) */
  confirmInstall?: (question: { host: string; command: string }) => Promise<boolean>
  /** Who answers this launcher's SSH questions, per server; wins over the single answers above. */
  prompts?: SshPrompts
  /** How long installing opencode on a remote host may take. */
  installTimeoutMs?: number
  /** This machine's folder for what a reattach needs (the passwords); default: Flotilla's state folder. */
  stateDir?: string
}

/** Where a remote server's bookkeeping lives on its host: pid and port, mode 0600; never its password. */
const STATE_DIR = '"$HOME/.flotilla/servers"'

/** What the state file on the remote host holds (it is read back, so it is validated). */
const RemoteState = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  reversePort: z.number().int().min(0).max(65535).optional(),
})
/** A remote server Flotilla can reach: its state, and its password from this machine. */
type RemoteServer = z.infer<typeof RemoteState> & { password: string }

/**
 * Runs `opencode serve` on another machine over SSH, bound to that machine's loopback with a
 * random password, and reaches it only through a local forwarded port. The server outlives the
 * connection: after a drop, the next start finds it (state file + live pid) and reattaches,
 * sessions intact. Demo servers reach the scripted model through a reverse tunnel.
 */
export class SshLauncher implements Launcher<SshSpec> {
  readonly owns = true
  /** Unlocked key files, shared by every server and reconnect of this launcher (memory only). */
  private readonly unlockedKeys: UnlockedKeys
  /** Installs running now, by user@host: servers on the same host wait for one instead of racing npm. */
  private readonly installs = new Map<string, Promise<void>>()
  private readonly secrets: ReattachSecrets

  constructor(private readonly options: SshLauncherOptions = {}) {
    this.unlockedKeys = options.unlockedKeys ?? new Map()
    this.secrets = new ReattachSecrets(join(options.stateDir ?? join(flotillaHome().state, 'ssh'), 'secrets'))
  }

  async start(spec: SshSpec, context: LaunchContext): Promise<RunningServer> {
    if (spec.demo && !context.demo) throw new SshRefusedError(`${spec.name} is a demo server, but the scripted model is not running (start Flotilla with --demo)`)
    const target = targetFor(spec, this.options.config)
    const secretKey = `${target.user}@${target.hostName}:${target.port}/${spec.id}`
    let state: RemoteServer | undefined
    let place: { home: string; directory: string } | undefined
    let exit: (value: ServerExit) => void = () => {}
    const exited = new Promise<ServerExit>((resolve) => (exit = resolve))
    const link = await PersistentLink.open(
      target,
      {
        ...this.options,
        ...sshAnswers(spec, this.options.prompts, this.options),
        unlockedKeys: this.unlockedKeys,
      },
      {
        onConnected: async (connection, reconnect) => {
          if (!reconnect) {
            place = await remotePlace(connection, spec.remoteDirectory, `${target.user}@${target.hostName}`)
            const existing = await this.reattachable(connection, spec.id, secretKey, target, context)
            if (existing) context.onOutput?.(`reattaching to opencode (pid ${existing.pid}) on ${target.hostName}`)
            const reverse = context.demo ? await connection.reverse(context.demo.modelPort, existing?.reversePort ?? 0) : undefined
            if (existing) state = existing
            else {
              state = await this.startRemote(spec, context, connection, target, reverse?.remotePort)
              this.secrets.set(secretKey, state.pid, state.password)
            }
          } else {
            // Back after a drop: the server must have survived; the model tunnel comes back on its old port.
            if (!(await isAlive(connection, state!.pid))) throw new SshRefusedError(`the opencode server (pid ${state!.pid}) on ${target.hostName} is gone`)
            if (context.demo && state!.reversePort) await connection.reverse(context.demo.modelPort, state!.reversePort)
          }
          void watchRemote(connection, state!.pid).then((gone) => gone && exit({ code: null, signal: 'remote server exited' }))
        },
        onNotice: (message) => context.onOutput?.(message),
      },
      this.options.link,
    )
    void link.done.then((reason) => exit({ code: null, signal: reason }))
    const running = state!
    let port: number
    try {
      port = await link.tunnel('127.0.0.1', running.port)
    } catch (error) {
      link.close()
      throw error
    }
    let stopped = false
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      auth: { username: DEFAULT_USERNAME, password: running.password },
      pid: running.pid,
      // Absolute, as the remote shell resolved it: opencode takes a literal "~" for a folder named "~".
      directory: place!.directory,
      home: place!.home,
      host: target.hostName,
      exited,
      machine: `${target.user}@${target.hostName}`,
      // A demo server's data is in its own folder (demoServerEnv); opencode's default otherwise (an SSH command has no XDG_DATA_HOME, usually).
      snapshotRoot: context.demo ? `${place!.home}/.flotilla/servers/${spec.id}.demo/data/opencode/snapshot` : `${place!.home}/.local/share/opencode/snapshot`,
      openShell: shellsOverLink(link, place!.directory, `to ${target.hostName}`),
      remote: execOverLink(link, spec.name),
      stop: async () => {
        if (stopped) return
        stopped = true
        // Without a connection nothing can be stopped: the server keeps running for the next reattach.
        const connection = link.connection
        if (connection) {
          await stopRemote(connection, spec.id, running.pid, this.options.stopGraceMs ?? 3_000).catch(() => {})
          this.secrets.delete(secretKey)
        }
        link.close()
      },
    }
  }

  /** The server a state file on the host names, if it runs and this machine has its password; one it cannot reach is stopped. */
  private async reattachable(connection: SshConnection, id: string, secretKey: string, target: SshTarget, context: LaunchContext): Promise<RemoteServer | undefined> {
    const existing = await readState(connection, id)
    if (!existing) return undefined
    const password = this.secrets.get(secretKey, existing.pid)
    if (password) return { ...existing, password }
    context.onOutput?.(`opencode (pid ${existing.pid}) on ${target.hostName} was started elsewhere or its password is lost here: stopping it to start a fresh one`)
    await stopRemote(connection, id, existing.pid, this.options.stopGraceMs ?? 3_000)
    return undefined
  }

  private async startRemote(spec: SshSpec, context: LaunchContext, connection: SshConnection, target: SshTarget, reversePort: number | undefined, installed = false): Promise<RemoteServer> {
    const password = randomPassword()
    const binary = spec.binary ?? 'opencode'
    const { home, env: pluginEnv } = await remotePluginEnv(connection)
    const demoDir = `${home}/.flotilla/servers/${spec.id}.demo`
    const env: Record<string, string> = { OPENCODE_SERVER_USERNAME: DEFAULT_USERNAME, ...pluginEnv }
    if (context.demo && reversePort !== undefined) Object.assign(env, demoServerEnv(`${demoDir}/opencode.json`, demoDir))
    const timeoutTenths = Math.ceil((this.options.startTimeoutMs ?? 60_000) / 100)
    const script = [
      'umask 077',
      // Not exported: only opencode gets it (sed, sleep and the state file below never see it).
      'IFS= read -r pw',
      `bin=${shQuote(binary)}`,
      // npm's global bin folder is often missing from a non-interactive PATH (and is where an install puts it).
      'if ! command -v "$bin" >/dev/null 2>&1; then',
      '  p=$(npm prefix -g 2>/dev/null) || p=',
      '  if [ "$bin" = opencode ] && [ -n "$p" ] && [ -x "$p/bin/opencode" ]; then bin="$p/bin/opencode"; else echo FLOTILLA_NO_OPENCODE; exit 0; fi',
      'fi',
      `cd ${remotePath(spec.remoteDirectory)} || { echo FLOTILLA_NO_DIRECTORY; exit 0; }`,
      `state=${STATE_DIR}; mkdir -p "$state" || exit 1`,
      // After $state: a demo server gets a HOME of its own, the bookkeeping stays in the real one.
      ...Object.entries(env).map(([k, v]) => `export ${k}=${shQuote(v)}`),
      ...(context.demo && reversePort !== undefined
        ? [
            `mkdir -p ${shQuote(demoDir)}/home && IFS= read -r config && printf '%s\\n' "$config" > ${shQuote(`${demoDir}/opencode.json`)}`,
            `mkdir -p ${shQuote(`${demoConfigFolder(demoDir)}/node_modules`)} && printf '%s' ${shQuote(PLUGIN_DEPENDENCY_LOCK)} > ${shQuote(`${demoConfigFolder(demoDir)}/package-lock.json`)}`,
          ]
        : []),
      `log="$state/${spec.id}.log"`,
      // Its own session and process group (stop kills the group), no terminal, no hangup.
      'if command -v setsid >/dev/null 2>&1; then OPENCODE_SERVER_PASSWORD="$pw" setsid "$bin" serve --port 0 --hostname 127.0.0.1 >"$log" 2>&1 </dev/null &',
      'else OPENCODE_SERVER_PASSWORD="$pw" nohup "$bin" serve --port 0 --hostname 127.0.0.1 >"$log" 2>&1 </dev/null & fi',
      'pid=$!; pw=; unset pw; i=0; url=',
      `while [ $i -lt ${timeoutTenths} ]; do`,
      '  url=$(sed -n "s/.*opencode server listening on \\(http[^ ]*\\).*/\\1/p" "$log" | head -n 1)',
      '  [ -n "$url" ] && break',
      '  kill -0 $pid 2>/dev/null || { echo FLOTILLA_EXITED; tail -n 5 "$log"; exit 0; }',
      '  sleep 0.1; i=$((i+1))',
      'done',
      '[ -n "$url" ] || { echo FLOTILLA_TIMEOUT; tail -n 5 "$log"; kill -TERM -$pid 2>/dev/null || kill -TERM $pid 2>/dev/null; exit 0; }',
      'port=${url##*:}; port=${port%%/*}',
      `printf '{"pid":%s,"port":%s,"reversePort":%s}\\n' "$pid" "$port" ${reversePort ?? 0} > "$state/${spec.id}.json"`,
      'echo "FLOTILLA_READY $pid $port"',
    ].join('\n')
    const stdin = [password, ...(context.demo && reversePort !== undefined ? [JSON.stringify(context.demo.config(`http://127.0.0.1:${reversePort}/v1`))] : [])].join('\n') + '\n'
    const result = await connection.exec(script, { stdin, timeoutMs: (this.options.startTimeoutMs ?? 60_000) + 15_000 })
    const out = result.stdout.trim()
    const name = `${target.user}@${target.hostName}`
    if (out.startsWith('FLOTILLA_NO_OPENCODE')) {
      const command = opencodeInstallCommand()
      const missing = `opencode is not installed on ${name} (no "${binary}" on the PATH of a non-interactive shell, nor in npm's global bin folder)`
      if (installed) throw new SshRefusedError(`${missing}, even after "${command}" succeeded there: add npm's global bin folder (npm prefix -g)/bin to the PATH`)
      const prompts = this.options.prompts
      const ask = prompts ? (q: { host: string; command: string }) => prompts.confirmInstall(spec, q) : this.options.confirmInstall
      if (binary !== 'opencode' || !ask || !(await ask({ host: name, command }))) throw new SshRefusedError(`${missing}. Install it there with: ${command}`)
      let install = this.installs.get(name)
      if (!install) {
        install = this.install(connection, name, command, context).finally(() => this.installs.delete(name))
        this.installs.set(name, install)
      } else context.onOutput?.(`waiting for the opencode install already running on ${name}`)
      await install
      return this.startRemote(spec, context, connection, target, reversePort, true)
    }
    if (out.startsWith('FLOTILLA_NO_DIRECTORY')) throw new SshRefusedError(`the directory ${spec.remoteDirectory} does not exist on ${name}`)
    if (out.startsWith('FLOTILLA_EXITED')) throw new Error(`opencode serve exited on ${name} before listening: ${tail(out)}`)
    if (out.startsWith('FLOTILLA_TIMEOUT')) throw new Error(`opencode serve on ${name} printed no listen line in time: ${tail(out)}`)
    const ready = /FLOTILLA_READY (\d+) (\d+)/.exec(out)
    if (!ready) throw new Error(`starting opencode on ${name} failed (exit ${result.code}): ${tail(`${out}\n${result.stderr}`)}`)
    return { pid: Number(ready[1]), port: Number(ready[2]), password, reversePort }
  }

  /** Runs the install command on the remote host, its output going to the server's log as it comes. */
  private async install(connection: SshConnection, name: string, command: string, context: LaunchContext): Promise<void> {
    context.onOutput?.(`installing opencode on ${name}: ${command}`)
    const script = [
      'command -v npm >/dev/null 2>&1 || { echo FLOTILLA_NO_NPM; exit 0; }',
      // Plain lines for the log: no spinner or colours although it runs in a terminal.
      'export npm_config_progress=false npm_config_color=false NO_COLOR=1',
      `${command} 2>&1`,
      'echo "FLOTILLA_INSTALL_EXIT $?"',
    ].join('\n')
    let partial = ''
    const result = await connection.exec(script, {
      timeoutMs: this.options.installTimeoutMs ?? 15 * 60_000,
      signal: context.signal,
      // In a terminal, so a stop or a timeout (closing the channel) hangs npm up instead of leaving it running.
      pty: true,
      onStdout: (text) => {
        const lines = (partial + text).replace(/\r/g, '').split('\n')
        partial = lines.pop()!
        for (const line of lines) if (line.trim() && !line.startsWith('FLOTILLA_')) context.onOutput?.(`[npm on ${name}] ${line}`)
      },
    })
    const out = result.stdout.replace(/\r/g, '')
    if (out.includes('FLOTILLA_NO_NPM')) throw new SshRefusedError(`opencode is not installed on ${name}, and npm is not there either to install it: install Node.js there (or opencode with its own installer), then start the server again`)
    const exit = /FLOTILLA_INSTALL_EXIT (\d+)/.exec(out)
    if (exit?.[1] === '0') return context.onOutput?.(`installed opencode on ${name}`)
    const lines = out.split('\n').filter((line) => line.trim() && !line.startsWith('FLOTILLA_'))
    const hint = /EACCES|permission denied/i.test(out) ? ` npm's global folder is not writable for ${name.split('@')[0]}: set a folder of your own there (npm config set prefix ~/.local) and try again.` : ''
    throw new SshRefusedError(`installing opencode on ${name} failed (${command} exited ${exit?.[1] ?? 'without a status'}): ${lines.slice(-3).join(' | ') || '(no output)'}.${hint}`)
  }
}

/** The spec's explicit user, port and key win over ~/.ssh/config (as on the ssh command line). */
export function targetFor(spec: SshSpec, config: ResolveOptions | undefined): SshTarget {
  const resolved = resolveSshTarget(spec.host, config)
  return {
    ...resolved,
    user: spec.user ?? resolved.user,
    port: spec.port ?? resolved.port,
    identityFiles: spec.identityFile ? [spec.identityFile, ...resolved.identityFiles] : resolved.identityFiles,
  }
}

/** The remote home and the server's folder as an absolute path there (`~` expanded by the remote shell). */
async function remotePlace(connection: SshConnection, remoteDirectory: string, name: string): Promise<{ home: string; directory: string }> {
  const script = `printf '%s\\n' "$HOME"; cd ${remotePath(remoteDirectory)} 2>/dev/null && pwd -P || echo FLOTILLA_NO_DIRECTORY`
  const lines = (await connection.exec(script, { timeoutMs: 15_000 })).stdout.split('\n')
  const [home, directory] = [lines[0]?.trim() ?? '', lines[1]?.trim() ?? '']
  if (directory === 'FLOTILLA_NO_DIRECTORY') throw new SshRefusedError(`the directory ${remoteDirectory} does not exist on ${name}`)
  if (!home.startsWith('/') || !directory.startsWith('/')) throw new Error(`expected the home folder and ${remoteDirectory} as absolute paths from ${name}, got "${home}" and "${directory}"`)
  return { home, directory }
}

async function readState(connection: SshConnection, id: string): Promise<z.infer<typeof RemoteState> | undefined> {
  const script = `f=${STATE_DIR}/${id}.json; [ -f "$f" ] || exit 0; pid=$(sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p' "$f"); if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then cat "$f"; else rm -f "$f"; fi`
  const { stdout } = await connection.exec(script, { timeoutMs: 15_000 })
  if (!stdout.trim()) return undefined
  try {
    return RemoteState.parse(JSON.parse(stdout))
  } catch {
    return undefined // unreadable state: start a fresh server
  }
}

/** True when the remote server dies; false when the connection ends first (the server may live on). */
async function watchRemote(connection: SshConnection, pid: number): Promise<boolean> {
  const result = await connection.exec(`while kill -0 ${pid} 2>/dev/null; do sleep 1; done; echo FLOTILLA_GONE`).catch(() => ({ stdout: '' }))
  return result.stdout.includes('FLOTILLA_GONE')
}

async function isAlive(connection: SshConnection, pid: number): Promise<boolean> {
  const { stdout } = await connection.exec(`kill -0 ${pid} 2>/dev/null && echo alive`, { timeoutMs: 15_000 })
  return stdout.includes('alive')
}

async function stopRemote(connection: SshConnection, id: string, pid: number, graceMs: number): Promise<void> {
  const tenths = Math.ceil(graceMs / 100)
  const script = [
    `kill -TERM -${pid} 2>/dev/null || kill -TERM ${pid} 2>/dev/null`,
    `i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt ${tenths} ]; do sleep 0.1; i=$((i+1)); done`,
    `kill -KILL -${pid} 2>/dev/null; kill -KILL ${pid} 2>/dev/null`,
    `rm -f ${STATE_DIR}/${id}.json`,
  ].join('\n')
  await connection.exec(script, { timeoutMs: graceMs + 10_000 })
}

/** `~/x` means the remote home; anything else is taken as it is. */
function remotePath(path: string): string {
  if (path === '~') return '"$HOME"'
  if (path.startsWith('~/')) return `"$HOME"/${shQuote(path.slice(2))}`
  return shQuote(path)
}

function tail(text: string): string {
  return text.split('\n').slice(1).filter(Boolean).slice(-5).join(' | ') || '(no output)'
}
