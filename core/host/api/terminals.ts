import { FlotillaError } from '../../lib/errors'
import { shortId } from '../../lib/random'
import { PtySession } from '../../stream/ptySession'
import type { Engine } from '../engine'
import { terminalCommand } from '../terminalCommands'
import type { Handlers } from './types'

const MAX_TERMINALS = 16

/** One client's terminals; all of them end when the client goes away. */
export class ClientTerminals {
  private readonly sessions = new Map<string, PtySession>()

  constructor(
    private readonly engine: Engine,
    private readonly onData: (terminalId: string, data: string) => void,
    private readonly onExit: (terminalId: string, code: number | null) => void,
  ) {}

  open(kind: 'shell' | 'tui', serverId: string | undefined, cols: number, rows: number): { terminalId: string; title: string } {
    if (this.sessions.size >= MAX_TERMINALS) throw new FlotillaError(`expected at most ${MAX_TERMINALS} open terminals, got more`, 'conflict')
    const command = terminalCommand(this.engine, kind, serverId)
    const terminalId = shortId('p')
    const session = new PtySession(
      command,
      { cols, rows },
      (data) => this.onData(terminalId, data),
      (code) => {
        this.sessions.delete(terminalId)
        this.onExit(terminalId, code)
      },
    )
    this.sessions.set(terminalId, session)
    return { terminalId, title: command.title }
  }

  get(terminalId: string): PtySession {
    const session = this.sessions.get(terminalId)
    if (!session) throw new FlotillaError(`expected an open terminal id, got "${terminalId}"`, 'not_found')
    return session
  }

  close(terminalId: string): void {
    this.get(terminalId).close()
    this.sessions.delete(terminalId)
  }

  dispose(): void {
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
