import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))

export interface Served {
  loginUrl: string
  baseUrl: string
  project: string
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

export interface ServeOptions {
  /** --demo (the default): the scripted model, and saved servers are not loaded. */
  demo?: boolean
  /** Called with the fresh FLOTILLA_HOME before serve starts (to seed its settings). */
  seedHome?: (home: string) => void
}

/**
 * Starts the real `flotilla serve --demo` (scripted model, real opencode servers) with its own
 * FLOTILLA_HOME and project folder, and reads the login URL it prints. stop() ends it by pid:
 * SIGTERM (it stops its servers), then SIGKILL if it does not exit in time.
 */
export async function startServe(args: string[], options: ServeOptions = {}): Promise<Served> {
  const project = mkdtempSync(join(tmpdir(), 'flotilla-e2e-project-'))
  const home = mkdtempSync(join(tmpdir(), 'flotilla-e2e-home-'))
  options.seedHome?.(home)
  const demo = options.demo === false ? [] : ['--demo']
  const child = spawn(process.execPath, [BIN, 'serve', ...demo, '--port', '0', '--dir', project, ...args], {
    env: { ...process.env, FLOTILLA_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(project, { recursive: true, force: true })
    rmSync(home, { recursive: true, force: true })
  }
  try {
    const loginUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no login URL within 120 s:\n${out}`)), 120_000)
      child.stdout!.on('data', () => {
        const match = /Flotilla dashboard: (http:\/\/\S+)/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      })
      child.once('exit', (code) => reject(new Error(`flotilla serve exited (${code}):\n${out}`)))
    })
    return { loginUrl, baseUrl: new URL(loginUrl).origin, project, child, output: () => out, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
