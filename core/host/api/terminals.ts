import { FlotillaError } from '../../lib/errors'
import { shortId } from '../../lib/random'
import type { TerminalSession } from '../../stream/frameBatcher'
import { PtySession } from '../../stream/ptySession'
import type { Engine } from '../engine'
import { terminalCommand } from '../terminalCommands'
import type { Handlers } from './types'

const MAX_TERMINALS = 16

/** One client's terminals; all of them end when the client goes away. */
export class ClientTerminals {
  private readonly sessions = new Map<string, TerminalSession>()
  private disposed = false

  constructor(
    private readonly engine: Engine,
    private readonly onData: (terminalId: string, data: string) => void,
    private readonly onExit: (terminalId: string, code: number | null) => void,
  ) {}

  async open(kind: 'shell' | 'tui', serverId: string | undefined, cols: number, rows: number): Promise<{ terminalId: string; title: string }> {
    if (this.sessions.size >= MAX_TERMINALS) throw new FlotillaError(`expected at most ${MAX_TERMINALS} open terminals, got more`, 'conflict')
    const terminalId = shortId('p')
    const onData = (data: string) => this.onData(terminalId, data)
    const onExit = (code: number | null) => {
      this.sessions.delete(terminalId)
      this.onExit(terminalId, code)
    }
    const server = serverId === undefined ? undefined : this.engine.fleet.get(serverId)
    // A shell for a server on another machine (SSH, a WezTerm SSH domain) runs there, over its connection.
    if (kind === 'shell' && server && (server.spec.kind === 'ssh' || server.instance?.openShell)) {
      const openShell = server.instance?.openShell
      if (!openShell) throw new FlotillaError(`expected a running server to open a shell on, got ${server.spec.name} ${server.state}`, 'unavailable')
      const session = await openShell({ cols, rows }, onData, onExit)
      if (this.disposed) {
        session.close()
        throw new FlotillaError('the client went away', 'unavailable')
      }
      this.sessions.set(terminalId, session)
      return { terminalId, title: `shell · ${server.spec.name}` }
    }
    const command = terminalCommand(this.engine, kind, serverId)
    this.sessions.set(terminalId, new PtySession(command, { cols, rows }, onData, onExit))
    return { terminalId, title: command.title }
  }

  get(terminalId: string): TerminalSession {
    const session = this.sessions.get(terminalId)
    if (!session) throw new FlotillaError(`expected an open terminal id, got "${terminalId}"`, 'not_found')
    return session
  }

  close(terminalId: string): void {
    this.get(terminalId).close()
    this.sessions.delete(terminalId)
  }

  dispose(): void {
    this.disposed = true
    for (const session of this.sessions.values()) session.close()
    this.sessions.clear()
  }
}

type TerminalMethods = 'terminals.open' | 'terminals.write' | 'terminals.resize' | 'terminals.close'

export function terminalHandlers(terminals: ClientTerminals): Handlers<TerminalMethods> {
  const ok = { ok: true as const }
  return {
    'terminals.open': ({ kind, serverId, cols, rows }) => terminals.open(kind, serverId, cols, rows),
    'terminals.write': ({ terminalId, data }) => (terminals.get(terminalId).write(data), ok),
    'terminals.resize': ({ terminalId, cols, rows }) => (terminals.get(terminalId).resize(cols, rows), ok),
    'terminals.close': ({ terminalId }) => (terminals.close(terminalId), ok),
  }
}
