import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SshSpec } from '../../core/contract/servers'
import { TERMINAL_FLOW } from '../../core/contract/terminalFlow'
import type { HostKeyQuestion } from '../../core/ssh/sshConnection'
import { stripAnsi } from '../../core/view/ansi'
import { startHarness, type Harness } from '../support/harness'
import { expectPrintenvProbeClean } from '../support/printenvProbe'
import { SshLauncher, type SshLauncherOptions } from '../../core/launchers/ssh'
import type { RunningServer } from '../../core/launchers/types'
import { execFileSync } from 'node:child_process'
import { startOpencodeRegistry } from '../support/npmRegistry'
import { createNetns, knownHostsLine, sshConfigHost, sshdMissing, startSshAgent, startSshd, type Sshd } from '../support/sshd'

// Real sshd instances on 127.0.0.1 stand in for other machines: each has its own host key,
// authorised user keys and HOME; the "remote" opencode runs there over SSH and reaches the
// scripted model through a reverse tunnel.

const missing = sshdMissing()

let home: string
let knownHosts: string
let sshdA: Sshd
let sshdB: Sshd
let h: Harness
const questions: HostKeyQuestion[] = []
let acceptNewKeys = true
let passphrases: string[] = []

beforeAll(async () => {
  if (missing) return
  home = mkdtempSync(join(tmpdir(), 'flotilla-ssh-home-'))
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  knownHosts = join(home, '.ssh', 'known_hosts')
  ;[sshdA, sshdB] = await Promise.all([startSshd(), startSshd()])
  // ~/.ssh/config with aliases, one reached through the other (ProxyJump).
  writeFileSync(
    join(home, '.ssh', 'config'),
    [...sshConfigHost('box-a', sshdA), ...sshConfigHost('box-b-via-a', sshdB, ['ProxyJump box-a']), ''].join('\n'),
  )
  h = await startHarness(1, {
    ssh: {
      // This machine's side of a reattach (the passwords), never the user's real state folder.
      stateDir: join(home, 'flotilla-state'),
      knownHostsPath: knownHosts,
      config: { home },
      agent: '',
      confirmHostKey: async (q) => (questions.push(q), acceptNewKeys),
      passphrase: async () => passphrases.shift(),
      link: { backoff: { baseMs: 100, capMs: 500 } },
    },
  })
}, 120_000)

afterAll(async () => {
  await h?.close()
  await Promise.all([sshdA?.stop(), sshdB?.stop()])
  if (home) rmSync(home, { recursive: true, force: true })
}, 60_000)

function spec(id: string, sshd: Sshd, extra: Partial<SshSpec> = {}): SshSpec {
  return { kind: 'ssh', id, name: id, capacity: 1, host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.userKey, remoteDirectory: sshd.home, demo: true, ...extra }
}

async function addSsh(s: SshSpec) {
  await h.engine.addServer(s, { start: true })
  return h.waitFor(`${s.id} to settle`, () => {
    const view = h.engine.fleet.view(s.id)
    return ['ready', 'failed'].includes(view.state) ? view : undefined
  }, 60_000)
}

/** A terminal pane through the dispatcher, and what it has shown so far (colours stripped). */
async function openTerminal(kind: 'shell' | 'tui', serverId: string) {
  const opened = await h.dispatcher.call('terminals.open', { kind, serverId, cols: 100, rows: 30 })
  if ('error' in opened) throw new Error(opened.error.message)
  const { terminalId, title } = opened.result as { terminalId: string; title: string }
  const output = () => stripAnsi(h.pushes.filter((p) => p.event === 'terminals.data' && (p.payload as { terminalId: string }).terminalId === terminalId).map((p) => (p.payload as { data: string }).data).join(''))
  return { terminalId, title, output }
}

