import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WeztermSpec } from '../../core/contract/servers'
import { SECRET_GUARD_PLUGIN_FILE } from '../../core/launchers/plugin/secretGuardPlugin'
import { startHarness, type Harness } from '../support/harness'
import { createNetns, knownHostsLine, sshdMissing, startSshd, type Sshd } from '../support/sshd'
import { standinSshDomain, stopWeztermStandin, WEZTERM_STANDIN } from '../support/wezterm-standin'

// A server in a WezTerm SSH domain runs on the domain's host. That host here is a real sshd in a
// network namespace of the test's own: from this side, its loopback (where opencode listens) is
// out of reach, so a ready server proves Flotilla reached it through its own SSH tunnel.
// WezTerm cannot be installed here: the stand-in `wezterm` runs the pane through `ssh -tt`.

const missing = sshdMissing()

let home: string
let stateDir: string
let netns: Awaited<ReturnType<typeof createNetns>> | undefined
let sshd: Sshd | undefined
let h: Harness | undefined
const wezterm = (...args: string[]) => execFileSync(WEZTERM_STANDIN, ['cli', ...args], { encoding: 'utf8' })

beforeAll(async () => {
  if (missing) return
  home = mkdtempSync(join(tmpdir(), 'flotilla-wez-ssh-'))
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-wezterm-'))
  netns = await createNetns()
  sshd = await startSshd({ netns: netns.name, listenAddress: netns.nsAddress })
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  const knownHosts = join(home, '.ssh', 'known_hosts')
  writeFileSync(knownHosts, `${knownHostsLine(sshd)}\n`)
  // Flotilla's tunnel finds the key through ~/.ssh/config, as WezTerm's own connection would.
  writeFileSync(join(home, '.ssh', 'config'), `Host ${netns.nsAddress}\n  IdentityFile ${sshd.userKey}\n`)
  process.env.WEZTERM_STANDIN_DIR = stateDir
  process.env.WEZTERM_STANDIN_SSH_DOMAINS = JSON.stringify({ far: standinSshDomain(`${netns.nsAddress}:${sshd.port}`, sshd.user, sshd.userKey, knownHosts) })
  h = await startHarness(0, {
    wezterm: { binary: WEZTERM_STANDIN, pollMs: 300 },
    weztermDomainsFile: join(home, 'flotilla-domains.lua'),
    ssh: { knownHostsPath: knownHosts, config: { home }, agent: '' },
  })
  // The domain as the app's domain dialog would define it.
  h.engine.weztermDomains.add({ name: 'far', remoteAddress: `${netns.nsAddress}:${sshd.port}`, username: sshd.user })
}, 90_000)

afterAll(async () => {
  await h?.close()
  if (stateDir) await stopWeztermStandin(stateDir)
  await sshd?.stop()
  await netns?.remove()
  for (const dir of [stateDir, home]) if (dir) rmSync(dir, { recursive: true, force: true })
  delete process.env.WEZTERM_STANDIN_DIR
  delete process.env.WEZTERM_STANDIN_SSH_DOMAINS
}, 60_000)

const spec = (id: string, extra: Partial<WeztermSpec> = {}): WeztermSpec => ({ kind: 'wezterm', id, name: id, capacity: 1, domain: 'far', directory: sshd!.home, demo: false, ...extra })

describe.skipIf(missing)('servers in a WezTerm SSH domain (stand-in wezterm, real sshd in a network namespace)', () => {
  it('runs opencode on the domain\'s host and reaches it through an SSH tunnel; stop closes the pane', async () => {
    const view = await h!.engine.addServer(spec('wez-far'), { start: true })
    expect(view.state, view.lastError).toBe('ready')
    const paneId = Number(/^wezterm pane (\d+) · far$/.exec(view.host ?? '')?.[1])
    expect(Number.isInteger(paneId), view.host).toBe(true)
    const text = wezterm('get-text', '--pane-id', String(paneId))
    const remotePort = Number(/opencode server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1])
    expect(remotePort).toBeGreaterThan(0)
    // The password was typed after echo went off: not on the remote screen either.
    expect(text).toContain('flotilla: waiting for the server password (not echoed)')
    expect(text).not.toContain(h!.engine.fleet.get('wez-far').instance!.auth!.password)
    // Flotilla's plugin (which keeps the password from the agent's tools) was shipped over its own
    // link before the pane started, and the server there loads it; `~` means that host's home.
    const plugin = join(sshd!.home, '.flotilla', 'plugins', SECRET_GUARD_PLUGIN_FILE)
    expect(statSync(plugin).mode & 0o777).toBe(0o600)
    const password = h!.engine.fleet.get('wez-far').instance!.auth!.password
    expect(serverEnvironments(password).some((env) => env.includes(`OPENCODE_CONFIG_CONTENT=`) && env.includes(`file://${plugin}`))).toBe(true)
    expect(h!.engine.fleet.get('wez-far').instance!.home).toBe(sshd!.home)
    // The server answers on a local tunnel port, not on the port it listens on over there.
    expect(new URL(view.baseUrl!).port).not.toBe(String(remotePort))
    // It listens there, inside the namespace, where this side cannot connect.
    const probe = `exec 3<>/dev/tcp/127.0.0.1/${remotePort} && echo open || echo closed`
    expect(execFileSync('ip', ['netns', 'exec', netns!.name, 'bash', '-c', `${probe} 2>/dev/null`], { encoding: 'utf8' }).trim()).toBe('open')

    // A shell pane for it opens on that host too (its addresses are the namespace's).
    let output = ''
    const shell = await h!.engine.fleet.get('wez-far').instance!.openShell!({ cols: 120, rows: 30 }, (data) => (output += data), () => {})
    try {
      shell.write('ip -o -4 addr show; exit\n')
      await h!.waitFor('the shell to list its addresses', () => output.includes(netns!.nsAddress), 15_000)
    } finally {
      shell.close()
    }

    await h!.engine.removeServer('wez-far')
    const panes = JSON.parse(wezterm('list', '--format', 'json')) as Array<{ pane_id: number }>
    expect(panes.some((p) => p.pane_id === paneId)).toBe(false)
  }, 90_000)

  it('refuses a demo server in an SSH domain at once, saying why', async () => {
    const view = await h!.engine.addServer(spec('wez-demo', { demo: true }), { start: true })
    expect(view.state).toBe('failed')
    expect(view.lastError).toMatch(/scripted model is not reachable from the SSH domain far/)
    // Not running, so no shell on its host; and never a local shell in the remote folder instead.
    const shell = await h!.dispatcher.call('terminals.open', { kind: 'shell', serverId: 'wez-demo', cols: 80, rows: 24 })
    expect(shell).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(/start it to open a shell on its machine/) } })
    await h!.engine.removeServer('wez-demo')
  }, 30_000)
})

/** The environments (as root can read them) of the processes that hold this server password: the opencode server. */
function serverEnvironments(password: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8')
      if (env.includes(`OPENCODE_SERVER_PASSWORD=${password}`)) found.push(env)
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}
