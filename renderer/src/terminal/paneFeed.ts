import type { StreamRef } from '../../../core/contract/api'
import type { ApiClient } from '../api/client'
import type { PaneSource } from '../grid/layout'
import { FlowControl } from './flowControl'
import { openPaneStream } from './paneStream'
import { openTerminalSession } from './terminalSession'
import type { TerminalView } from './terminalView'

export function isInteractive(source: PaneSource): source is Extract<PaneSource, { kind: 'shell' | 'tui' }> {
  return source.kind === 'shell' || source.kind === 'tui'
}

/**
 * Connects a pane's terminal to what it shows: an engine stream (events, task output) or an
 * interactive terminal (keys out, output in, resizes). Output always goes through flow control.
 * Returns the function that disconnects it.
 */
export function attachPaneFeed(api: ApiClient, source: PaneSource, terminal: TerminalView, onRunning?: (running: boolean) => void): () => void {
  const flow = new FlowControl({ write: (data, done) => terminal.write(data, done) })
  const sink = {
    push: (data: string, done?: () => void) => flow.push(data, done),
    reset: () => {
      flow.reset()
      terminal.reset()
    },
  }
  if (isInteractive(source)) {
    const session = openTerminalSession(api, { kind: source.kind, serverId: source.serverId, taskId: source.taskId }, sink, () => terminal.size(), { onRunning })
    const offData = terminal.onData((data) => session.write(data))
    const offResize = terminal.onResize(({ cols, rows }) => session.resize(cols, rows))
    return () => {
      offData()
      offResize()
      session.close()
    }
  }
  const stream: StreamRef = source.kind === 'server' ? { kind: 'server', serverId: source.serverId } : { kind: 'task', taskId: source.taskId }
  return openPaneStream(api, stream, sink)
}
