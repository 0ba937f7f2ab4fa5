import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TmuxSpec } from '../../core/contract/servers'
import { startHarness, type Harness } from '../support/harness'
import { expectPrintenvProbeClean } from '../support/printenvProbe'
import { requireUnderCi } from '../support/requireUnderCi'

// A real tmux server on a socket of this test's own: opencode runs visibly in a window of the
// session, and is found again (reattached) by a later start.

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
requireUnderCi('the tmux tests', !hasTmux && 'tmux is missing: install it')

const SOCKET = `flotilla-test-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' })
let stateDir: string
let h: Harness

beforeAll(async () => {
  if (!hasTmux) return
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-tmux-state-'))
  h = await startHarness(0, { tmux: { socketName: SOCKET, stateDir } })
}, 60_000)

afterAll(async () => {
  await h?.close()
  // The tmux server is ours alone: end it by its pid, with whatever it still holds.
  try {
    const pid = Number(tmux('display-message', '-p', '#{pid}').trim())
    if (pid) process.kill(pid, 'SIGTERM')
  } catch {
    // no server left
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true })
}, 60_000)

const spec = (id: string): TmuxSpec => ({ kind: 'tmux', id, name: id, capacity: 1, session: 'fleet', directory: h.project, demo: true })

describe.skipIf(!hasTmux)('servers in tmux', () => {
  it('starts opencode in a window named after the server, finds its port in the pane, runs a task', async () => {
    const view = await h.engine.addServer(spec('tmux-1'), { start: true })
    expect(view.state, view.lastError).toBe('ready')
    expect(tmux('list-windows', '-t', 'fleet', '-F', '#{window_name}').split('\n')).toContain('tmux-1')
    expect(tmux('capture-pane', '-p', '-t', 'fleet:tmux-1')).toMatch(/opencode server listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(Number(tmux('display-message', '-p', '-t', 'fleet:tmux-1', '#{pane_pid}').trim())).toBe(view.pid)
    // The password went through a script that deleted itself; nothing is left beside the state file
    // and, apart from it, the password a reattach needs (0600 in a 0700 folder).
    expect(readdirSync(stateDir).sort()).toEqual(['fleet-tmux-1.json', 'secrets'])
    const password = h.engine.fleet.get('tmux-1').instance!.auth!.password
    expect(readFileSync(join(stateDir, 'fleet-tmux-1.json'), 'utf8')).not.toContain(password)
    const [secret] = readdirSync(join(stateDir, 'secrets'))
    expect(statSync(join(stateDir, 'secrets')).mode & 0o777).toBe(0o700)
    expect(statSync(join(stateDir, 'secrets', secret!)).mode & 0o777).toBe(0o600)

    const [task] = await h.submit([{ prompt: '@reply from tmux', target: { kind: 'server', serverId: 'tmux-1' } }])
    const [done] = await h.waitTasks([task!.id])
    expect(done!.result?.text).toBe('from tmux')
  }, 60_000)

  it('a bash tool in the tmux server cannot print the password (the plugin came along)', async () => {
    await expectPrintenvProbeClean(h, 'tmux-1')
  }, 60_000)

  it('a second server joins the same session as another window; a later start reattaches to the running one', async () => {
    await h.engine.addServer(spec('tmux-2'), { start: true })
    expect(tmux('list-windows', '-t', 'fleet', '-F', '#{window_name}').trim().split('\n').sort()).toEqual(['tmux-1', 'tmux-2'])

    // A second engine (as after restarting Flotilla) finds tmux-1 in its window and attaches.
    const again = await startHarness(0, { tmux: { socketName: SOCKET, stateDir } })
    try {
      const pid = h.engine.fleet.view('tmux-1').pid
      const view = await again.engine.addServer(spec('tmux-1'), { start: true })
      expect(view.state, view.lastError).toBe('ready')
      expect(view.pid).toBe(pid)
    } finally {
      // Closing the second engine would stop tmux-1: drop it from that engine first.
      again.engine.fleet.get('tmux-1').instance = undefined
      await again.close()
    }
  }, 60_000)

  it('stop ends the server and closes its window', async () => {
    const pid = h.engine.fleet.view('tmux-2').pid!
    await h.engine.fleet.get('tmux-2').stop()
    // Gone, or a zombie for the moment tmux takes to reap it: not running either way.
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] : 'gone'
    expect(['gone', 'Z']).toContain(state)
    expect(tmux('list-windows', '-t', 'fleet', '-F', '#{window_name}').trim().split('\n')).toEqual(['tmux-1'])
  }, 30_000)
})
