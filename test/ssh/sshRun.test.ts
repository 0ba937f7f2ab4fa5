import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawn as spawnPty } from 'node-pty'
import { FLOTILLA_BIN, runCli, type CliRun } from '../support/cli'
import { startOpencodeRegistry } from '../support/npmRegistry'
import { knownHostsLine, sshConfigHost, sshdMissing, startSshd, type Sshd } from '../support/sshd'

// `flotilla run --ssh` end to end: two real sshd "machines" named by ~/.ssh/config aliases and
// one local server, the scripted model reaching the remote ones through reverse tunnels.

const missing = sshdMissing()

let home: string
let project: string
let machines: Sshd[] = []
const running: CliRun[] = []

beforeAll(async () => {
  if (missing) return
  home = mkdtempSync(join(tmpdir(), 'flotilla-ssh-cli-'))
  project = mkdtempSync(join(tmpdir(), 'flotilla-ssh-project-'))
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  machines = await Promise.all([startSshd(), startSshd()])
  const hosts = machines.flatMap((m, i) => sshConfigHost(`build-${i + 1}`, m))
  writeFileSync(join(home, '.ssh', 'config'), `${hosts.join('\n')}\n`)
}, 60_000)

afterEach(() => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
})

afterAll(async () => {
  await Promise.all(machines.map((m) => m.stop()))
  for (const dir of [home, project]) if (dir) rmSync(dir, { recursive: true, force: true })
}, 60_000)

function cli(args: string[]): CliRun {
  // HOME points at the test's ~/.ssh (config and known_hosts); no agent from the outside.
  const run = runCli(args, { cwd: project, env: { HOME: home, SSH_AUTH_SOCK: '' } })
  running.push(run)
  return run
}

