import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { DemoRuntime } from '../../core/demo/demoRuntime'

const CHILD = fileURLToPath(new URL('../support/demoChild.ts', import.meta.url))
const children: ChildProcess[] = []
const made: string[] = []

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** Starts a process that holds a demo runtime; resolves with it and its temp folder. */
async function demoProcess(): Promise<{ child: ChildProcess; root: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const root = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(out.trim())
    })
    child.on('exit', (code) => reject(new Error(`demo process exited (${code}) before printing its folder`)))
  })
  made.push(root)
  return { child, root }
}

it("a demo folder left by a run killed with -9 is removed at the next demo start; a live run's and an unowned one are kept", async () => {
  const crashed = await demoProcess()
  const live = await demoProcess()
  // What a demo server leaves there (opencode state: 15-54 MB in real runs).
  mkdirSync(join(crashed.root, 'servers', 'local-1'), { recursive: true })
  writeFileSync(join(crashed.root, 'servers', 'local-1', 'state.bin'), Buffer.alloc(1024 * 1024))
  // A folder that names no owner (an older version's, perhaps live): not ours to judge.
  const unowned = mkdtempSync(join(tmpdir(), 'flotilla-demo-'))
  made.push(unowned)

  crashed.child.kill('SIGKILL')
  await new Promise((r) => crashed.child.once('exit', r))
  expect(existsSync(crashed.root)).toBe(true) // nothing cleaned up after a kill -9

  const next = await DemoRuntime.start()
  try {
    expect(existsSync(crashed.root)).toBe(false)
    expect(existsSync(live.root)).toBe(true)
    expect(existsSync(unowned)).toBe(true)
    expect(existsSync(next.root)).toBe(true)
  } finally {
    await next.close()
  }
  expect(existsSync(next.root)).toBe(false) // a clean close still removes its own at once
  live.child.kill('SIGKILL')
}, 60_000)
