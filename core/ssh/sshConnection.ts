import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { homedir } from 'node:os'
import { join } from 'node:path'
import ssh2, { type AnyAuthMethod, type ClientChannel, type ConnectConfig, type ParsedKey } from 'ssh2'

// ssh2 is CommonJS: its named exports are not visible to Node's ESM loader.
const { Client, utils } = ssh2
import { PermanentError } from '../lib/errors'
import { addHostKey, checkHostKey, hostKeyFromBlob } from './knownHosts'
import type { SshTarget } from './sshConfig'

/** Why a connection was refused (host key, authentication): retrying will not help. */
export class SshRefusedError extends PermanentError {}

export interface HostKeyQuestion {
  host: string
  port: number
  keyType: string
  /** SHA256:... as OpenSSH shows it. */
  fingerprint: string
}

export type HostKeyConfirm = (question: HostKeyQuestion) => Promise<boolean | 'record' | 'once' | 'reject'>

export interface SshConnectOptions {
  /** Default ~/.ssh/known_hosts. */
  knownHostsPath?: string
  /**
   * Asked for a key known_hosts does not have: true or 'record' accepts and records it, 'once'
   * accepts it for this connection only. Without it, unknown keys are refused.
   */
  confirmHostKey?: HostKeyConfirm
  /** The ssh-agent socket; default SSH_AUTH_SOCK. */
  agent?: string
  /**
   * Asked for the passphrase of an encrypted key file (again, with `retry`, after a wrong one,
   * up to three times as ssh does); undefined skips that key.
   */
  passphrase?: (keyPath: string, retry: boolean) => Promise<string | undefined>
  /**
   * Encrypted keys unlocked (or being unlocked) by file: a reconnect or another server using the
   * same key waits for that instead of asking again. Held in memory only, like an agent would.
   */
  unlockedKeys?: UnlockedKeys
  /** Keepalive every this many ms; the connection is declared dead after 3 unanswered. */
  keepaliveMs?: number
  readyTimeoutMs?: number
}

export type UnlockedKeys = Map<string, Promise<ParsedKey | undefined>>

export interface ExecOptions {
  stdin?: string
  timeoutMs?: number
  /** Closes the channel and rejects. Only with `pty` does that also stop the remote command (hangup). */
  signal?: AbortSignal
  /** Run in a pseudo-terminal (output then has \r\n line ends and stderr mixed in). */
  pty?: boolean
  /** Output as it arrives (progress of long commands). */
  onStdout?: (text: string) => void
}

export interface ExecResult {
  stdout: string
  stderr: string
  code: number | null
}

/** Files OpenSSH tries when the config names none. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/**
 * One authenticated SSH connection (through its ProxyJump hops, if any): run commands, open
 * channels and reverse forwards (the local tunnel port is PersistentLink's). `closed` settles when the connection ends for any reason, keepalive included.
 */
export class SshConnection {
  readonly closed: Promise<Error | undefined>
  private ended = false
  private readonly reverseTargets = new Map<number, number>()
  private listeningForReverse = false

  private constructor(
    readonly target: SshTarget,
    private readonly client: InstanceType<typeof Client>,
    private readonly hops: SshConnection[],
  ) {
    this.closed = new Promise((resolve) => {
      let lastError: Error | undefined
      client.on('error', (error) => (lastError = error))
      client.once('close', () => {
        this.ended = true
        resolve(lastError)
      })
    })
  }

  static async connect(target: SshTarget, options: SshConnectOptions = {}): Promise<SshConnection> {
    const hops: SshConnection[] = []
    let sock: ClientChannel | undefined
    try {
      // Each hop is a connection of its own; the next one runs inside a channel of the last.
      for (const hop of target.proxyJump) {
        const previous = hops.at(-1)
        const connection = await SshConnection.open(hop, options, previous ? await previous.channelTo(hop.hostName, hop.port) : undefined, [])
        hops.push(connection)
      }
      if (hops.length) sock = await hops.at(-1)!.channelTo(target.hostName, target.port)
      return await SshConnection.open(target, options, sock, hops)
    } catch (error) {
      for (const hop of hops.reverse()) hop.close()
      throw error
    }
  }

