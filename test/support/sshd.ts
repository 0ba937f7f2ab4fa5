import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { MARKER } from './leftovers'
import { requireUnderCi } from './requireUnderCi'

// Real OpenSSH servers for integration tests: each instance stands in for a different machine
// (own host key, own authorised keys, own HOME and environment) on a loopback high port, or in
// a network namespace when a test needs a "remote" address that can be cut off.

const run = promisify(execFile)

export const SSHD_BINARY = '/usr/sbin/sshd'

/** Whether `what` (tests on a real sshd) must skip here; under CI=true a missing sshd fails them instead. */
export function sshdMissing(what = 'the SSH tests'): boolean {
  const missing = !existsSync(SSHD_BINARY)
  requireUnderCi(what, missing && `${SSHD_BINARY} is missing: install openssh-server`)
  return missing
}

/** This repo's node_modules/.bin, so a session finds the `opencode` installed from npm. */
const REPO_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin')

/**
 * Every session process of one instance carries this variable (via SetEnv), so stop() finds
 * commands that outlived their connection. The sshd processes themselves cannot be found by
 * environment: sshd's setproctitle() overwrites the argv+environ memory, so
 * /proc/<pid>/environ of a listener or connection handler reads as zeros. That also hides them
 * from the MARKER leftover check, hence the exit hook below.
 */
const INSTANCE_VAR = 'FLOTILLA_SSHD_INSTANCE'

const READY_TIMEOUT_MS = 10_000
const EXIT_TIMEOUT_MS = 5_000
const STDERR_LIMIT = 64 * 1024

export interface SshdOptions {
  /** Extra environment every session on this "machine" gets (sshd_config SetEnv). PATH is set by `path`. */
  env?: Record<string, string>
  /** PATH for sessions; default: this repo's node_modules/.bin (so `opencode` from npm is found) + /usr/local/bin:/usr/bin:/bin */
  path?: string
  /** Run sshd inside this network namespace (`ip netns exec NS sshd ...`) listening on `listenAddress` instead of 127.0.0.1. */
  netns?: string
  listenAddress?: string
}

export interface Sshd {
  host: string
  port: number
  user: string
  /** Temp dir holding everything of this instance. */
  dir: string
  /** The sessions' HOME (SetEnv HOME=..., verified to take effect) and a work dir. */
  home: string
  /** The host's public key, `ssh-ed25519 AAAA...` (no comment). Changes after changeHostKey(). */
  hostKeyPublic: string
  hostKeyPath: string
  /** A passphrase-less ed25519 private key authorised on this instance. */
  userKey: string
  /** A passphrase-protected ed25519 key, also authorised. */
  userKeyPassphrase: { path: string; passphrase: string }
  /** The sshd listener pid. Changes after changeHostKey(). */
  pid: number
  /**
   * Kills the per-connection sshd processes (not the listener): every client connection drops.
   * Commands those sessions started keep running, as after a real network drop; stop() ends them.
   */
  dropConnections(): void
  /** Makes a new host key and restarts sshd on the same port with it (to test "changed host key"). */
  changeHostKey(): Promise<void>
  /** Kills the listener and every process of this instance, waits until they are gone, removes dir. */
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// /proc helpers

interface ProcInfo {
  pid: number
  ppid: number
  comm: string
  state: string
}

/** Reads /proc/<pid>/stat; undefined when the process is gone. comm may contain ') ', so parse from the last ')'. */
function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const open = stat.indexOf('(')
    const close = stat.lastIndexOf(')')
    const [state, ppid] = stat.slice(close + 2).split(' ')
    return { pid, ppid: Number(ppid), comm: stat.slice(open + 1, close), state }
  } catch {
    return undefined
  }
}

function allProcesses(): ProcInfo[] {
  const found: ProcInfo[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const info = procInfo(Number(entry))
    if (info) found.push(info)
  }
  return found
}

/** A zombie has already exited; only its parent's wait is missing, so it counts as gone. */
function isAlive(pid: number): boolean {
  const info = procInfo(pid)
  return info !== undefined && info.state !== 'Z'
}

function descendants(root: number): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>()
  for (const p of allProcesses()) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p])
  const out: ProcInfo[] = []
  const queue = [root]
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child)
      queue.push(child.pid)
    }
  }
  return out
}

