import { spawn, type ChildProcess } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireUnderCi } from '../support/requireUnderCi'
import { USER_PLUGIN_SOURCE } from '../support/secretProbe'
import { AS_NOBODY, cannotDropPrivileges, NOBODY_UID } from '../support/unprivileged'

// A real local server started by Flotilla as an ordinary user (nobody), whose agent runs a bash
// tool that looks for the password everywhere it could: the environment, opencode's
// /proc/PID/environ, its parent's, the guard's. Root reads every /proc, so as root nothing helps.

const problem = cannotDropPrivileges()
requireUnderCi('the tests of an agent running as an ordinary user', problem && `cannot run a server as an unprivileged user: ${problem}`)

/** A probe's marker on a line of its own (the command itself, shown with the output, names them too). */
const LEAK = /^\s*LEAK-\w+\s*$/m

interface ChildReport {
  password: string
  baseUrl: string
  pid: number
  state: string
  error?: string
  result?: string
  output: string
  /** The bash tools' output as opencode keeps it. */
  tools: string
}

let home: string
let child: ChildProcess | undefined
let report: ChildReport
let stderr = ''

beforeAll(async () => {
  if (problem) return
  home = mkdtempSync(join(tmpdir(), 'flotilla-nobody-'))
  chownSync(home, NOBODY_UID, NOBODY_UID)
  const userPlugin = join(home, 'user-plugin.js')
  writeFileSync(userPlugin, USER_PLUGIN_SOURCE, { mode: 0o644 })
  child = spawn(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, '--import', 'tsx', 'test/support/secretsChild.ts'], {
    env: {
      ...process.env,
      HOME: home,
      TMPDIR: home,
      FLOTILLA_HOME: join(home, 'flotilla'),
      // The user's own config: Flotilla's plugin must come on top of it, not in its place.
      OPENCODE_CONFIG_CONTENT: JSON.stringify({ plugin: [pathToFileURL(userPlugin).href] }),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()))
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child!.stdout! }).once('line', resolve)
    child!.once('exit', (code) => reject(new Error(`the unprivileged child exited (${code}): ${stderr.slice(-2000)}`)))
  })
  report = JSON.parse(line) as ChildReport
}, 120_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve))
    child.stdin!.end() // the child stops its servers and exits
    const timer = setTimeout(() => child!.kill('SIGKILL'), 20_000)
    await exited
    clearTimeout(timer)
  }
  if (home) rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
}, 30_000)

function environ(pid: number): string {
  return readFileSync(`/proc/${pid}/environ`, 'latin1')
}

describe.skipIf(!!problem)('the server password, for an agent running as an ordinary user', () => {
  it('is in none of what the bash tool can read, and the task output and result do not contain it', () => {
    expect(report.state, report.error).toBe('completed')
    expect(report.result).toBe('probe done')
    // The probe ran, as nobody, and the user's own plugin was loaded beside Flotilla's.
    expect(report.tools).toContain('PROBED as nobody')
    expect(report.tools).toContain('user-plugin-loaded')
    expect(report.tools).not.toMatch(LEAK)
    expect(report.tools).not.toContain(report.password)
    expect(report.output).toContain('PROBED as nobody')
    expect(report.output).not.toMatch(LEAK)
    expect(report.output).not.toContain(report.password)
    expect(report.result).not.toContain(report.password)
  })

  it('the server still requires it', async () => {
    expect((await fetch(`${report.baseUrl}/global/health`)).status).toBe(401)
    const auth = 'Basic ' + Buffer.from(`opencode:${report.password}`).toString('base64')
    expect((await fetch(`${report.baseUrl}/global/health`, { headers: { authorization: auth } })).status).toBe(200)
  })

  it('only opencode has it in its environment, and opencode is not dumpable (its /proc files belong to root)', () => {
    const needle = `OPENCODE_SERVER_PASSWORD=${report.password}`
    const stat = readFileSync(`/proc/${report.pid}/stat`, 'latin1')
    const guard = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    // Root can still read it: the check below is not vacuous.
    expect(environ(report.pid)).toContain(needle)
    expect(statSync(`/proc/${report.pid}/environ`).uid).toBe(0)
    const group = readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== report.pid).filter((e) => {
      try {
        const s = readFileSync(`/proc/${e}/stat`, 'latin1')
        return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[2]) === guard
      } catch {
        return false
      }
    })
    // The guard and its watcher (cat, its subshell) at least.
    expect(group.map(Number)).toContain(guard)
    expect(group.length).toBeGreaterThanOrEqual(2)
    for (const pid of group) {
      let env = ''
      try {
        env = environ(Number(pid))
      } catch {
        continue // ended meanwhile
      }
      expect(env, `process ${pid} of the guard's group`).not.toContain(report.password)
    }
  })
})
