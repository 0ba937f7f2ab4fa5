import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/** A loopback port nothing listens on (it was free a moment ago; the kernel does not reuse it at once). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A TCP listener on `port` (0 = any): `forwardTo` relays to another port, otherwise it accepts and never answers. */
export class TcpStandin {
  private readonly sockets = new Set<Socket>()
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async listen(port: number, forwardTo?: number): Promise<TcpStandin> {
    let standin: TcpStandin | undefined
    const server = createServer((socket) => {
      standin!.sockets.add(socket)
      socket.on('close', () => standin!.sockets.delete(socket))
      socket.on('error', () => socket.destroy())
      if (forwardTo === undefined) return
      const upstream = connect({ host: '127.0.0.1', port: forwardTo })
      standin!.sockets.add(upstream)
      upstream.on('close', () => {
        standin!.sockets.delete(upstream)
        socket.destroy()
      })
      upstream.on('error', () => socket.destroy())
      socket.on('close', () => upstream.destroy())
      socket.pipe(upstream).pipe(socket)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })
    standin = new TcpStandin(server, (server.address() as AddressInfo).port)
    return standin
  }

  /** Stops listening and cuts every connection (the far side sees the server vanish). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
