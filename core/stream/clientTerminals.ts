import { posix } from 'node:path'
import { FlotillaError } from '../lib/errors'
import { shortId } from '../lib/random'
import type { TerminalSession } from './terminalSession'
import { PtySession } from './ptySession'
import { TerminalFlow } from './terminalFlow'
import { terminalCommand, type TerminalHost } from './terminalCommands'

const MAX_TERMINALS = 16

/** Sends one frame of a terminal's output; false when the transport dropped it (a client over its cap). */
export type SendTerminalData = (terminalId: string, data: string, dropped: number) => boolean | void

interface OpenTerminal {
  session: TerminalSession
  flow: TerminalFlow
}

/**
 * One client's terminals; all of them end when the client goes away. Each terminal's output is
 * flow-controlled (TerminalFlow): paused while the client has not acknowledged enough of it, or
 * while the client's transport says it is congested.
 */
export class ClientTerminals {
  private readonly terminals = new Map<string, OpenTerminal>()
  private disposed = false
  private congested = false

  constructor(
    private readonly host: TerminalHost,
    private readonly onData: SendTerminalData,
    private readonly onExit: (terminalId: string, code: number | null) => void,
  ) {}

  /** `directory`: start there (a task's worktree) instead of the server's folder. */
  async open(kind: 'shell' | 'tui', serverId: string | undefined, cols: number, rows: number, directory?: string): Promise<{ terminalId: string; title: string }> {
    if (this.terminals.size >= MAX_TERMINALS) throw new FlotillaError(`expected at most ${MAX_TERMINALS} open terminals, got more`, 'conflict')
    const terminalId = shortId('p')
    const flow = new TerminalFlow()
    flow.setCongested(this.congested)
    // Characters the transport dropped; told with the next frame that gets through (a frame lost is never acknowledged, so it is not counted as sent).
    let dropped = 0
    const onData = (data: string) => {
      if (this.onData(terminalId, data, dropped) === false) {
        dropped += data.length
        return
      }
      dropped = 0
      flow.sent(data.length)
    }
    const onExit = (code: number | null) => {
      this.terminals.delete(terminalId)
      this.onExit(terminalId, code)
    }
    const server = serverId === undefined ? undefined : this.host.fleet.get(serverId)
    // A shell for a server on another machine (SSH, a WezTerm SSH domain) runs there, over its
    // connection; a stopped one is refused by terminalCommand (not on this machine: start it first).
    const openShell = kind === 'shell' ? server?.instance?.openShell : undefined
    if (server && openShell) {
      // In the folder asked for there (a task's worktree on that machine), else the server's.
      const session = await openShell({ cols, rows }, onData, onExit, directory)
      if (this.disposed) {
        session.close()
        throw new FlotillaError('the client went away', 'unavailable')
      }
      flow.attach(session)
      this.terminals.set(terminalId, { session, flow })
      return { terminalId, title: directory ? `shell · ${server.spec.name} · ${posix.basename(directory)}` : `shell · ${server.spec.name}` }
    }
    const command = terminalCommand(this.host, kind, serverId, directory)
    const session = new PtySession(command, { cols, rows }, onData, onExit)
    flow.attach(session)
    this.terminals.set(terminalId, { session, flow })
    return { terminalId, title: command.title }
  }

  get(terminalId: string): TerminalSession {
    return this.find(terminalId).session
  }

  /** The client's terminal has parsed `chars` more of this terminal's output. */
  acknowledge(terminalId: string, chars: number): void {
    this.find(terminalId).flow.acknowledged(chars)
  }

  /** The client's transport is backed up (true) or has drained (false): every terminal of the client waits meanwhile. */
  setCongested(congested: boolean): void {
    this.congested = congested
    for (const { flow } of this.terminals.values()) flow.setCongested(congested)
  }

  close(terminalId: string): void {
    this.get(terminalId).close()
    this.terminals.delete(terminalId)
  }

  dispose(): void {
    this.disposed = true
    for (const { session } of this.terminals.values()) session.close()
    this.terminals.clear()
  }

  private find(terminalId: string): OpenTerminal {
    const open = this.terminals.get(terminalId)
    if (!open) throw new FlotillaError(`expected an open terminal id, got "${terminalId}"`, 'not_found')
    return open
  }
}
