import type { StreamRef } from '../../../core/contract/api'
import { WordWrapper } from '../../../core/view/wrap'
import type { ApiClient } from '../api/client'
import type { PaneSource } from '../grid/layout'
import { FlowControl } from './flowControl'
import { openPaneStream, type PaneSink } from './paneStream'
import { openTerminalSession } from './terminalSession'
import type { TerminalView } from './terminalView'

export function isInteractive(source: PaneSource): source is Extract<PaneSource, { kind: 'shell' | 'tui' }> {
  return source.kind === 'shell' || source.kind === 'tui'
}

export interface PaneFeedOptions {
  onRunning?: (running: boolean) => void
  /** Written first, and again after every redraw (a task pane's prompt). */
  header?: () => string
}

/**
 * Connects a pane's terminal to what it shows: an engine stream (events, task output) or an
 * interactive terminal (keys out, output in, resizes). Output always goes through flow control;
 * engine streams are also word-wrapped to the pane's width (see wrappingSink).
 * Returns the function that disconnects it.
 */
export function attachPaneFeed(api: ApiClient, source: PaneSource, terminal: TerminalView, options: PaneFeedOptions = {}): () => void {
  const flow = new FlowControl({ write: (data, done) => terminal.write(data, done) })
  if (isInteractive(source)) {
    const sink = {
      push: (data: string, done?: () => void) => flow.push(data, done),
      reset: () => {
        flow.reset()
        terminal.reset()
      },
    }
    const session = openTerminalSession(api, { kind: source.kind, serverId: source.serverId, taskId: source.taskId }, sink, () => terminal.size(), { onRunning: options.onRunning })
    const offData = terminal.onData((data) => session.write(data))
    const offResize = terminal.onResize(({ cols, rows }) => session.resize(cols, rows))
    return () => {
      offData()
      offResize()
      session.close()
    }
  }
  const wrapping = wrappingSink(flow, terminal, options.header ?? (() => ''))
  const stream: StreamRef = source.kind === 'server' ? { kind: 'server', serverId: source.serverId } : { kind: 'task', taskId: source.taskId }
  const close = openPaneStream(api, stream, wrapping.sink)
  return () => {
    close()
    wrapping.dispose()
  }
}

/** Text kept to re-wrap a pane on resize; older text is still in the terminal until the next resize. */
export const REWRAP_HISTORY_CHARS = 512 * 1024
/** A drag resizes many times a second: the re-wrap waits for it to settle. */
const REWRAP_DELAY_MS = 120

export interface WrapTimers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/**
 * xterm has no soft wrap: it breaks a long line at the last column, mid-word. An output pane's
 * text is wrapped at word boundaries to its width (core/view/wrap.ts) and kept, so when the pane
 * changes width the terminal is cleared and the kept text written again wrapped to the new one.
 */
export function wrappingSink(flow: Pick<FlowControl, 'push' | 'reset'>, terminal: Pick<TerminalView, 'size' | 'reset' | 'onResize'>, header: () => string, timers: WrapTimers = globalThis) {
  let cols = terminal.size().cols
  let wrapper = new WordWrapper(cols)
  let history = ''
  let timer: unknown

  const write = (raw: string, done?: () => void) => {
    history += raw
    // Trimmed at a line start, in a fresh style, so a re-wrap never starts mid-line or mid-colour;
    // only once it is a quarter over, so a chatty pane does not copy the whole text on every write.
    if (history.length > REWRAP_HISTORY_CHARS * 1.25) {
      const cut = history.indexOf('\n', history.length - REWRAP_HISTORY_CHARS)
      history = '\x1b[0m' + (cut < 0 ? '' : history.slice(cut + 1))
    }
    flow.push(wrapper.push(raw), done)
  }

  const redraw = () => {
    flow.reset()
    terminal.reset()
    wrapper = new WordWrapper(cols)
    flow.push(wrapper.push(header() + history))
  }

  const offResize = terminal.onResize((size) => {
    if (size.cols === cols) return
    cols = size.cols
    if (timer !== undefined) timers.clearTimeout(timer)
    timer = timers.setTimeout(() => {
      timer = undefined
      redraw()
    }, REWRAP_DELAY_MS)
  })

  const start = header()
  if (start) flow.push(wrapper.push(start))

  const sink: PaneSink = {
    push: write,
    reset: () => {
      history = ''
      redraw()
    },
  }
  return {
    sink,
    dispose() {
      offResize()
      if (timer !== undefined) timers.clearTimeout(timer)
    },
  }
}