  private static async open(target: SshTarget, options: SshConnectOptions, sock: ClientChannel | undefined, hops: SshConnection[]): Promise<SshConnection> {
    const knownHostsPath = options.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts')
    const auth = await authMethods(target, options)
    const client = new Client()
    let refusal: Error | undefined
    const config: ConnectConfig = {
      host: target.hostName,
      port: target.port,
      username: target.user,
      sock,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveMs ?? 10_000,
      keepaliveCountMax: 3,
      authHandler: auth,
      hostVerifier: (blob: Buffer, verify: (valid: boolean) => void) => {
        void verifyHostKey(knownHostsPath, target, blob, options.confirmHostKey).then(
          () => verify(true),
          (error: Error) => {
            refusal = error
            verify(false)
          },
        )
      },
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        client.removeListener('ready', onReady)
        client.end()
        if (refusal) return reject(refusal)
        const level = (error as Error & { level?: string }).level
        if (level === 'client-authentication') {
          return reject(new SshRefusedError(`${where(target)}: authentication refused (tried ${describeAuth(auth)}); check the key is in the server's authorized_keys`))
        }
        reject(new Error(`${where(target)}: ${error.message}`))
      }
      const onReady = () => {
        client.removeListener('error', onError)
        // ssh2 leaves Nagle on: small request/response packets would wait for ACKs (tunnel latency).
        client.setNoDelay(true)
        resolve()
      }
      client.once('ready', onReady)
      client.once('error', onError)
      client.connect(config)
    })
    return new SshConnection(target, client, hops)
  }

  get isOpen(): boolean {
    return !this.ended
  }

  /** A raw channel to host:port as seen from the remote side (for the next hop, or a tunnel). */
  channelTo(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => (error ? reject(new Error(`${where(this.target)}: cannot reach ${host}:${port} from there: ${error.message}`)) : resolve(channel)))
    })
  }

  /**
   * Runs a command with `sh -c` semantics on the remote side. `stdin` is written and closed
   * (secrets go this way, never on a command line `ps` would show).
   */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(new Error(`${where(this.target)}: the connection is closed`))
      if (options.signal?.aborted) return reject(new Error(`${where(this.target)}: cancelled`))
      this.client.exec(command, options.pty ? { pty: { term: 'dumb', cols: 200, rows: 50 } } : {}, (error, channel) => {
        if (error) return reject(new Error(`${where(this.target)}: cannot run a command: ${error.message}`))
        let stdout = ''
        let stderr = ''
        const fail = (message: string) => {
          channel.close()
          reject(new Error(`${where(this.target)}: ${message}`))
        }
        const timer = options.timeoutMs ? setTimeout(() => fail(`command did not finish within ${options.timeoutMs} ms`), options.timeoutMs) : undefined
        const onAbort = () => fail('cancelled')
        options.signal?.addEventListener('abort', onAbort, { once: true })
        channel.on('data', (d: Buffer) => {
          const text = d.toString('utf8')
          stdout += text
          options.onStdout?.(text)
        })
        channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
        channel.on('close', (code: number | null) => {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', onAbort)
          resolve({ stdout, stderr, code: code ?? null })
        })
        channel.end(options.stdin ?? '')
      })
    })
  }

  /**
   * Like exec, for binary output (git bundles): stdout as a Buffer, stdin a string or Buffer.
   * More than `maxBytes` (default 64 MiB) of stdout rejects as soon as it arrives; on a timeout,
   * a cancel or that limit the remote command's process group is sent KILL and the channel closed.
   */
  execBuffer(command: string, options: { stdin?: string | Buffer; timeoutMs?: number; signal?: AbortSignal; maxBytes?: number } = {}): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(new Error(`${where(this.target)}: the connection is closed`))
      if (options.signal?.aborted) return reject(new Error(`${where(this.target)}: cancelled`))
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new Error(`${where(this.target)}: cannot run a command: ${error.message}`))
        const chunks: Buffer[] = []
        let size = 0
        let stderr = ''
        let failed = false
        const fail = (message: string) => {
          failed = true
          // KILL to the command's process group (OpenSSH 7.8+). ssh2's channel.signal() does nothing once
          // our stdin is closed (it checks `writable`), though SSH allows the request after EOF: hence its protocol object.
          const raw = channel as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, name: string): void } } }
          try {
            if (raw.outgoing?.state === 'open' || raw.outgoing?.state === 'eof') raw._client?._protocol?.signal(raw.outgoing.id, 'KILL')
          } catch {
            // the channel is going anyway
          }
          channel.close()
          reject(new Error(`${where(this.target)}: ${message}`))
        }
        const timer = options.timeoutMs ? setTimeout(() => fail(`command did not finish within ${options.timeoutMs} ms`), options.timeoutMs) : undefined
        const onAbort = () => fail('cancelled')
        options.signal?.addEventListener('abort', onAbort, { once: true })
        channel.on('data', (d: Buffer) => {
          if (failed) return
          size += d.length
          if (size > maxBytes) return fail(`expected at most ${maxBytes} bytes of output, got more: stopped reading`)
          chunks.push(d)
        })
        // Only the end of stderr is kept: it holds the error, and a chatty command must not fill memory.
        channel.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-65_536)))
        channel.on('close', (code: number | null) => {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', onAbort)
          if (!failed) resolve({ stdout: Buffer.concat(chunks), stderr, code: code ?? null })
        })
        channel.end(options.stdin ?? '')
      })
    })
  }

  /** Runs `command` in a pseudo-terminal on the remote side (an interactive shell pane). */
  terminal(command: string, size: { cols: number; rows: number }): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(new Error(`${where(this.target)}: the connection is closed`))
      this.client.exec(command, { pty: { term: 'xterm-256color', cols: size.cols, rows: size.rows } }, (error, channel) =>
        error ? reject(new Error(`${where(this.target)}: cannot open a terminal: ${error.message}`)) : resolve(channel),
      )
    })
  }

  /**
   * A port on the remote side's loopback whose connections come back to 127.0.0.1:localPort
   * here (ssh -R). `remotePort` 0 picks a free one; a reattach asks for the same again.
   */
  async reverse(localPort: number, remotePort = 0): Promise<{ remotePort: number; close(): void }> {
    const bound = await new Promise<number>((resolve, reject) => {
      this.client.forwardIn('127.0.0.1', remotePort, (error, port) => (error ? reject(new Error(`${where(this.target)}: cannot open a reverse tunnel on port ${remotePort}: ${error.message}`)) : resolve(port || remotePort)))
    })
    this.reverseTargets.set(bound, localPort)
    if (!this.listeningForReverse) {
      this.listeningForReverse = true
      this.client.on('tcp connection', (info, accept, reject) => {
        const local = this.reverseTargets.get(info.destPort)
        if (local === undefined) return reject()
        const channel = accept()
        const socket = connect(local, '127.0.0.1')
        socket.setNoDelay(true)
        socket.on('error', () => channel.close())
        channel.pipe(socket).pipe(channel)
        channel.once('close', () => socket.destroy())
      })
    }
    return {
      remotePort: bound,
      close: () => {
        this.reverseTargets.delete(bound)
        if (!this.ended) this.client.unforwardIn('127.0.0.1', bound, () => {})
      },
    }
  }

  /** Closes the connection (its channels and forwards with it) and its hops. */
  close(): void {
    this.client.end()
    for (const hop of this.hops) hop.close()
  }
}

