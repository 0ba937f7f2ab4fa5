import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SshConnection } from '../../core/ssh/sshConnection'
import { sshExec, type RemoteExec } from '../../core/workspace/remote/remoteGit'
import { requireUnderCi } from '../support/requireUnderCi'
import { createNetns, knownHostsLine, sshdMissing, startSshd, type Sshd } from '../support/sshd'
import type { TestRepo } from './gitRepo'

// A "remote machine" for the workspace tests: a real sshd in its own network namespace (it
// cannot reach this machine's loopback), logged in to as a Unix user of its own, who cannot
// read the local repository (a mkdtemp folder of root's): code that used a local path there by
// mistake fails. The user is made per run (useradd) and removed after.

/** Why this machine cannot make one (needs root: useradd, ip netns), or undefined. */
export function cannotMakeRemote(): string | undefined {
  if (process.getuid?.() !== 0) return 'the tests do not run as root, so they cannot add the remote Unix user nor its network namespace'
  for (const tool of ['/usr/sbin/useradd', '/usr/sbin/userdel', '/usr/sbin/ip']) {
    try {
      execFileSync('test', ['-x', tool])
    } catch {
      return `${tool} is missing (apt-get install passwd iproute2)`
    }
  }
  return undefined
}

/** Whether `what` (tests on a remote machine) must skip here: no sshd, or no root for the user and namespace; under CI=true either fails them instead. */
export function remoteMachineMissing(what: string): boolean {
  const missing = sshdMissing(what)
  const noRoot = missing ? undefined : cannotMakeRemote()
  requireUnderCi(what, noRoot)
  return missing || noRoot !== undefined
}

export interface RemoteUser {
  name: string
  remove(): void
}

/**
 * A new Unix user with a POSIX login shell and a password field of `*` (no password, yet not
 * "locked": sshd without PAM lets a key in). Its passwd home is a folder of its own (sshd starts
 * sessions there; each machine's SetEnv HOME then points at that machine's home).
 */
export function addRemoteUser(): RemoteUser {
  const name = `flt-r${randomBytes(4).toString('hex')}`
  const home = mkdtempSync(join(tmpdir(), 'flt-remote-user-'))
  chmodSync(home, 0o755)
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', home, '--shell', '/bin/sh', '--password', '*', name])
    execFileSync('chown', [`${name}:${name}`, home])
    chmodSync(home, 0o700)
  } catch (error) {
    rmSync(home, { recursive: true, force: true })
    throw error
  }
  return {
    name,
    remove: () => {
      execFileSync('userdel', [name], { stdio: 'ignore' })
      rmSync(home, { recursive: true, force: true })
    },
  }
}

export interface RemoteMachine {
  sshd: Sshd
  exec: RemoteExec
  connection: SshConnection
  /** The session's HOME there (the user's own folder). */
  home: string
  close(): Promise<void>
}

export interface Network {
  name: string
  nsAddress: string
  remove(): Promise<void>
}

export function makeNetwork(): Promise<Network> {
  return createNetns()
}

/**
 * An sshd in `network` whose sessions run as `user` with HOME = the instance's home, given to
 * that user. `path` is the sessions' PATH (one without git, for that test); `env`, more of their environment.
 */
export async function startRemoteMachine(network: Network, user: string, options: { path?: string; gitconfig?: (home: string) => string; env?: Record<string, string> } = {}): Promise<RemoteMachine> {
  const sshd = await startSshd({ netns: network.name, listenAddress: network.nsAddress, path: options.path, env: options.env })
  let connection: SshConnection | undefined
  const scratch = mkdtempSync(join(tmpdir(), 'flt-remote-known-'))
  try {
    const name = user
    // sshd reads authorized_keys as the user logging in: the instance folder must let them through to it (and only to it).
    chmodSync(sshd.dir, 0o711)
    chmodSync(join(sshd.dir, 'authorized_keys'), 0o644)
    if (options.gitconfig) writeFileSync(join(sshd.home, '.gitconfig'), options.gitconfig(sshd.home))
    execFileSync('chown', ['-R', `${name}:${name}`, sshd.home])
    chmodSync(sshd.home, 0o700)
    const knownHosts = join(scratch, 'known_hosts')
    writeFileSync(knownHosts, `${knownHostsLine(sshd)}\n`)
    connection = await SshConnection.connect({ alias: 'remote-box', hostName: sshd.host, port: sshd.port, user: name, identityFiles: [sshd.userKey], proxyJump: [] }, { knownHostsPath: knownHosts, agent: '' })
    const exec = sshExec(connection, `${name}@remote-box`)
    const machine: RemoteMachine = {
      sshd,
      exec,
      connection,
      home: sshd.home,
      close: async () => {
        machine.connection.close()
        await sshd.stop()
      },
    }
    return machine
  } catch (error) {
    connection?.close()
    await sshd.stop()
    throw error
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** One remote machine in a namespace of its own, logged in to as a user of its own; close() removes all three, also half made. */
export interface RemoteSetup {
  network: Network
  user: RemoteUser
  machine: RemoteMachine
  close(): Promise<void>
}

export async function startRemoteSetup(options: Parameters<typeof startRemoteMachine>[2] = {}): Promise<RemoteSetup> {
  const network = await makeNetwork()
  const user = addRemoteUser()
  let machine: RemoteMachine
  try {
    machine = await startRemoteMachine(network, user.name, options)
  } catch (error) {
    user.remove()
    await network.remove()
    throw error
  }
  return {
    network,
    user,
    machine,
    close: async () => {
      await machine.close()
      user.remove()
      await network.remove()
    },
  }
}

/** A folder with nothing in it, for a PATH that has no git. */
export function emptyBin(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'flt-nogit-bin-'))
  chmodSync(path, 0o755)
  mkdirSync(path, { recursive: true })
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Runs `script` there; its stdout as text, or a rejection with its stderr. */
export async function sh(exec: RemoteExec, script: string, stdin?: string): Promise<string> {
  const result = await exec.run(script, { stdin, timeoutMs: 30_000 })
  if (result.code !== 0) throw new Error(`expected ${JSON.stringify(script)} to succeed on ${exec.host}, got exit ${result.code}: ${result.stderr}`)
  return result.stdout.toString('utf8')
}

/** A text file of `kib` KiB that does not compress (base64 of random bytes), so bundle sizes mean something. */
export function noise(kib: number): string {
  const bytes = Buffer.alloc(kib * 768)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  return bytes.toString('base64').replace(/.{76}/g, '$&\n')
}

/** Everything of the local repository a refused fetch could have changed. */
export function localState(r: TestRepo) {
  const gitDir = join(r.root, '.git')
  return {
    objects: r.git('count-objects', '-v'),
    packs: readdirSync(join(gitDir, 'objects', 'pack')).sort(),
    loose: readdirSync(join(gitDir, 'objects')).sort(),
    refs: r.git('for-each-ref', '--format=%(refname) %(objectname)'),
    fetchHead: existsSync(join(gitDir, 'FETCH_HEAD')) ? readFileSync(join(gitDir, 'FETCH_HEAD'), 'utf8') : undefined,
    status: r.git('status', '--porcelain'),
  }
}
