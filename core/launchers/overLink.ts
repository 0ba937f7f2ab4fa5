import type { PersistentLink } from '../ssh/persistentLink'
import type { SshConnection } from '../ssh/sshConnection'
import { shQuote } from '../ssh/shell'
import { shellOverLink } from '../ssh/sshShell'
import type { RemoteExec } from '../workspace/remote/remoteGit'
import type { RunningServer } from './types'

/**
 * What a server on another machine gets from the SSH link Flotilla holds to that machine (the
 * SSH launcher's, a WezTerm SSH domain's tunnel): commands there for task worktrees, and shells
 * there. Both go over whichever connection the link holds now (it reconnects); none while it is down.
 */
export function execOverLink(link: PersistentLink, host: string): RemoteExec {
  return {
    host,
    run: (command, options) => {
      const connection = link.connection
      return connection ? connection.execBuffer(command, options) : Promise.reject(new Error(`${host}: the SSH connection is down`))
    },
  }
}

/** RunningServer.openShell over the link: in the server's folder, or in the one asked for (a task's worktree there). */
export function shellsOverLink(link: PersistentLink, directory: string, what: string): NonNullable<RunningServer['openShell']> {
  return (size, onData, onExit, folder) => shellOverLink(link, folder ?? directory, what)(size, onData, onExit)
}

/** `~`, `~/x` or an absolute folder on the machine there, as an absolute path (`cd` and `pwd -P` there); undefined when it does not exist. */
export async function remoteAbsoluteFolder(connection: SshConnection, folder: string): Promise<string | undefined> {
  const cd = folder === '~' ? 'cd' : folder.startsWith('~/') ? `cd "$HOME"/${shQuote(folder.slice(2))}` : `cd ${shQuote(folder)}`
  const { stdout } = await connection.exec(`${cd} 2>/dev/null && pwd -P`, { timeoutMs: 15_000 })
  const path = stdout.trim()
  return path.startsWith('/') && !path.includes('\n') ? path : undefined
}