async function verifyHostKey(path: string, target: SshTarget, blob: Buffer, confirm: SshConnectOptions['confirmHostKey']): Promise<void> {
  const key = hostKeyFromBlob(blob)
  const check = checkHostKey(path, target.hostName, target.port, key)
  const name = where(target)
  switch (check.status) {
    case 'known':
      return
    case 'revoked':
      throw new SshRefusedError(`${name}: the host key ${check.fingerprint} is marked @revoked in ${path}; refusing to connect`)
    case 'changed':
      throw new SshRefusedError(
        `${name}: HOST KEY CHANGED. The server offered ${key.type} ${check.fingerprint}, but ${path} holds a different key (${check.knownTypes.join(', ')}) for it. ` +
          `Someone could be intercepting the connection, or the host was reinstalled. Refusing to connect; if the change is expected, remove the old line (ssh-keygen -R ${target.port === 22 ? target.hostName : `'[${target.hostName}]:${target.port}'`}) and connect again.`,
      )
    case 'unknown': {
      const question = { host: target.hostName, port: target.port, keyType: key.type, fingerprint: check.fingerprint }
      const decision = confirm ? await confirm(question) : false
      if (decision === false || decision === 'reject') {
        throw new SshRefusedError(`${name}: unknown host key ${key.type} ${check.fingerprint}; not in ${path}. Check the fingerprint, then accept it (--accept-new-host-key, or from the app's attention inbox).`)
      }
      if (decision !== 'once') addHostKey(path, target.hostName, target.port, key)
    }
  }
}