/** As if the user had connected once before: the host's key is in known_hosts. */
const trust = (sshd: Sshd) => appendFileSync(knownHosts, `${knownHostsLine(sshd)}\n`)

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(missing)('servers over SSH', () => {
  it('refuses an unknown host key unless accepted, then records it; the server runs tasks with the scripted model', async () => {
    acceptNewKeys = false
    const refused = await addSsh(spec('box-a-refused', sshdA))
    expect(refused.state).toBe('failed')
    expect(refused.lastError).toMatch(/unknown host key ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}/)
    expect(existsSync(knownHosts)).toBe(false)
    await h.engine.removeServer('box-a-refused')

    acceptNewKeys = true
    const view = await addSsh(spec('box-a', sshdA))
    expect(view.state, view.lastError).toBe('ready')
    expect(questions.at(-1)).toMatchObject({ host: '127.0.0.1', port: sshdA.port, keyType: 'ssh-ed25519' })
    expect(readFileSync(knownHosts, 'utf8')).toContain(knownHostsLine(sshdA))
    expect(view.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const [task] = await h.submit([{ prompt: '@reply hello from afar', target: { kind: 'server', serverId: 'box-a' } }])
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('completed')
    expect(done!.result?.text).toBe('hello from afar')
  }, 90_000)

  it('fans tasks out over two SSH machines (one through ProxyJump) and a local server', async () => {
    const viaJump = await addSsh({ kind: 'ssh', id: 'box-b', name: 'box-b', capacity: 1, host: 'box-b-via-a', remoteDirectory: sshdB.home, demo: true })
    expect(viaJump.state, viaJump.lastError).toBe('ready')
    expect(readFileSync(knownHosts, 'utf8')).toContain(knownHostsLine(sshdB))
    const tasks = await h.submit(['one', 'two', 'three'].map((word) => ({ prompt: `@reply ${word}`, target: { kind: 'broadcast' as const, serverIds: ['box-a', 'box-b', 'local-1'] } })))
    const done = await h.waitTasks(tasks.map((t) => t.id))
    expect(done.every((t) => t.state === 'completed')).toBe(true)
    expect(new Set(done.map((t) => t.serverId))).toEqual(new Set(['box-a', 'box-b', 'local-1']))
  }, 120_000)

  it('refuses a changed host key at once, with a clear error', async () => {
    await sshdB.changeHostKey()
    const before = readFileSync(knownHosts, 'utf8')
    const view = await addSsh(spec('box-b-changed', sshdB))
    expect(view.state).toBe('failed')
    expect(view.lastError).toMatch(/HOST KEY CHANGED/)
    expect(view.lastError).toMatch(/ssh-keygen -R/)
    // Given up at once: retrying cannot fix a changed key.
    expect(view.restarts).toBe(0)
    expect(readFileSync(knownHosts, 'utf8')).toBe(before)
    await h.engine.removeServer('box-b-changed')
  }, 60_000)

  it('keeps the password off the remote host: its state file has none, its bash tools cannot print it', async () => {
    const password = h.engine.fleet.get('box-a').instance!.auth!.password
    const stateFile = join(sshdA.home, '.flotilla', 'servers', 'box-a.json')
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ pid: h.engine.fleet.view('box-a').pid, port: expect.any(Number), reversePort: expect.any(Number) })
    expect(statSync(stateFile).mode & 0o777).toBe(0o600)
    // The plugin was shipped over the connection, into the remote ~/.flotilla (0700).
    const plugins = join(sshdA.home, '.flotilla', 'plugins')
    expect(statSync(plugins).mode & 0o777).toBe(0o700)
    expect(readdirSync(plugins)).toEqual([expect.stringMatching(/^flotilla-secret-guard-[0-9a-f]{12}\.js$/)])
    for (const file of readdirSync(join(sshdA.home, '.flotilla', 'servers'), { recursive: true, encoding: 'utf8' })) {
      const path = join(sshdA.home, '.flotilla', 'servers', file)
      if (statSync(path).isFile()) expect(readFileSync(path, 'utf8'), path).not.toContain(password)
    }
    await expectPrintenvProbeClean(h, 'box-a')
  }, 60_000)

  it('a later Flotilla reattaches with the password kept on this machine; one without it starts a fresh server', async () => {
    const options = (stateDir: string): SshLauncherOptions => ({ stateDir, knownHostsPath: knownHosts, config: { home }, agent: '' })
    const reSpec = spec('box-a-re', sshdA, { demo: false })
    const started: RunningServer[] = []
    try {
      const first = await new SshLauncher(options(join(home, 'state-1'))).start(reSpec, {})
      started.push(first)
      const again = await new SshLauncher(options(join(home, 'state-1'))).start(reSpec, {})
      started.push(again)
      expect(again.pid).toBe(first.pid)
      expect(again.auth).toEqual(first.auth)
      const ok = await fetch(`${again.baseUrl}/global/health`, { headers: { authorization: 'Basic ' + Buffer.from(`opencode:${again.auth!.password}`).toString('base64') } })
      expect(ok.status).toBe(200)
      // Another machine's Flotilla (no password here) cannot use it: it ends it and starts its own.
      const elsewhere = await new SshLauncher(options(join(home, 'state-2'))).start(reSpec, {})
      started.push(elsewhere)
      expect(elsewhere.pid).not.toBe(first.pid)
      await h.waitFor('the unreachable server to be stopped', () => !alive(first.pid!), 10_000)
      expect(elsewhere.auth!.password).not.toBe(first.auth!.password)
    } finally {
      for (const server of started) await server.stop()
    }
  }, 90_000)

  it('survives a dropped connection: reconnects, the remote opencode keeps its pid, the running task completes', async () => {
    const server = h.engine.fleet.get('box-a')
    const pid = server.instance?.pid!
    const [task] = await h.submit([{ prompt: '@rate 6\n@reply one two three four five six seven eight nine ten eleven twelve', target: { kind: 'server', serverId: 'box-a' } }])
    await h.waitFor('the task to stream', () => h.engine.outputs.get(task!.id).includes('two'))
    sshdA.dropConnections()
    const [done] = await h.waitTasks([task!.id], 60_000)
    expect(done!.state).toBe('completed')
    expect(done!.attempts).toHaveLength(1)
    expect(done!.result?.text).toContain('twelve')
    expect(server.instance?.pid).toBe(pid)
    expect(alive(pid)).toBe(true)
  }, 90_000)

  it('opens a shell pane on the remote machine, in the server\'s directory', async () => {
    const { terminalId, title, output } = await openTerminal('shell', 'box-a')
    expect(title).toBe('shell · box-a')
    await h.dispatcher.call('terminals.write', { terminalId, data: 'echo "where:$(pwd):$FLOTILLA_MARK_END"\n' })
    await h.waitFor('the remote shell to answer', () => output().includes(`where:${sshdA.home}:`), 15_000)
    const resized = await h.dispatcher.call('terminals.resize', { terminalId, cols: 120, rows: 40 })
    expect(resized).not.toHaveProperty('error')
    await h.dispatcher.call('terminals.write', { terminalId, data: 'stty size\n' })
    await h.waitFor('the new size to reach the remote pty', () => output().includes('40 120'), 15_000)
    await h.dispatcher.call('terminals.close', { terminalId })
  }, 60_000)

  it('pauses a remote shell whose output nobody acknowledges (the SSH channel stops), and resumes it on acknowledgement', async () => {
    const { terminalId, output } = await openTerminal('shell', 'box-a')
    const received = () => h.pushes.reduce((n, p) => n + (p.event === 'terminals.data' && (p.payload as { terminalId: string }).terminalId === terminalId ? (p.payload as { data: string }).data.length : 0), 0)
    await h.dispatcher.call('terminals.write', { terminalId, data: 'yes flotilla-remote\n' })
    // The harness acknowledges nothing: output stops after one window (plus a frame in flight).
    let last = -1
    let still = 0
    await h.waitFor('the remote output to stop', () => {
      const now = received()
      still = now === last ? still + 1 : 0
      last = now
      return still >= 10 && now > 0
    }, 30_000)
    expect(last).toBeGreaterThanOrEqual(TERMINAL_FLOW.highChars)
    expect(last).toBeLessThanOrEqual(TERMINAL_FLOW.highChars + 256 * 1024)
    await h.dispatcher.call('terminals.ack', { terminalId, chars: last })
    await h.waitFor('more remote output', () => received() > last + TERMINAL_FLOW.highChars / 2, 15_000)
    await h.dispatcher.call('terminals.ack', { terminalId, chars: received() })
    await h.dispatcher.call('terminals.write', { terminalId, data: '\x03echo "remote-$((6 * 7))"\n' })
    await h.waitFor('the remote shell to answer', () => {
      void h.dispatcher.call('terminals.ack', { terminalId, chars: TERMINAL_FLOW.highChars })
      return output().includes('remote-42')
    }, 15_000)
    await h.dispatcher.call('terminals.close', { terminalId })
  }, 60_000)

  it('opens the opencode TUI here, attached to the remote server through the tunnel', async () => {
    const { terminalId, title, output } = await openTerminal('tui', 'box-a')
    expect(title).toBe('tui · box-a')
    // The TUI draws its prompt with the model the remote server gave it: the scripted model.
    await h.waitFor('the TUI to draw', () => output().includes('Scripted model'), 45_000)
    expect(output()).toContain('Ask anything')
    await h.dispatcher.call('terminals.close', { terminalId })
  }, 60_000)

  it('stops the remote server it started', async () => {
    const pid = h.engine.fleet.view('box-a').pid!
    await h.engine.fleet.get('box-a').stop()
    await h.waitFor('the remote opencode to exit', () => !alive(pid), 15_000)
  }, 30_000)

  it('authenticates with a passphrase-protected key (asking for it) and with an ssh-agent', async () => {
    passphrases = [sshdA.userKeyPassphrase.passphrase]
    const withPassphrase = await addSsh(spec('box-a-pass', sshdA, { identityFile: sshdA.userKeyPassphrase.path, demo: false, capacity: 1 }))
    // Not a demo server: ready means opencode answered its health check through the tunnel.
    expect(withPassphrase.state, withPassphrase.lastError).toBe('ready')
    await h.engine.removeServer('box-a-pass')

    const agent = await startSshAgent([sshdA.userKey])
    try {
      const { SshLauncher } = await import('../../core/launchers/ssh')
      const launcher = new SshLauncher({ knownHostsPath: knownHosts, config: { home }, agent: agent.socket })
      // No key file at all: only the agent can log in.
      const running = await launcher.start(spec('box-a-agent', sshdA, { identityFile: undefined, host: '127.0.0.1', demo: false }), {})
      expect(running.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      await running.stop()
      expect(alive(running.pid!)).toBe(false)
    } finally {
      await agent.stop()
    }
  }, 90_000)

  it('in its own network namespace, the remote opencode reaches the scripted model only through the reverse tunnel', async () => {
    const netns = await createNetns()
    let isolated: Sshd | undefined
    try {
      isolated = await startSshd({ netns: netns.name, listenAddress: netns.nsAddress })
      trust(isolated)
      // From inside, our loopback (where the scripted model listens) is not reachable at all.
      const modelPort = h.engine.demo!.remote().modelPort
      const probe = `exec 3<>/dev/tcp/127.0.0.1/${modelPort} && echo reached || echo unreachable`
      expect(execFileSync('bash', ['-c', `${probe} 2>/dev/null || echo unreachable`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()).toBe('reached') // the probe works
      expect(execFileSync('ip', ['netns', 'exec', netns.name, 'bash', '-c', `${probe} 2>/dev/null || echo unreachable`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()).toBe('unreachable')
      const view = await addSsh({ ...spec('isolated', isolated), host: netns.nsAddress })
      expect(view.state, view.lastError).toBe('ready')
      const [task] = await h.submit([{ prompt: '@reply through the tunnel', target: { kind: 'server', serverId: 'isolated' } }])
      const [done] = await h.waitTasks([task!.id])
      expect(done!.state, done!.error).toBe('completed')
      expect(done!.result?.text).toBe('through the tunnel')
      await h.engine.removeServer('isolated')
    } finally {
      await isolated?.stop()
      await netns.remove()
    }
  }, 90_000)

  it('where opencode is missing: names the install command, and installs it with npm when allowed from the inbox', async () => {
    // A real npm installs from a registry on our loopback (a stand-in package: see startOpencodeRegistry).
    const npmDir = mkdtempSync(join(tmpdir(), 'flotilla-remote-npm-'))
    const registry = await startOpencodeRegistry(npmDir)
    const { command } = registry
    // npm's global folder is not on this machine's PATH: the server is found there all the same.
    const bare = await startSshd({ path: '/usr/bin:/bin', env: registry.env })
    const installItem = () => h.waitFor('the install question', () => h.engine.attention.list().find((item) => item.kind === 'install' && item.serverId === 'bare'), 60_000)
    try {
      trust(bare)
      // Refused: the server fails with the exact command to run there.
      void h.engine.addServer(spec('bare', bare), { start: true }).catch(() => {})
      const refused = await installItem()
      expect(refused.install).toEqual({ host: `root@127.0.0.1`, command })
      await h.engine.attention.answer(refused.id, { kind: 'install', accept: false })
      const failed = await h.waitFor('bare to fail', () => {
        const view = h.engine.fleet.view('bare')
        return view.state === 'failed' ? view : undefined
      }, 30_000)
      expect(failed.lastError).toContain(`opencode is not installed on root@127.0.0.1`)
      expect(failed.lastError).toContain(`Install it there with: ${command}`)
      expect(registry.requests).toEqual([])
      await h.engine.removeServer('bare')

      // Allowed: npm installs it, the server starts from npm's global bin and runs a task.
      void h.engine.addServer(spec('bare', bare), { start: true }).catch(() => {})
      await h.engine.attention.answer((await installItem()).id, { kind: 'install', accept: true })
      const view = await h.waitFor('bare to settle', () => {
        const v = h.engine.fleet.view('bare')
        return ['ready', 'failed'].includes(v.state) ? v : undefined
      }, 120_000)
      expect(view.state, view.lastError).toBe('ready')
      expect(registry.requests).toContain('/opencode-ai')
      expect(existsSync(join(registry.globalBin, 'opencode'))).toBe(true)
      const [task] = await h.submit([{ prompt: '@reply installed and running', target: { kind: 'server', serverId: 'bare' } }])
      const [done] = await h.waitTasks([task!.id])
      expect(done!.result?.text).toBe('installed and running')
      await h.engine.removeServer('bare')
    } finally {
      if (h.engine.fleet.has('bare')) await h.engine.removeServer('bare')
      await bare.stop()
      await registry.stop()
      rmSync(npmDir, { recursive: true, force: true })
    }
  }, 180_000)
})
