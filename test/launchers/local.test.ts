import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PermanentError } from '../../core/lib/errors'
import { LocalLauncher } from '../../core/launchers/local'
import { spawnGuarded } from '../../core/launchers/processGroup'
import type { RunningServer } from '../../core/launchers/types'
import { OpencodeClient } from '../../core/opencode/client'

let dir: string
const started: RunningServer[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-launcher-'))
})
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()))
  rmSync(dir, { recursive: true, force: true })
})

const isolated = (name: string) => ({
  XDG_DATA_HOME: join(dir, name, 'data'),
  XDG_CONFIG_HOME: join(dir, name, 'config'),
  XDG_STATE_HOME: join(dir, name, 'state'),
  XDG_CACHE_HOME: join(dir, name, 'cache'),
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs
  while (Date.now() < deadline) {
    if (!alive(pid)) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return !alive(pid)
}

describe('LocalLauncher', () => {
  it('starts opencode on 127.0.0.1 with a random password; no password, no access; stop ends it', async () => {
    const launcher = new LocalLauncher({ stopGraceMs: 2_000 })
    const spec = { kind: 'local' as const, id: 'l1', name: 'l1', capacity: 1, directory: dir, demo: false }
    const a = await launcher.start(spec, { env: isolated('a') })
    started.push(a)
    expect(a.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(a.auth?.password).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(a.pid).toBeGreaterThan(0)
    expect((await fetch(`${a.baseUrl}/global/health`)).status).toBe(401)
    const wrong = new OpencodeClient({ baseUrl: a.baseUrl, auth: { username: 'opencode', password: 'not-it' } })
    await expect(wrong.health()).rejects.toThrow(/HTTP 401/)
    const health = await new OpencodeClient({ baseUrl: a.baseUrl, auth: a.auth }).health()
    expect(health).toMatchObject({ healthy: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) })

    // A second server gets its own password.
    const b = await launcher.start({ ...spec, id: 'l2' }, { env: isolated('b') })
    started.push(b)
    expect(b.auth?.password).not.toBe(a.auth?.password)
    expect(b.baseUrl).not.toBe(a.baseUrl)

    await a.stop()
    expect(await a.exited).toMatchObject({})
    expect(alive(a.pid!)).toBe(false)
    await b.stop()
    expect(alive(b.pid!)).toBe(false)
  }, 60_000)

  it('says clearly when the binary cannot start', async () => {
    const launcher = new LocalLauncher()
    const spec = { kind: 'local' as const, id: 'bad', name: 'bad', capacity: 1, directory: dir, demo: false, binary: '/bin/false' }
    await expect(launcher.start(spec, {})).rejects.toThrow(/opencode serve exited \(code 1\) before listening/)
  })

  it('leaves no orphan when Flotilla itself is SIGKILLed', async () => {
    // A separate Node process starts a server and prints its pid; then we kill that process
    // with SIGKILL, so none of its cleanup code can run. The guard must stop opencode.
    const script = fileURLToPath(new URL('../support/startOneServer.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
      env: { ...process.env, ...isolated('orphan') },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const pid = await new Promise<number>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (d) => {
        out += d
        const match = /pid=(\d+)/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      child.once('exit', (code) => reject(new Error(`helper exited early (${code})`)))
    })
    expect(alive(pid)).toBe(true)
    child.kill('SIGKILL')
    // The guard's watcher sees its pipe close and sends SIGTERM (SIGKILL 5 s later at worst).
    expect(await gone(pid, 8_000)).toBe(true)
  }, 60_000)
})

describe('a folder that does not exist', () => {
  it('is this server’s start error (naming the folder), never a crash of the process', async () => {
    const missing = join(dir, 'no-such-folder')
    const start = new LocalLauncher().start({ kind: 'local', id: 'typo', name: 'typo', capacity: 1, directory: missing, demo: false }, {})
    await expect(start).rejects.toThrow(`the directory ${missing} does not exist`)
    await expect(start).rejects.toBeInstanceOf(PermanentError)
    // An unhandled 'error' event (spawn /bin/sh ENOENT) would surface on the next ticks.
    await new Promise((r) => setTimeout(r, 200))
  })

  it('spawnGuarded refuses it before spawning anything', () => {
    expect(() => spawnGuarded('/bin/true', [], { cwd: join(dir, 'gone') })).toThrow(`the directory ${join(dir, 'gone')} does not exist`)
  })
})