describe.skipIf(missing)('flotilla run --ssh', () => {
  it('refuses unknown hosts without --accept-new-host-key, showing the fingerprint', async () => {
    const run = cli(['run', '--demo', '--ssh', 'build-1', '--remote-dir', machines[0]!.home, '@reply never'])
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toMatch(/unknown host key ssh-ed25519 SHA256:\S+.*--accept-new-host-key/)
    expect(existsSync(join(home, '.ssh', 'known_hosts'))).toBe(false)
  }, 60_000)

  it('fans prompts out over two SSH machines and a local server; each output says where it ran', async () => {
    const dirs = machines.map((m) => m.home)
    // Both sshd homes exist on this machine; each remote uses its own (the other simply exists too).
    const run = cli(['run', '--demo', '--ssh', 'build-1', '--ssh', 'build-2', '--local', '1', '--remote-dir', dirs[0]!, '--accept-new-host-key', '--strategy', 'round-robin', '--json', '@reply alpha', '@reply beta', '@reply gamma'])
    const code = await run.exited
    expect(code, run.stderr()).toBe(0)
    const lines = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const summary = lines.at(-1) as { tasks: Array<{ prompt: string; status: string; output: string; server: string }> }
    expect(summary.tasks.map((t) => t.status)).toEqual(['completed', 'completed', 'completed'])
    expect(summary.tasks.map((t) => t.output)).toEqual(['alpha', 'beta', 'gamma'])
    expect(new Set(summary.tasks.map((t) => t.server))).toEqual(new Set(['build-1', 'build-2', 'local-1']))
    const knownHosts = readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8')
    for (const m of machines) expect(knownHosts).toContain(knownHostsLine(m))
  }, 120_000)

  it.each([
    ['the default --remote-dir (~)', [], ''],
    ['--remote-dir ~/sub', ['--remote-dir', '~/sub'], 'sub'],
  ])('runs a task in %s: the remote home, never a folder named "~"', async (_name, dirArgs, sub) => {
    const m = machines[0]!
    mkdirSync(join(m.home, 'sub'), { recursive: true })
    const file = `where-${sub || 'home'}.txt`
    const started = Date.now()
    const run = cli(['run', '--demo', '--ssh', 'build-1', ...dirArgs, '--accept-new-host-key', '--json', `@tool write {"filePath":"${file}","content":"here"}\n@reply wrote it`])
    const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('still running after 60 s'), 60_000))])
    expect(code, run.stderr()).toBe(0)
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1)!) as { tasks: Array<{ status: string; output: string }> }
    expect(summary.tasks.map((t) => [t.status, t.output])).toEqual([['completed', 'wrote it']])
    expect(readFileSync(join(m.home, sub, file), 'utf8')).toBe('here')
    expect(existsSync(join(project, '~'))).toBe(false)
    expect(Date.now() - started).toBeLessThan(60_000)
  }, 90_000)

  it('on a terminal, asks for the key passphrase (not echoed) and whether to accept the host key', async () => {
    const ttyHome = mkdtempSync(join(tmpdir(), 'flotilla-ssh-tty-'))
    mkdirSync(join(ttyHome, '.ssh'), { mode: 0o700 })
    const m = machines[0]!
    writeFileSync(join(ttyHome, '.ssh', 'config'), `${sshConfigHost('locked', m, [], m.userKeyPassphrase.path).join('\n')}\n`)
    const env = { ...process.env, HOME: ttyHome, SSH_AUTH_SOCK: '', NO_COLOR: '1' } as Record<string, string>
    const pty = spawnPty(process.execPath, [FLOTILLA_BIN, 'run', '--demo', '--ssh', 'locked', '--remote-dir', m.home, '@reply unlocked'], { cwd: project, env, cols: 200, rows: 50 })
    let screen = ''
    const answered = new Set<string>()
    const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)))
    pty.onData((data) => {
      screen += data
      if (!answered.has('pass') && screen.includes('Passphrase for')) {
        answered.add('pass')
        pty.write(`${m.userKeyPassphrase.passphrase}\r`)
      }
      if (!answered.has('key') && /not known\. Accept it\?/.test(screen)) {
        answered.add('key')
        pty.write('y\r')
      }
    })
    try {
      expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 90_000))]), screen).toBe(0)
      expect([...answered].sort()).toEqual(['key', 'pass'])
      expect(screen).toContain('unlocked')
      expect(screen).not.toContain(m.userKeyPassphrase.passphrase)
      expect(readFileSync(join(ttyHome, '.ssh', 'known_hosts'), 'utf8')).toContain(knownHostsLine(m))
    } finally {
      try {
        pty.kill('SIGKILL')
      } catch {
        // already exited
      }
      rmSync(ttyHome, { recursive: true, force: true })
    }
  }, 120_000)

  it('--install-opencode installs opencode with npm where it is missing; without it the run fails naming the command', async () => {
    const npmDir = mkdtempSync(join(tmpdir(), 'flotilla-cli-npm-'))
    const registry = await startOpencodeRegistry(npmDir)
    const { command } = registry
    const bare = await startSshd({ path: '/usr/bin:/bin', env: registry.env })
    const config = join(home, '.ssh', 'config')
    const savedConfig = readFileSync(config, 'utf8')
    try {
      const dest = `${bare.user}@127.0.0.1:${bare.port}`
      writeFileSync(config, `${savedConfig}Host 127.0.0.1\n  IdentityFile ${bare.userKey}\n`)
      const refused = cli(['run', '--demo', '--ssh', dest, '--remote-dir', bare.home, '--accept-new-host-key', '@reply never'])
      expect(await refused.exited).toBe(1)
      expect(refused.stderr()).toContain(`Install it there with: ${command}`)
      expect(registry.requests).toEqual([])

      const run = cli(['run', '--demo', '--ssh', dest, '--remote-dir', bare.home, '--install-opencode', '--json', '@reply installed'])
      const code = await run.exited
      expect(code, run.stderr()).toBe(0)
      expect(run.stderr()).toContain(`running ${command} there (--install-opencode)`)
      // npm's own lines reach the terminal as they come, marked with the server they are for.
      expect(run.stderr()).toMatch(/^\[[^\]]+\] \[npm on [^\]]+\] \S/m)
      expect(run.stderr()).toMatch(/^\[[^\]]+\] installed opencode on /m)
      const summary = JSON.parse(run.stdout().trim().split('\n').at(-1)!) as { tasks: Array<{ output: string }> }
      expect(summary.tasks.map((t) => t.output)).toEqual(['installed'])
      expect(existsSync(join(registry.globalBin, 'opencode'))).toBe(true)
    } finally {
      writeFileSync(config, savedConfig)
      await bare.stop()
      await registry.stop()
      rmSync(npmDir, { recursive: true, force: true })
    }
  }, 120_000)
})
