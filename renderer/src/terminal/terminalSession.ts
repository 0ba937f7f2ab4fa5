import { TERMINAL_FLOW } from '../../../core/contract/terminalFlow'
import { ansi } from '../../../core/view/ansi'
import { errorMessage, type ApiClient } from '../api/client'
import type { PaneSink } from './paneStream'

type TerminalClient = Pick<ApiClient, 'on' | 'onStatus' | 'status' | 'terminals.open' | 'terminals.write' | 'terminals.resize' | 'terminals.close' | 'terminals.ack'>

export interface TerminalSpec {
  kind: 'shell' | 'tui'
  serverId?: string
  /** In this task's worktree. */
  taskId?: string
}

export interface TerminalSession {
  /** Keys typed into the pane. After the program exited, Enter starts it again. */
  write(data: string): void
  resize(cols: number, rows: number): void
  close(): void
}

export interface TerminalSessionEvents {
  /** The program is running (true) or has exited / was lost (false). */
  onRunning?: (running: boolean) => void
}

/** The contract caps one terminals.write; a paste is sent in pieces. */
const MAX_WRITE = 65_536
/** Keys typed before the terminal is open are kept, up to this much. */
const MAX_EARLY_INPUT = 65_536

/**
 * One interactive terminal (a shell, or the opencode TUI) behind a pane: opens it on the engine
 * at the pane's size, relays output to the sink and keys to the pty, follows resizes. Terminals
 * end with their connection: after a reconnect a fresh one is opened in its place.
 */
export function openTerminalSession(
  client: TerminalClient,
  spec: TerminalSpec,
  sink: PaneSink,
  size: () => { cols: number; rows: number },
  events: TerminalSessionEvents = {},
): TerminalSession {
  let terminalId: string | undefined
  let opening = false
  let closed = false
  let exited = false
  let early = ''
  let connected = client.status().state === 'open'
  /** Characters of the current terminal's output the pane has parsed and the host has not been told of. */
  let parsed = 0

  const setRunning = (running: boolean) => events.onRunning?.(running)

  async function open(): Promise<void> {
    if (opening || closed) return
    opening = true
    exited = false
    try {
      const { cols, rows } = size()
      const result = await client['terminals.open']({ kind: spec.kind, serverId: spec.serverId, taskId: spec.taskId, cols: clamp(cols, 2, 500), rows: clamp(rows, 2, 300) })
      if (closed) {
        void client['terminals.close']({ terminalId: result.terminalId }).catch(() => {})
        return
      }
      terminalId = result.terminalId
      parsed = 0
      setRunning(true)
      // The pane may have been fitted while the terminal was opening.
      const now = size()
      if (now.cols !== cols || now.rows !== rows) void client['terminals.resize']({ terminalId, cols: clamp(now.cols, 2, 500), rows: clamp(now.rows, 2, 300) }).catch(() => {})
      if (early) send(early)
      early = ''
    } catch (error) {
      exited = true
      if (!closed && client.status().state === 'open') sink.push(ansi.red(`✗ ${errorMessage(error)}`) + '\r\n' + ansi.dim('Press Enter to try again.') + '\r\n')
    } finally {
      opening = false
    }
  }

  function send(data: string): void {
    const id = terminalId
    if (!id) return
    for (let at = 0; at < data.length; at += MAX_WRITE) {
      void client['terminals.write']({ terminalId: id, data: data.slice(at, at + MAX_WRITE) }).catch(() => {})
    }
  }

  /** Flow control: the host pauses the program until enough of what it sent is acknowledged (TERMINAL_FLOW). */
  function acknowledge(id: string, chars: number): void {
    // Output of a terminal that ended or was replaced earns nothing: the host forgot it.
    if (closed || id !== terminalId) return
    parsed += chars
    if (parsed < TERMINAL_FLOW.ackEveryChars) return
    const count = parsed
    parsed = 0
    void client['terminals.ack']({ terminalId: id, chars: count }).catch(() => {})
  }

  const offData = client.on('terminals.data', ({ terminalId: id, data, dropped }) => {
    if (closed || id !== terminalId) return
    if (dropped > 0) sink.push('\r\n' + ansi.dim(`… ${dropped} characters of output not shown (this window fell behind) …`) + '\r\n')
    sink.push(data, () => acknowledge(id, data.length))
  })
  const offExit = client.on('terminals.exit', ({ terminalId: id, code }) => {
    if (closed || id !== terminalId) return
    terminalId = undefined
    exited = true
    setRunning(false)
    sink.push('\r\n' + ansi.dim(`[exited${code === null ? '' : ` with code ${code}`}; press Enter to start again]`) + '\r\n')
  })
  const offStatus = client.onStatus((status) => {
    const open_ = status.state === 'open'
    if (!open_ && connected && terminalId) {
      terminalId = undefined
      setRunning(false)
      sink.push('\r\n' + ansi.dim('[connection lost: this terminal ended]') + '\r\n')
    }
    if (open_ && !connected && !closed && !exited) {
      sink.push(ansi.dim('[reconnected: a new session]') + '\r\n')
      void open()
    }
    connected = open_
  })

  if (connected) void open()

  return {
    write(data) {
      if (closed) return
      if (terminalId) send(data)
      else if (exited && !opening && data === '\r') void open()
      else if (opening || !exited) early = (early + data).slice(-MAX_EARLY_INPUT)
    },
    resize(cols, rows) {
      if (terminalId) void client['terminals.resize']({ terminalId, cols: clamp(cols, 2, 500), rows: clamp(rows, 2, 300) }).catch(() => {})
    },
    close() {
      if (closed) return
      closed = true
      offData()
      offExit()
      offStatus()
      if (terminalId && client.status().state === 'open') void client['terminals.close']({ terminalId }).catch(() => {})
      terminalId = undefined
    },
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(Number.isFinite(n) ? n : min)))
}
