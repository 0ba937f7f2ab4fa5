import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WeztermSpec } from '../../core/contract/servers'
import { startHarness, type Harness } from '../support/harness'
import { expectPrintenvProbeClean } from '../support/printenvProbe'
import { stopWeztermStandin, WEZTERM_STANDIN } from '../support/wezterm-standin'

// WezTerm cannot be installed here: these run against a stand-in `wezterm` executable that
// implements the `wezterm cli` subcommands Flotilla uses, as WezTerm 20240203-110809-5046fc22
// does (test/support/wezterm-standin). The opencode servers in its panes are real.

let stateDir: string
let h: Harness
const wezterm = (...args: string[]) => execFileSync(WEZTERM_STANDIN, ['cli', ...args], { encoding: 'utf8' })

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-wezterm-'))
  // The stand-in's daemon takes its environment from the first call (ours, with the leftover marker).
  process.env.WEZTERM_STANDIN_DIR = stateDir
  process.env.WEZTERM_STANDIN_DOMAINS = 'devbox'
  h = await startHarness(0, { wezterm: { binary: WEZTERM_STANDIN, pollMs: 300 } })
}, 60_000)

afterAll(async () => {
  await h?.close()
  await stopWeztermStandin(stateDir)
  rmSync(stateDir, { recursive: true, force: true })
  delete process.env.WEZTERM_STANDIN_DIR
  delete process.env.WEZTERM_STANDIN_DOMAINS
}, 60_000)

const spec = (id: string, extra: Partial<WeztermSpec> = {}): WeztermSpec => ({ kind: 'wezterm', id, name: id, capacity: 1, domain: 'local', directory: h.project, demo: true, ...extra })
const panes = () => JSON.parse(wezterm('list', '--format', 'json')) as Array<{ pane_id: number; cwd: string }>

describe('servers in WezTerm panes (stand-in wezterm)', () => {
  it('spawns opencode in a pane, reads its port from the pane text, shows the pane on the card, runs a task', async () => {
    const view = await h.engine.addServer(spec('wez-1'), { start: true })
    expect(view.state, view.lastError).toBe('ready')
    const match = /^wezterm pane (\d+) · local$/.exec(view.host ?? '')
    expect(match, view.host).not.toBeNull()
    const paneId = Number(match![1])
    expect(panes().find((p) => p.pane_id === paneId)?.cwd).toBe(`file://${h.project}`)
    const text = wezterm('get-text', '--pane-id', String(paneId))
    expect(text).toMatch(/opencode server listening on http:\/\/127\.0\.0\.1:\d+/)
    // The password was typed with echo off: not on the screen.
    const instance = h.engine.fleet.get('wez-1').instance!
    expect(text).not.toContain(instance.auth!.password)

    const [task] = await h.submit([{ prompt: '@reply from a wezterm pane', target: { kind: 'server', serverId: 'wez-1' } }])
    const [done] = await h.waitTasks([task!.id])
    expect(done!.result?.text).toBe('from a wezterm pane')
  }, 60_000)

  it('a bash tool in the pane\'s server cannot print the password (the plugin came along)', async () => {
    await expectPrintenvProbeClean(h, 'wez-1')
  }, 60_000)

  it('spawns in another domain by name; an unknown domain fails with wezterm\'s message', async () => {
    const view = await h.engine.addServer(spec('wez-dev', { domain: 'devbox', demo: false }), { start: true })
    expect(view.state, view.lastError).toBe('ready')
    expect(view.host).toMatch(/ · devbox$/)
    const records = JSON.parse(readFileSync(join(stateDir, 'panes.json'), 'utf8')) as Array<{ pane_id: number; domain: string }>
    expect(records.find((r) => `wezterm pane ${r.pane_id} · devbox` === view.host)?.domain).toBe('devbox')
    await h.engine.removeServer('wez-dev')

    const bad = await h.engine.addServer(spec('wez-bad', { domain: 'nowhere' }), { start: true })
    await h.waitFor('the bad domain to fail', () => h.engine.fleet.view('wez-bad').lastError)
    expect(h.engine.fleet.view('wez-bad').lastError).toMatch(/^start failed: wezterm cli spawn: Error: resolve_spawn_tab_domain: domain name "nowhere" is invalid/)
    expect(bad.state).not.toBe('ready')
    // Given up at once: no retrying a domain that does not exist.
    expect(h.engine.fleet.get('wez-bad').state).toBe('failed')
    await h.engine.removeServer('wez-bad')
  }, 60_000)

  it('types a password that begins with "-" (send-text would take it for a flag without "--")', async () => {
    const { WeztermLauncher } = await import('../../core/launchers/wezterm')
    const launcher = new WeztermLauncher({ binary: WEZTERM_STANDIN, pollMs: 300, password: () => '-Dash1234567890abcdefXYZ' })
    const running = await launcher.start(spec('wez-dash', { demo: false }), {})
    try {
      const health = await fetch(`${running.baseUrl}/global/health`, { headers: { authorization: `Basic ${Buffer.from(`${running.auth!.username}:-Dash1234567890abcdefXYZ`).toString('base64')}` } })
      expect(health.status).toBe(200)
    } finally {
      await running.stop()
    }
  }, 60_000)

  it('stop kills the pane; a pane closed from WezTerm is noticed as the server exiting', async () => {
    const paneOf = (id: string) => Number(/pane (\d+)/.exec(h.engine.fleet.view(id).host ?? '')![1])
    const first = paneOf('wez-1')
    await h.engine.fleet.get('wez-1').stop()
    expect(panes().some((p) => p.pane_id === first)).toBe(false)

    await h.engine.addServer(spec('wez-2'), { start: true })
    const second = paneOf('wez-2')
    wezterm('kill-pane', '--pane-id', String(second))
    await h.waitFor('the supervisor to notice', () => /closed/.test(h.engine.fleet.view('wez-2').lastError ?? ''), 15_000)
    await h.engine.removeServer('wez-2')
    // A restart that was under way is cancelled and cleans up its pane too.
    await h.waitFor('every pane to be gone', () => panes().length === 0, 15_000)
  }, 60_000)
})
