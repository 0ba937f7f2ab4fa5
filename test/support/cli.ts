import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const FLOTILLA_BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))

export interface CliRun {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** Runs the real `flotilla` command; the caller must await `exited` (or kill `child`). */
export function runCli(args: string[], options: { cwd: string; stdin?: string; env?: NodeJS.ProcessEnv }): CliRun {
  const child = spawn(process.execPath, [FLOTILLA_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  if (options.stdin !== undefined) child.stdin!.end(options.stdin)
  else child.stdin!.end()
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exited }
}
