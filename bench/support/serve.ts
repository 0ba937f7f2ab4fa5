import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))

/** A running `flotilla serve`, its login URL, and a stop that waits for it to exit. */
export interface ServeProcess {
  child: ChildProcess
  url: string
  stop(): Promise<void>
}

/** Spawns `flotilla serve --port 0 ...args` and resolves once it prints its login link. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const m = /Flotilla dashboard: (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`flotilla serve exited (${code}) before printing its URL`)))
  })
  return {
    child,
    url,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}
