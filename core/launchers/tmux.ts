import { execFile } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { z } from 'zod'
import type { TmuxSpec } from '../contract/servers'
import { DEFAULT_USERNAME } from '../opencode/auth'
import { PermanentError } from '../lib/errors'
import { randomPassword } from '../lib/random'
import { shQuote } from '../ssh/shell'
import { ensurePrivateDir, writeFileAtomic } from '../store/privateFiles'
import { localDirectoryProblem } from './localDirectory'
import { localPluginEnv } from './plugin/serverPlugins'
import { ReattachSecrets } from './reattachSecrets'
import { resolveOpencodeBinary } from './opencodeBinary'
import type { LaunchContext, Launcher, RunningServer, ServerExit } from './types'

const run = promisify(execFile)
const LISTEN = /opencode server listening on (https?:\/\/\S+)/

export interface TmuxLauncherOptions {
  /** Where the launcher keeps each server's pid and port, and apart from them its password (0600 files, 0700 folders), for reattaching. */
  stateDir: string
  /** A tmux socket name (`tmux -L`); default: the user's own tmux server, so `tmux attach` shows it. */
  socketName?: string
  tmuxBinary?: string
  startTimeoutMs?: number
  stopGraceMs?: number
}

const State = z.object({ port: z.number().int().min(1).max(65535), pid: z.number().int().positive() })
type State = z.infer<typeof State> & { password: string }

/**
 * Runs `opencode serve` visibly in a window of a tmux session (window name = server id), so
 * `tmux attach -t SESSION` shows it. The port comes from the pane's text; the password is
 * handed over in a self-deleting 0600 script, never on a command line. The server outlives
 * Flotilla like any tmux window; a later start finds the window and reattaches.
 */
export class TmuxLauncher implements Launcher<TmuxSpec> {
  readonly owns = true

  localFolder(spec: TmuxSpec): string {
    return spec.directory
  }

  private readonly secrets: ReattachSecrets

  constructor(private readonly options: TmuxLauncherOptions) {
    this.secrets = new ReattachSecrets(join(options.stateDir, 'secrets'))
  }