/** Live processes whose environment holds `name=value` (how we find everything an instance started). */
function processesWithEnv(name: string, value: string): number[] {
  const needle = `\0${name}=${value}\0`
  const found: number[] = []
  for (const p of allProcesses()) {
    if (p.pid === process.pid || p.state === 'Z') continue
    try {
      if (('\0' + readFileSync(`/proc/${p.pid}/environ`, 'latin1') + '\0').includes(needle)) found.push(p.pid)
    } catch {
      // gone meanwhile
    }
  }
  return found
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  let alive = pids.filter(isAlive)
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50)
    alive = alive.filter(isAlive)
  }
  return alive
}

// ---------------------------------------------------------------------------------------------
// keys, config, ports

async function makeKey(path: string, passphrase: string): Promise<void> {
  await rm(path, { force: true })
  await rm(`${path}.pub`, { force: true })
  // Without the rm, ssh-keygen would stop and ask whether to overwrite.
  await run('ssh-keygen', ['-t', 'ed25519', '-N', passphrase, '-C', 'flotilla-test', '-f', path, '-q'])
  await chmod(path, 0o600)
}

/** `ssh-ed25519 AAAA...` without the comment: the form known_hosts and tests compare. */
function publicKeyOf(privatePath: string): string {
  const [type, blob] = readFileSync(`${privatePath}.pub`, 'utf8').trim().split(/\s+/)
  return `${type} ${blob}`
}

