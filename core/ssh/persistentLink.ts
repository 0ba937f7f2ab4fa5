import { createServer, type Server, type Socket } from 'node:net'
import { fullJitterDelay, type BackoffPolicy } from '../lib/backoff'
import { PermanentError } from '../lib/errors'
import { SshConnection, type SshConnectOptions } from './sshConnection'
import type { SshTarget } from './sshConfig'

export interface PersistentLinkOptions {
  /** Backoff between reconnect attempts (full jitter between 0 and the step). */
  backoff?: BackoffPolicy
  /** Give up reconnecting after this long without a connection. */
  giveUpAfterMs?: number
  /** A local connection made while the link is down waits this long for it to come back. */
  holdMs?: number
  random?: () => number
}

export interface LinkEvents {
  /** Runs on every (re)connection before it is used: reopen reverse tunnels, check the server. Throwing ends the link. */
  onConnected(connection: SshConnection, reconnect: boolean): Promise<void>
  onNotice?(message: string): void
}

/**
 * An SSH connection that comes back: when it drops (network, sshd restart, keepalive timeout),
 * it reconnects with backoff while the local tunnel port stays the same, so the opencode client
 * and event stream on top only see a short outage and resync. Connections made to the tunnel
 * during the outage wait for the link instead of failing at once.
 */
export class PersistentLink {
  private current: SshConnection | undefined
  private closed = false
  private waiting: Array<() => void> = []
  private readonly servers: Server[] = []
  private ended!: (reason: string) => void
  /** Settles (with the reason) when the link gives up for good, or is closed. */
  readonly done: Promise<string>

  private constructor(
    private readonly target: SshTarget,
    private readonly connectOptions: SshConnectOptions,
    private readonly options: PersistentLinkOptions,
    private readonly events: LinkEvents,
  ) {
    this.done = new Promise((resolve) => (this.ended = resolve))
  }

  /** Connects once (errors reach the caller as they are), then keeps the link up. */
  static async open(target: SshTarget, connectOptions: SshConnectOptions, events: LinkEvents, options: PersistentLinkOptions = {}): Promise<PersistentLink> {
    const link = new PersistentLink(target, connectOptions, options, events)
    const connection = await SshConnection.connect(target, connectOptions)
    try {
      await events.onConnected(connection, false)
    } catch (error) {
      connection.close()
      throw error
    }
    link.adopt(connection)
    return link
  }

  get connection(): SshConnection | undefined {
    return this.current?.isOpen ? this.current : undefined
  }

  /** A local port on 127.0.0.1 leading to host:port on the remote side, across reconnects. */
  async tunnel(host: string, port: number): Promise<number> {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.setNoDelay(true)
      socket.once('close', () => sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      void this.channel(host, port).then(
        (channel) => {
          if (socket.destroyed) return void channel.close()
          socket.pipe(channel).pipe(socket)
          channel.once('close', () => socket.destroy())
          socket.once('close', () => channel.close())
        },
        () => socket.destroy(),
      )
    })
    server.on('close', () => sockets.forEach((s) => s.destroy()))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    this.servers.push(server)
    return (server.address() as { port: number }).port
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const server of this.servers) server.close()
    this.current?.close()
    for (const wake of this.waiting.splice(0)) wake()
    this.ended('closed')
  }

  private async channel(host: string, port: number) {
    const deadline = Date.now() + (this.options.holdMs ?? 15_000)
    while (!this.closed) {
      const connection = this.connection
      if (connection) return connection.channelTo(host, port)
      if (Date.now() > deadline) break
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve)
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref()
      })
    }
    throw new Error('the ssh link is down')
  }

  private adopt(connection: SshConnection): void {
    this.current = connection
    for (const wake of this.waiting.splice(0)) wake()
    void connection.closed.then((error) => {
      if (this.closed || this.current !== connection) return
      this.events.onNotice?.(`ssh connection to ${this.target.hostName} lost${error ? ` (${error.message})` : ''}; reconnecting`)
      void this.reconnect()
    })
  }

  private async reconnect(): Promise<void> {
    const backoff = this.options.backoff ?? { baseMs: 250, capMs: 5_000 }
    const giveUpAt = Date.now() + (this.options.giveUpAfterMs ?? 120_000)
    const random = this.options.random ?? Math.random
    let lastError = ''
    for (let attempt = 0; !this.closed; attempt++) {
      if (Date.now() > giveUpAt) {
        this.ended(`ssh connection to ${this.target.hostName} lost and not back within ${Math.round((this.options.giveUpAfterMs ?? 120_000) / 1000)} s${lastError ? `: ${lastError}` : ''}`)
        return
      }
      await new Promise((r) => setTimeout(r, fullJitterDelay(attempt, backoff, random)).unref())
      if (this.closed) return
      let connection: SshConnection | undefined
      try {
        connection = await SshConnection.connect(this.target, this.connectOptions)
        await this.events.onConnected(connection, true)
      } catch (error) {
        connection?.close()
        lastError = (error as Error).message
        // A refusal (changed host key, server gone) will not get better by trying again.
        if (error instanceof PermanentError) {
          this.ended(lastError)
          return
        }
        continue
      }
      if (this.closed) return connection.close()
      this.events.onNotice?.(`ssh connection to ${this.target.hostName} is back`)
      this.adopt(connection)
      return
    }
  }
}