  async start(spec: TmuxSpec, context: LaunchContext): Promise<RunningServer> {
    const target = `${spec.session}:${spec.id}`
    const statePath = join(this.options.stateDir, `${spec.session}-${spec.id}.json`)
    let state = await this.reattach(target, statePath)
    if (state) context.onOutput?.(`reattaching to opencode (pid ${state.pid}) in tmux window ${target}`)
    else state = await this.startWindow(spec, context, target, statePath)
    const { pid, port, password } = state
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      auth: { username: DEFAULT_USERNAME, password },
      pid,
      directory: spec.directory,
      home: homedir(),
      localBinary: resolveOpencodeBinary(spec.binary),
      host: `tmux ${target}`,
      exited: watchPid(pid),
      stop: async () => {
        await stopPid(pid, this.options.stopGraceMs ?? 3_000)
        await this.tmux(['kill-window', '-t', target]).catch(() => {})
        rmSync(statePath, { force: true })
        this.secrets.delete(target)
      },
    }
  }

  /** tmux with our socket; rejects with tmux's own message. */
  async tmux(args: string[]): Promise<string> {
    const socket = this.options.socketName ? ['-L', this.options.socketName] : []
    try {
      const { stdout } = await run(this.options.tmuxBinary ?? 'tmux', [...socket, ...args], { timeout: 10_000 })
      return stdout
    } catch (error) {
      const e = error as { code?: string; stderr?: string; message: string }
      if (e.code === 'ENOENT') throw new PermanentError('tmux is not installed (apt-get install tmux)')
      throw new Error(`tmux ${args[0]}: ${(e.stderr || e.message).trim()}`)
    }
  }

  private async reattach(target: string, statePath: string): Promise<State | undefined> {
    if (!existsSync(statePath)) return undefined
    let state: z.infer<typeof State>
    try {
      state = State.parse(JSON.parse(readFileSync(statePath, 'utf8')))
    } catch {
      rmSync(statePath, { force: true })
      return undefined
    }
    const panePid = await this.tmux(['display-message', '-p', '-t', target, '#{pane_pid}']).catch(() => '')
    const password = this.secrets.get(target, state.pid)
    if (password && Number(panePid.trim()) === state.pid && isAlive(state.pid)) return { ...state, password }
    // A live window whose password is lost cannot be reached: end it, a fresh one starts.
    if (!password && Number(panePid.trim()) === state.pid && isAlive(state.pid)) {
      await stopPid(state.pid, this.options.stopGraceMs ?? 3_000)
      await this.tmux(['kill-window', '-t', target]).catch(() => {})
    }
    rmSync(statePath, { force: true })
    return undefined
  }

  private async startWindow(spec: TmuxSpec, context: LaunchContext, target: string, statePath: string): Promise<State> {
    const folderProblem = localDirectoryProblem(spec.directory)
    if (folderProblem) throw new PermanentError(folderProblem)
    const password = randomPassword()
    const binary = resolveOpencodeBinary(spec.binary)
    ensurePrivateDir(this.options.stateDir)
    // The password and the demo environment reach the server through this script, which deletes
    // itself first thing: nothing secret on a tmux command line (`ps` shows those).
    const script = join(this.options.stateDir, `${spec.session}-${spec.id}.start.sh`)
    // The pane's shell gets the tmux server's environment, not ours: the plugin config is set explicitly.
    const extra = { ...context.env, ...(spec.demo ? context.demo?.env() : undefined) }
    const env = { ...extra, ...localPluginEnv({ ...process.env, ...extra }), OPENCODE_SERVER_PASSWORD: password, OPENCODE_SERVER_USERNAME: DEFAULT_USERNAME }
    writeFileSync(
      script,
      ['#!/bin/sh', 'rm -f "$0"', ...Object.entries(env).map(([k, v]) => `export ${k}=${shQuote(v)}`), `exec ${shQuote(binary)} serve --port 0 --hostname 127.0.0.1`, ''].join('\n'),
      { mode: 0o600 },
    )
    chmodSync(script, 0o600)
    const command = `sh ${shQuote(script)}`
    const exists = await this.tmux(['has-session', '-t', `=${spec.session}`]).then(() => true, () => false)
    try {
      if (exists) await this.tmux(['new-window', '-d', '-t', `${spec.session}:`, '-n', spec.id, '-c', spec.directory, command])
      else await this.tmux(['new-session', '-d', '-s', spec.session, '-n', spec.id, '-c', spec.directory, command])
    } catch (error) {
      rmSync(script, { force: true })
      throw error
    }
    const pid = Number((await this.tmux(['display-message', '-p', '-t', target, '#{pane_pid}'])).trim())
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000)
    for (;;) {
      const text = await this.tmux(['capture-pane', '-p', '-J', '-t', target, '-S', '-200']).catch(() => '')
      const match = LISTEN.exec(text)
      if (match) {
        const port = Number(new URL(match[1]!).port)
        this.secrets.set(target, pid, password)
        writeFileAtomic(statePath, JSON.stringify({ pid, port }))
        return { pid, port, password }
      }
      if (!isAlive(pid) || Date.now() > deadline || context.signal?.aborted) {
        const tail = text.trim().split('\n').slice(-5).join(' | ')
        await stopPid(pid, 500)
        await this.tmux(['kill-window', '-t', target]).catch(() => {})
        if (context.signal?.aborted) throw new Error('start cancelled')
        throw new Error(`opencode serve in tmux window ${target} ${isAlive(pid) ? 'printed no listen line in time' : 'exited before listening'}${tail ? `: ${tail}` : ''}`)
      }
      await new Promise((r) => setTimeout(r, 150))
    }
  }
}

/** Running, not merely a zombie waiting for tmux to reap it (signal 0 succeeds on those). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // /proc/PID/stat: "pid (comm) S ..."; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return process.platform !== 'linux'
  }
}

/** The pane's process is ours to watch (same machine): poll it, as tmux owns it, not us. */
function watchPid(pid: number): Promise<ServerExit> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (isAlive(pid)) return
      clearInterval(timer)
      resolve({ code: null, signal: 'exited in its tmux window' })
    }, 1_000)
    timer.unref()
  })
}

async function stopPid(pid: number, graceMs: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s)
    } catch {
      // gone
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  if (isAlive(pid)) signal('SIGKILL')
}