/** sshd_config arguments are split on spaces unless double-quoted; quotes inside cannot be escaped. */
function setEnvArg(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`SetEnv: expected a variable name, got ${JSON.stringify(name)}`)
  if (/["\n\r]/.test(value)) throw new Error(`SetEnv ${name}: expected a value without quotes or newlines, got ${JSON.stringify(value)}`)
  return `"${name}=${value}"`
}

interface ConfigInput {
  port: number
  listenAddress: string
  hostKeyPath: string
  dir: string
  authorizedKeys: string
  env: Record<string, string>
}

function sshdConfig(c: ConfigInput): string {
  const setEnv = Object.entries(c.env).map(([k, v]) => setEnvArg(k, v))
  return [
    `Port ${c.port}`,
    `ListenAddress ${c.listenAddress}`,
    `HostKey ${c.hostKeyPath}`,
    `PidFile ${join(c.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${c.authorizedKeys}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'UsePAM no',
    // The temp dir and keys are not laid out the way StrictModes demands of a real home.
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding yes',
    'GatewayPorts no',
    'AllowAgentForwarding no',
    'X11Forwarding no',
    'PermitUserEnvironment no',
    'ClientAliveInterval 5',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    // Tests open many connections at once; the default 10:30:100 would refuse some at random.
    'MaxStartups 100',
    'MaxSessions 100',
    'Subsystem sftp internal-sftp',
    // One line: several SetEnv lines would work too, but this keeps the precedence obvious.
    `SetEnv ${setEnv.join(' ')}`,
    '',
  ].join('\n')
}

async function freePort(host: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`expected a free port on local address ${host}, got ${e.message}`)))
    server.listen(0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Resolves once `host:port` accepts TCP and sends an SSH banner; rejects on timeout. */
function readBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = ''
    const socket = connect({ host, port })
    const timer = setTimeout(() => finish(new Error(`no SSH banner within ${timeoutMs} ms, got ${JSON.stringify(got)}`)), timeoutMs)
    function finish(error?: Error): void {
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(got)
    }
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1')
      if (got.includes('\n')) {
        if (got.startsWith('SSH-2.0-')) finish()
        else finish(new Error(`expected an SSH-2.0- banner, got ${JSON.stringify(got)}`))
      }
    })
    socket.on('error', (e) => finish(e))
    socket.on('close', () => finish(new Error(`connection closed, got ${JSON.stringify(got)}`)))
  })
}

// ---------------------------------------------------------------------------------------------
// the listener

/**
 * Synchronous killers of the instances not yet stopped. A test that forgets stop() (or fails
 * before its afterAll) must not leave sshd running after the test process: the leftover check
 * cannot see sshd processes (see INSTANCE_VAR), and an orphaned listener would keep its port.
 */
const live = new Set<() => void>()
process.once('exit', () => {
  for (const killNow of live) killNow()
})

interface Listener {
  child: ChildProcess
  pid: number
  stderr: () => string
  exited: Promise<void>
}

async function spawnListener(configPath: string, netns: string | undefined, env: NodeJS.ProcessEnv): Promise<Listener> {
  // sshd refuses to re-exec itself without an absolute path, hence SSHD_BINARY.
  const argv = [SSHD_BINARY, '-D', '-e', '-f', configPath]
  // `ip netns exec` execs the command in place (no fork), so the child pid is sshd's pid.
  const child = netns ? spawn('ip', ['netns', 'exec', netns, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined))
    child.once('error', resolve)
  })
  if (spawned) throw new Error(`could not start ${argv.join(' ')}: ${spawned.message}`)
  return { child, pid: child.pid!, stderr: () => stderr, exited }
}

async function waitReady(listener: Listener, host: string, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let exitedEarly = false
  void listener.exited.then(() => (exitedEarly = true))
  let lastError = ''
  while (Date.now() < deadline) {
    if (exitedEarly) break
    try {
      await readBanner(host, port, Math.max(100, deadline - Date.now()))
      return
    } catch (e) {
      lastError = (e as Error).message
      await sleep(50)
    }
  }
  const why = exitedEarly ? `sshd exited (code ${listener.child.exitCode})` : `not ready within ${READY_TIMEOUT_MS} ms (last: ${lastError})`
  throw new Error(`sshd on ${host}:${port}: ${why}; stderr:\n${listener.stderr()}`)
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the listener has exited. */
async function stopListener(listener: Listener): Promise<void> {
  if (listener.child.exitCode !== null || listener.child.signalCode !== null) return
  kill(listener.pid, 'SIGTERM')
  const timedOut = await Promise.race([listener.exited.then(() => false), sleep(EXIT_TIMEOUT_MS).then(() => true)])
  if (timedOut) {
    kill(listener.pid, 'SIGKILL')
    await listener.exited
  }
}

// ---------------------------------------------------------------------------------------------

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (options.netns && !options.listenAddress) throw new Error('startSshd: netns needs a listenAddress (127.0.0.1 inside the namespace is unreachable from here)')
  // sshd's privilege-separation directory; Debian creates it only when the service starts.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })

  const host = options.listenAddress ?? '127.0.0.1'
  const dir = await mkdtemp(join(tmpdir(), 'flt-sshd-'))
  const home = join(dir, 'home')
  for (const sub of ['.local/share', '.config', '.local/state', '.cache']) mkdirSync(join(home, sub), { recursive: true })

  const hostKeyPath = join(dir, 'ssh_host_ed25519_key')
  const userKey = join(dir, 'id_ed25519')
  const userKeyPassphrase = { path: join(dir, 'id_ed25519_passphrase'), passphrase: `pass-${randomBytes(6).toString('hex')}` }
  await Promise.all([makeKey(hostKeyPath, ''), makeKey(userKey, ''), makeKey(userKeyPassphrase.path, userKeyPassphrase.passphrase)])
  const authorizedKeys = join(dir, 'authorized_keys')
  writeFileSync(authorizedKeys, `${publicKeyOf(userKey)}\n${publicKeyOf(userKeyPassphrase.path)}\n`, { mode: 0o600 })

  const instance = randomBytes(6).toString('hex')
  const marker = process.env[MARKER]
  // sshd builds a session's environment from scratch, so the leftover marker and our instance
  // tag reach remote shells only through SetEnv. SetEnv is applied after sshd sets HOME and
  // PATH itself, so these override the defaults (the self-test checks HOME and PATH).
  const sessionEnv: Record<string, string> = {
    ...options.env,
    HOME: home,
    PATH: options.path ?? `${REPO_BIN}:/usr/local/bin:/usr/bin:/bin`,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    [INSTANCE_VAR]: instance,
    ...(marker ? { [MARKER]: marker } : {}),
  }
  const configPath = join(dir, 'sshd_config')

  const launch = async (port: number): Promise<Listener> => {
    writeFileSync(configPath, sshdConfig({ port, listenAddress: host, hostKeyPath, dir, authorizedKeys, env: sessionEnv }))
    const listener = await spawnListener(configPath, options.netns, process.env)
    try {
      await waitReady(listener, host, port)
    } catch (e) {
      await stopListener(listener)
      throw e
    }
    return listener
  }

  let listener: Listener | undefined
  let port = 0
  try {
    // The free port is released before sshd binds it; if something grabs it meanwhile, try another.
    for (let attempt = 1; !listener; attempt++) {
      port = options.netns ? await freePort('127.0.0.1') : await freePort(host)
      try {
        listener = await launch(port)
      } catch (e) {
        if (attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e
      }
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true })
    throw e
  }

  let current: Listener = listener
  let hostKeyPublic = publicKeyOf(hostKeyPath)
  let stopping: Promise<void> | undefined
  // Connection handlers of listeners replaced by changeHostKey(): orphaned, so no longer found
  // as descendants of the current listener.
  const formerHandlers = new Set<number>()
  const handlers = (): number[] => [
    ...descendants(current.pid).map((p) => p.pid),
    ...[...formerHandlers].filter((pid) => procInfo(pid)?.comm === 'sshd'),
    ...processesWithEnv(INSTANCE_VAR, instance),
  ]

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Descendants of the listener are the connection handlers and their sessions; the
      // instance tag also finds commands orphaned by dropConnections() or changeHostKey().
      for (let round = 0; round < 5; round++) {
        const pids = [...new Set(handlers())].filter((p) => p !== current.pid)
        for (const pid of pids) kill(pid, 'SIGKILL')
        await stopListener(current)
        const left = await waitGone(pids, EXIT_TIMEOUT_MS)
        if (left.length > 0) throw new Error(`sshd ${host}:${port}: expected all processes gone, got ${left.join(', ')} still alive`)
        if (processesWithEnv(INSTANCE_VAR, instance).length === 0) break
      }
      const stubborn = processesWithEnv(INSTANCE_VAR, instance)
      if (stubborn.length > 0) throw new Error(`sshd ${host}:${port}: expected no session processes left, got ${stubborn.join(', ')}`)
      live.delete(killNow)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopping
  }
  const killNow = (): void => {
    for (const pid of handlers()) kill(pid, 'SIGKILL')
    kill(current.pid, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  live.add(killNow)

  const sshd: Sshd = {
    host,
    port,
    user: userInfo().username,
    dir,
    home,
    get hostKeyPublic() {
      return hostKeyPublic
    },
    hostKeyPath,
    userKey,
    userKeyPassphrase,
    get pid() {
      return current.pid
    },
    dropConnections() {
      // Each connection is served by sshd processes below the listener (for root without PAM
      // a single `sshd: root@notty`; a privilege-separation monitor may add another). Kill
      // every sshd below the listener, and those of replaced listeners, so none keeps a
      // TCP socket open.
      for (const p of descendants(current.pid)) if (p.comm === 'sshd') kill(p.pid, 'SIGKILL')
      for (const pid of formerHandlers) if (procInfo(pid)?.comm === 'sshd') kill(pid, 'SIGKILL')
    },
    async changeHostKey() {
      if (stopping) throw new Error('changeHostKey: this sshd is stopped')
      await makeKey(hostKeyPath, '')
      // Only the listener restarts: existing connections keep their old session, as on a real
      // host whose key was replaced.
      for (const p of descendants(current.pid)) if (p.comm === 'sshd') formerHandlers.add(p.pid)
      await stopListener(current)
      current = await launch(port)
      hostKeyPublic = publicKeyOf(hostKeyPath)
    },
    stop,
  }
  return sshd
}

/** The lines of a ~/.ssh/config entry that reaches `sshd` as `alias` (its port, user, and its key unless another is named), then `more` options (`ProxyJump x`). */
export function sshConfigHost(alias: string, sshd: Sshd, more: string[] = [], identityFile = sshd.userKey): string[] {
  return [`Host ${alias}`, `  HostName 127.0.0.1`, `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${identityFile}`, ...more.map((line) => `  ${line}`)]
}

/** The known_hosts line for this sshd: `[HOST]:PORT ssh-ed25519 AAAA...`. */
export function knownHostsLine(sshd: Sshd): string {
  return `[${sshd.host}]:${sshd.port} ${sshd.hostKeyPublic}`
}

// ---------------------------------------------------------------------------------------------
// ssh-agent

export type AgentKey = string | { path: string; passphrase: string }

/**
 * Starts a real ssh-agent holding `keys` (paths of passphrase-less keys, or {path, passphrase}
 * for protected ones, fed to ssh-add through SSH_ASKPASS); returns its socket and a stop().
 */
export async function startSshAgent(keys: AgentKey[]): Promise<{ socket: string; pid: number; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flt-agent-'))
  const socket = join(dir, 'agent.sock')
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        kill(child.pid!, 'SIGTERM')
        await exited
      }
      live.delete(killNow)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopping
  }
  const killNow = (): void => {
    kill(child.pid!, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  live.add(killNow)

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (!existsSync(socket)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ssh-agent: expected socket ${socket}, got none; stderr:\n${stderr}`)
      await sleep(20)
    }
    for (const key of keys) await sshAdd(socket, dir, key)
  } catch (e) {
    await stop()
    throw e
  }
  return { socket, pid: child.pid!, stop }
}

