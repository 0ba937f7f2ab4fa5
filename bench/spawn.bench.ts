import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { Fleet } from '../core/fleet/fleet'
import { LocalLauncher } from '../core/launchers/local'
import { resolveOpencodeBinary } from '../core/launchers/opencodeBinary'
import { isolatedOpencodeEnv } from './isolatedEnv'
import { interleaved, median } from './stats'

// Time from "start" to ready: a Flotilla local server (guard, random password, listen line,
// first health probe, event stream opened) vs a bare `opencode serve` to its listen line.
// Goal: ratio ≤ 1.05.
const ROUNDS = 6

async function bare(): Promise<number> {
  const { env, root } = isolatedOpencodeEnv('bare')
  const start = performance.now()
  const child = spawn(resolveOpencodeBinary(), ['serve', '--port', '0', '--hostname', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, ...env, OPENCODE_SERVER_PASSWORD: 'bench-only' },
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const elapsed = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('opencode server listening on')) resolve(performance.now() - start)
    })
    child.once('exit', () => reject(new Error('opencode serve exited before listening')))
  })
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
  rmSync(root, { recursive: true, force: true })
  return elapsed
}

async function flotilla(): Promise<number> {
  const { env, root } = isolatedOpencodeEnv('flotilla')
  const fleet = new Fleet({ launchers: { local: new LocalLauncher() }, context: () => ({ env }) })
  const server = fleet.add({ kind: 'local', id: 'bench', name: 'bench', capacity: 1, directory: root, demo: false })
  const start = performance.now()
  await server.start()
  const elapsed = performance.now() - start
  if (server.state !== 'ready') throw new Error(`server not ready: ${server.lastError}`)
  await fleet.stopAll()
  rmSync(root, { recursive: true, force: true })
  return elapsed
}

export async function spawnBench(): Promise<string[]> {
  await bare() // warm the binary into the page cache so neither side pays for the first read
  const runs = await interleaved(ROUNDS, flotilla, bare)
  const ratio = median(runs.a) / median(runs.b)
  return [
    `spawn: start → ready, median of ${ROUNDS} interleaved runs each`,
    `  flotilla local server ${median(runs.a).toFixed(0)} ms, bare opencode serve ${median(runs.b).toFixed(0)} ms`,
    `  ratio ${ratio.toFixed(3)} (goal ≤ 1.05) ${ratio <= 1.05 ? 'OK' : 'OVER'}`,
  ]
}
