import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MARKER } from '../support/leftovers'
import { underCi } from '../support/requireUnderCi'
import { createNetns, knownHostsLine, sshdMissing, startSshAgent, startSshd, type Sshd } from '../support/sshd'
import { waitFor } from '../support/waitFor'

// Self-test of the real-sshd fixture: the SSH launcher's integration tests trust it to behave
// like separate machines, so check that with the real OpenSSH client.

const haveSshd = !sshdMissing('the sshd fixture tests')

const scratch = mkdtempSync(join(tmpdir(), 'flt-sshd-test-'))

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function knownHostsFile(sshd: Sshd): string {
  const file = join(scratch, `known_hosts-${sshd.port}-${Math.random().toString(36).slice(2)}`)
  writeFileSync(file, knownHostsLine(sshd) + '\n')
  return file
}

/** The ssh client isolated from root's own config, keys, agent and known_hosts. */
function sshArgs(sshd: Sshd, knownHosts: string, extra: string[]): string[] {
  return [
    '-F', '/dev/null',
    '-p', String(sshd.port),
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5',
    ...extra,
    `${sshd.user}@${sshd.host}`,
  ]
}

function clientEnv(agentSocket?: string): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.SSH_AUTH_SOCK
  if (agentSocket) env.SSH_AUTH_SOCK = agentSocket
  return env
}

function startSsh(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn('ssh', args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const result: Result = { code: null, stdout: '', stderr: '' }
  child.stdout.on('data', (c: Buffer) => (result.stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (result.stderr += c.toString()))
  const done = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ ...result, code })))
  return { child, result, done }
}

async function ssh(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<Result> {
  const { child, done } = startSsh(args, env)
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    return await done
  } finally {
    clearTimeout(timer)
  }
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.on('connect', () => (socket.destroy(), resolve(true)))
    socket.on('error', () => resolve(false))
  })
}

/** Pids of live processes (other than ssh clients) whose command line contains `needle`. */
function remoteProcesses(needle: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ssh '))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
}