async function sshAdd(socket: string, dir: string, key: AgentKey): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, SSH_AUTH_SOCK: socket }
  const path = typeof key === 'string' ? key : key.path
  if (typeof key !== 'string') {
    // ssh-add reads a passphrase only from a tty or an askpass program; force the latter.
    const askpass = join(dir, 'askpass.sh')
    writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$FLT_ASKPASS_PASSPHRASE"\n', { mode: 0o700 })
    Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', FLT_ASKPASS_PASSPHRASE: key.passphrase })
  }
  try {
    await run('ssh-add', ['-q', path], { env, timeout: READY_TIMEOUT_MS })
  } catch (e) {
    throw new Error(`ssh-add ${path}: expected success, got ${(e as Error).message}`)
  }
}

// ---------------------------------------------------------------------------------------------
// network namespaces

/**
 * Creates a network namespace joined to this one by a veth pair: 10.231.X.1 here, 10.231.X.2
 * inside. An sshd inside it is reachable from here, and can be cut off by taking the link down.
 */
export async function createNetns(): Promise<{ name: string; hostAddress: string; nsAddress: string; remove(): Promise<void> }> {
  const id = randomBytes(3).toString('hex')
  const name = `flt-t${id}`
  // Interface names are limited to 15 characters.
  const hostVeth = `${name}h`
  const nsVeth = `${name}n`
  const subnet = await freeSubnet()
  const hostAddress = `10.231.${subnet}.1`
  const nsAddress = `10.231.${subnet}.2`

  const remove = async (): Promise<void> => {
    // Deleting the namespace destroys its end of the pair, which takes the host end with it;
    // the explicit delete covers a half-built setup.
    await run('ip', ['netns', 'del', name]).catch(() => undefined)
    await run('ip', ['link', 'del', hostVeth]).catch(() => undefined)
  }
  try {
    await run('ip', ['netns', 'add', name])
    await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth])
    await run('ip', ['link', 'set', nsVeth, 'netns', name])
    await run('ip', ['addr', 'add', `${hostAddress}/24`, 'dev', hostVeth])
    await run('ip', ['link', 'set', hostVeth, 'up'])
    await run('ip', ['-n', name, 'addr', 'add', `${nsAddress}/24`, 'dev', nsVeth])
    await run('ip', ['-n', name, 'link', 'set', nsVeth, 'up'])
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
  } catch (e) {
    await remove()
    throw new Error(`createNetns ${name}: ${(e as Error).message}`)
  }
  return { name, hostAddress, nsAddress, remove }
}

/** A third octet X such that no interface here already has an address in 10.231.X.0/24. */
async function freeSubnet(): Promise<number> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show'])
  const used = new Set([...stdout.matchAll(/inet 10\.231\.(\d+)\./g)].map((m) => Number(m[1])))
  const free = Array.from({ length: 254 }, (_, i) => i + 1).filter((x) => !used.has(x))
  if (free.length === 0) throw new Error('createNetns: expected a free 10.231.X.0/24, got none')
  return free[Math.floor(Math.random() * free.length)]
}
