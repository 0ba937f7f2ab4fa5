import type { ClientTerminals } from '../../stream/clientTerminals'
import type { Handlers } from './types'

type TerminalMethods = 'terminals.open' | 'terminals.write' | 'terminals.resize' | 'terminals.close' | 'terminals.ack'

/** A task's kept worktree on this machine, and the server it ran on (a TUI attaches there). */
export type WorktreeOf = (taskId: string) => { directory: string; serverId?: string }

export function terminalHandlers(terminals: ClientTerminals, worktreeOf: WorktreeOf): Handlers<TerminalMethods> {
  const ok = { ok: true as const }
  return {
    'terminals.open': ({ kind, serverId, taskId, cols, rows }) => {
      if (taskId === undefined) return terminals.open(kind, serverId, cols, rows)
      const worktree = worktreeOf(taskId)
      // A shell there runs here (the worktree is here); a TUI attaches to the task's own server, on that folder.
      return terminals.open(kind, kind === 'tui' ? (serverId ?? worktree.serverId) : undefined, cols, rows, worktree.directory)
    },
    'terminals.write': ({ terminalId, data }) => (terminals.get(terminalId).write(data), ok),
    'terminals.resize': ({ terminalId, cols, rows }) => (terminals.get(terminalId).resize(cols, rows), ok),
    'terminals.close': ({ terminalId }) => (terminals.close(terminalId), ok),
    'terminals.ack': ({ terminalId, chars }) => (terminals.acknowledge(terminalId, chars), ok),
  }
}
