import { FrameBatcher } from '../stream/frameBatcher'
import type { TerminalSession } from '../stream/terminalSession'
import type { PersistentLink } from './persistentLink'
import type { SshConnection } from './sshConnection'
import { shQuote } from './shell'

/**
 * A login shell on the remote machine, started in `directory` (`~/` is the remote home), in a
 * pseudo-terminal over the server's SSH connection; output batched per frame like a local pty.
 */
export async function openSshShell(
  connection: SshConnection,
  directory: string,
  size: { cols: number; rows: number },
  onData: (data: string) => void,
  onExit: (code: number | null) => void,
): Promise<TerminalSession> {
  const cd = directory === '~' ? 'cd' : directory.startsWith('~/') ? `cd "$HOME"/${shQuote(directory.slice(2))}` : `cd ${shQuote(directory)}`
  const channel = await connection.terminal(`${cd} && exec "\${SHELL:-/bin/sh}" -l`, size)
  const output = new FrameBatcher(onData)
  let ended = false
  channel.on('data', (data: Buffer) => output.push(data.toString('utf8')))
  channel.stderr.on('data', (data: Buffer) => output.push(data.toString('utf8')))
  channel.on('close', (code: number | null) => {
    ended = true
    output.end()
    onExit(typeof code === 'number' ? code : null)
  })
  return {
    write: (data) => {
      if (!ended) channel.write(data)
    },
    resize: (cols, rows) => {
      if (!ended) channel.setWindow(rows, cols, 0, 0)
    },
    // A paused channel stops granting SSH window: the remote program blocks once ~2 MB are in flight.
    pause: () => {
      channel.pause()
      channel.stderr.pause()
    },
    resume: () => {
      channel.resume()
      channel.stderr.resume()
    },
    close: () => {
      if (ended) return
      // Hang up like a closed window; the channel's close ends the remote shell even if it ignores HUP.
      channel.signal('HUP')
      channel.close()
    },
  }
}

/** A shell opener for a server behind `link`: over its current connection, or a clear error while that is down. */
export function shellOverLink(link: PersistentLink, directory: string, what: string) {
  return (size: { cols: number; rows: number }, onData: (data: string) => void, onExit: (code: number | null) => void): Promise<TerminalSession> => {
    const connection = link.connection
    if (!connection) return Promise.reject(new Error(`the ssh connection ${what} is down; try again once the server is back`))
    return openSshShell(connection, directory, size, onData, onExit)
  }
}
