import { homedir } from 'node:os'
import type { LocalSpec } from '../contract/servers'
import { DEFAULT_USERNAME } from '../opencode/auth'
import { PermanentError } from '../lib/errors'
import { randomPassword } from '../lib/random'
import { localDirectoryProblem } from './localDirectory'
import { localPluginEnv } from './plugin/serverPlugins'
import { resolveOpencodeBinary } from './opencodeBinary'
import { spawnGuarded } from './processGroup'
import type { LaunchContext, Launcher, RunningServer } from './types'

const LISTEN_LINE = /opencode server listening on (https?:\/\/\S+)/

export interface LocalLauncherOptions {
  /** How long to wait for the listen line (a cold start here takes ~1-1.5 s). */
  startTimeoutMs?: number
  /** Between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number
}

/**
 * Starts `opencode serve` on 127.0.0.1 with a random port and password, in its own process
 * group under a guard that stops it if Flotilla dies, with Flotilla's secret-guard plugin.
 */
export class LocalLauncher implements Launcher<LocalSpec> {
  readonly owns = true

  constructor(private readonly options: LocalLauncherOptions = {}) {}

  localFolder(spec: LocalSpec): string {
    return spec.directory
  }

  async start(spec: LocalSpec, context: LaunchContext): Promise<RunningServer> {
    const folderProblem = localDirectoryProblem(spec.directory)
    if (folderProblem) throw new PermanentError(folderProblem)
    const binary = resolveOpencodeBinary(spec.binary)
    const password = randomPassword()
    const env: NodeJS.ProcessEnv = { ...process.env, ...context.env, ...(spec.demo ? context.demo?.env() : undefined), OPENCODE_SERVER_USERNAME: DEFAULT_USERNAME }
    // The password reaches opencode through the guard's stdin, never an environment (not even one inherited).
    delete env.OPENCODE_SERVER_PASSWORD
    Object.assign(env, localPluginEnv(env))
    const recent: string[] = []
    const remember = (line: string) => {
      recent.push(line)
      if (recent.length > 20) recent.shift()
      context.onOutput?.(line)
    }
    let onListen: (url: string) => void = () => {}
    const listening = new Promise<string>((resolve) => (onListen = resolve))
    const proc = spawnGuarded(binary, ['serve', '--port', '0', '--hostname', '127.0.0.1'], {
      cwd: spec.directory,
      env,
      secretEnv: { name: 'OPENCODE_SERVER_PASSWORD', value: password },
      onStdoutLine: (line) => {
        const match = LISTEN_LINE.exec(line)
        // The listen line is said again, better, when the server turns ready: only the rest is output.
        if (match) onListen(match[1]!.replace(/\/$/, ''))
        else remember(line)
      },
      onStderrLine: remember,
    })
    const timeoutMs = this.options.startTimeoutMs ?? 30_000
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      listening.then((url) => ({ kind: 'listening' as const, url })),
      proc.exited.then((exit) => ({ kind: 'exited' as const, exit })),
      new Promise<{ kind: 'timeout' }>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs))),
      abortPromise(context.signal),
    ])
    clearTimeout(timer)
    if (outcome.kind !== 'listening') {
      await proc.stop(0)
      const tail = recent.slice(-5).join(' | ')
      if (outcome.kind === 'exited') {
        throw new Error(
          `opencode serve exited (${outcome.exit.signal ?? `code ${outcome.exit.code}`}) before listening${tail ? `: ${tail}` : ''}`,
        )
      }
      if (outcome.kind === 'aborted') throw new Error('start cancelled')
      throw new Error(`opencode serve printed no listen line within ${timeoutMs} ms${tail ? `: ${tail}` : ''}`)
    }
    const pid = await Promise.race([proc.childPid, proc.exited.then(() => undefined)]).catch(() => undefined)
    const baseUrl = toLoopback(outcome.url)
    return {
      baseUrl,
      auth: { username: DEFAULT_USERNAME, password },
      pid,
      sampledPid: pid,
      localBinary: binary,
      directory: spec.directory,
      home: homedir(),
      host: '127.0.0.1',
      exited: proc.exited,
      stop: () => proc.stop(this.options.stopGraceMs ?? 3_000),
    }
  }
}

function toLoopback(url: string): string {
  // The server is bound to 127.0.0.1 whatever name it prints.
  const parsed = new URL(url)
  parsed.hostname = '127.0.0.1'
  return parsed.toString().replace(/\/$/, '')
}

function abortPromise(signal: AbortSignal | undefined): Promise<{ kind: 'aborted' }> {
  return new Promise((resolve) => {
    if (!signal) return
    if (signal.aborted) resolve({ kind: 'aborted' })
    signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true })
  })
}