describe.skipIf(!haveSshd)('real sshd fixture', () => {
  let sshd: Sshd
  // Cleanups run in reverse order in afterAll, whatever a test got to; each is safe to repeat.
  const cleanups: Array<() => Promise<void>> = []

  beforeAll(async () => {
    sshd = await startSshd({ env: { FLT_MACHINE: 'alpha', FLT_SPACED: 'a b  c' } })
    cleanups.push(() => sshd.stop())
  })

  afterAll(async () => {
    // Run every cleanup even if one fails, so a failure does not leave servers behind.
    const failures: unknown[] = []
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => failures.push(e))
    rmSync(scratch, { recursive: true, force: true })
    if (failures.length > 0) throw new AggregateError(failures, `expected clean teardown, got ${failures.length} failure(s)`)
  })

  it('runs commands with the configured HOME, PATH, environment and leftover marker', async () => {
    const r = await ssh(
      sshArgs(sshd, knownHostsFile(sshd), ['-i', sshd.userKey, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none']).concat(
        `echo "$HOME"; echo "$PATH"; command -v opencode; echo "$FLT_MACHINE"; echo "$FLT_SPACED"; echo "$${MARKER}"; echo "$XDG_CONFIG_HOME"; pwd`,
      ),
      clientEnv(),
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const bin = resolve(import.meta.dirname, '../../node_modules/.bin')
    expect(r.stdout.split('\n')).toEqual([
      sshd.home,
      `${bin}:/usr/local/bin:/usr/bin:/bin`,
      join(bin, 'opencode'),
      'alpha',
      'a b  c',
      process.env[MARKER],
      join(sshd.home, '.config'),
      // sshd changes to the passwd home before SetEnv applies; only the HOME variable moves.
      '/root',
      '',
    ])
    for (const key of [sshd.userKey, sshd.userKeyPassphrase.path, sshd.hostKeyPath]) expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(knownHostsLine(sshd)).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 AAAA\\S+$`))
  })

  it('refuses the passphrase key in batch mode without its passphrase', async () => {
    const r = await ssh(
      sshArgs(sshd, knownHostsFile(sshd), ['-i', sshd.userKeyPassphrase.path, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none']).concat('true'),
      clientEnv(),
    )
    expect(r.code).toBe(255)
    expect(r.stderr).toContain('Permission denied (publickey)')
  })

  it('authenticates through a real ssh-agent, including a passphrase key added via askpass', async () => {
    const agent = await startSshAgent([sshd.userKeyPassphrase])
    cleanups.push(() => agent.stop())
    const list = execFileSync('ssh-add', ['-l'], { env: clientEnv(agent.socket), encoding: 'utf8' })
    expect(list.trim().split('\n')).toHaveLength(1)
    const r = await ssh(sshArgs(sshd, knownHostsFile(sshd), ['-o', 'IdentitiesOnly=no']).concat('echo via-agent'), clientEnv(agent.socket))
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('via-agent\n')
    await agent.stop()
    expect(alive(agent.pid)).toBe(false)
    expect(existsSync(agent.socket)).toBe(false)
  })

  it('changeHostKey restarts on the same port with a new key that the old known_hosts rejects', async () => {
    const machine = await startSshd()
    cleanups.push(() => machine.stop())
    const oldKnownHosts = knownHostsFile(machine)
    const auth = ['-i', machine.userKey, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none']
    const before = startSsh(sshArgs(machine, oldKnownHosts, auth).concat('echo started; sleep 30'), clientEnv())
    await waitFor('the session opened before the change to start', () => before.result.stdout === 'started\n')

    const { port, pid, hostKeyPublic } = machine
    await machine.changeHostKey()
    expect(machine.port).toBe(port)
    expect(machine.pid).not.toBe(pid)
    expect(alive(pid)).toBe(false)
    expect(machine.hostKeyPublic).not.toBe(hostKeyPublic)
    const rejected = await ssh(sshArgs(machine, oldKnownHosts, auth).concat('true'), clientEnv())
    expect(rejected.code).toBe(255)
    expect(rejected.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED')
    const accepted = await ssh(sshArgs(machine, knownHostsFile(machine), auth).concat('echo ok'), clientEnv())
    expect(accepted.stdout).toBe('ok\n')

    // The connection made before the change survives it, and stop() still ends it.
    expect(before.child.exitCode).toBe(null)
    await machine.stop()
    expect((await before.done).code).toBe(255)
  })

  it('dropConnections ends a running session; stop() kills what it left behind and is idempotent', async () => {
    const machine = await startSshd()
    cleanups.push(() => machine.stop())
    // A distinctive duration, so the remote sleep can be found in the process table.
    const seconds = 30 + Math.floor(Math.random() * 1000) / 1000
    const session = startSsh(
      sshArgs(machine, knownHostsFile(machine), ['-i', machine.userKey, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none']).concat(
        `echo started; sleep ${seconds}`,
      ),
      clientEnv(),
    )
    await waitFor('the remote command to start', () => session.result.stdout === 'started\n')
    const sleeping = remoteProcesses(`sleep ${seconds}`)
    expect(sleeping).toHaveLength(1)

    const t0 = Date.now()
    machine.dropConnections()
    const r = await session.done
    expect(r.code).toBe(255)
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(alive(machine.pid)).toBe(true)
    // Like a real dropped link, the remote command outlives the connection...
    expect(alive(sleeping[0])).toBe(true)

    const { pid, dir, host, port } = machine
    await Promise.all([machine.stop(), machine.stop()])
    // ...until the machine is stopped.
    expect(alive(sleeping[0])).toBe(false)
    expect(alive(pid)).toBe(false)
    expect(existsSync(dir)).toBe(false)
    expect(await portOpen(host, port)).toBe(false)
    await machine.stop()
  })

  // Under CI=true the namespace test runs, or fails here saying why (root and iproute2 are needed).
  const canNetns = process.getuid?.() === 0 && existsSync('/usr/sbin/ip')
  it.skipIf(!canNetns && !underCi())('runs inside a network namespace, reachable on its veth address', async () => {
    const ns = await createNetns()
    cleanups.push(() => ns.remove())
    const machine = await startSshd({ netns: ns.name, listenAddress: ns.nsAddress })
    cleanups.push(() => machine.stop())
    expect(machine.host).toBe(ns.nsAddress)
    expect(readFileSync(join(machine.dir, 'sshd.pid'), 'utf8').trim()).toBe(String(machine.pid))
    const r = await ssh(
      sshArgs(machine, knownHostsFile(machine), ['-i', machine.userKey, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none']).concat(
        'ip -o -4 addr show',
      ),
      clientEnv(),
    )
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain(`inet ${ns.nsAddress}/24`)
    // The session really runs in the namespace: the host end of the pair is not among its interfaces.
    expect(r.stdout).not.toContain(`inet ${ns.hostAddress}/24`)
    expect(knownHostsLine(machine)).toBe(`[${ns.nsAddress}]:${machine.port} ${machine.hostKeyPublic}`)
    await machine.stop()
    await ns.remove()
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(ns.name)
  })
})