/** The agent first (as ssh does), then every key file that exists; encrypted ones ask for their passphrase. */
async function authMethods(target: SshTarget, options: SshConnectOptions): Promise<AnyAuthMethod[]> {
  const methods: AnyAuthMethod[] = []
  const agent = options.agent ?? process.env.SSH_AUTH_SOCK
  if (agent) methods.push({ type: 'agent', username: target.user, agent })
  const files = target.identityFiles.length ? target.identityFiles : DEFAULT_KEYS.map((name) => join(homedir(), '.ssh', name))
  for (const file of files) {
    if (!existsSync(file)) continue
    const parsed = await readKey(file, target, options)
    if (!parsed) continue
    methods.push({ type: 'publickey', username: target.user, key: parsed })
  }
  if (methods.length === 0) {
    throw new SshRefusedError(`${where(target)}: no way to authenticate: no ssh-agent (SSH_AUTH_SOCK) and no usable key among ${files.join(', ')} (missing, or encrypted and no passphrase given)`)
  }
  return methods
}

/** A key file, decrypted with its passphrase if it needs one; undefined when the user skips it. */
async function readKey(file: string, target: SshTarget, options: SshConnectOptions): Promise<ParsedKey | undefined> {
  const data = readFileSync(file)
  const plain = utils.parseKey(data)
  if (!(plain instanceof Error)) return Array.isArray(plain) ? plain[0]! : plain
  if (!/passphrase/i.test(plain.message)) throw new SshRefusedError(`${where(target)}: cannot read the key ${file}: ${plain.message}`)
  const cache = options.unlockedKeys
  let unlocking = cache?.get(file)
  if (!unlocking) {
    unlocking = unlockKey(data, file, target, options)
    cache?.set(file, unlocking)
    // A skipped or failed unlock is asked again next time.
    unlocking.then(
      (key) => key || cache?.delete(file),
      () => cache?.delete(file),
    )
  }
  return unlocking
}

/** Asks for the passphrase until it opens the key: three tries, as ssh gives. */
async function unlockKey(data: Buffer, file: string, target: SshTarget, options: SshConnectOptions): Promise<ParsedKey | undefined> {
  for (let attempt = 0; ; attempt++) {
    const passphrase = await options.passphrase?.(file, attempt > 0)
    if (passphrase === undefined) return undefined
    const parsed = utils.parseKey(data, passphrase)
    if (!(parsed instanceof Error)) return Array.isArray(parsed) ? parsed[0]! : parsed
    if (attempt === 2) throw new SshRefusedError(`${where(target)}: wrong passphrase for ${file} (3 tries)`)
  }
}

function describeAuth(methods: AnyAuthMethod[]): string {
  return methods.map((m) => (m.type === 'agent' ? 'the ssh-agent' : 'a key file')).join(', ')
}

function where(target: SshTarget): string {
  return `ssh ${target.user}@${target.hostName}:${target.port}`
}
