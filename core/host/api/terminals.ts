import { errorMessage, FlotillaError } from '../../lib/errors'
import type { ClientTerminals } from '../../stream/clientTerminals'
import { sanitizeTerminalText } from '../../view/terminalText'
import type { TaskWorktree } from '../taskWorktree'
import type { Handlers } from './types'

type TerminalMethods = 'terminals.open' | 'terminals.write' | 'terminals.resize' | 'terminals.close' | 'terminals.ack'

/** A task's kept worktree (here, or on its server's machine), and the server it ran on (a TUI attaches there). */
export type WorktreeOf = (taskId: string) => TaskWorktree

export function terminalHandlers(terminals: ClientTerminals, worktreeOf: WorktreeOf): Handlers<TerminalMethods> {
  const ok = { ok: true as const }
  return {
    'terminals.open': async ({ kind, serverId, taskId, cols, rows }) => {
      if (taskId === undefined) return terminals.open(kind, serverId, cols, rows)
      const worktree = worktreeOf(taskId)
      const remote = worktree.remote
      if (!remote) {
        // A shell there runs here (the worktree is here); a TUI attaches to the task's own server, on that folder.
        return terminals.open(kind, kind === 'tui' ? (serverId ?? worktree.serverId) : undefined, cols, rows, worktree.directory)
      }
      // On the server's machine: a shell there over its connection, or the TUI here attached to that server (through its tunnel) on the folder there.
      const unreachable = (why?: string) =>
        new FlotillaError(`start ${remote.serverName} to open a ${kind === 'shell' ? 'shell' : 'TUI'} in its worktree on ${remote.host}${why ? ` (${why})` : ''}`, 'unavailable')
      if (!remote.reachable || worktree.serverId === undefined) throw unreachable()
      if (serverId !== undefined && serverId !== worktree.serverId) throw new FlotillaError(`expected the task's own server ${worktree.serverId} for its worktree on ${remote.host}, got ${serverId}`, 'bad_request')
      return terminals.open(kind, worktree.serverId, cols, rows, worktree.directory).catch((error: unknown) => {
        throw error instanceof FlotillaError && error.code === 'conflict' ? error : unreachable(sanitizeTerminalText(errorMessage(error)))
      })
    },
    'terminals.write': ({ terminalId, data }) => (terminals.get(terminalId).write(data), ok),
    'terminals.resize': ({ terminalId, cols, rows }) => (terminals.get(terminalId).resize(cols, rows), ok),
    'terminals.close': ({ terminalId }) => (terminals.close(terminalId), ok),
    'terminals.ack': ({ terminalId, chars }) => (terminals.acknowledge(terminalId, chars), ok),
  }
}
