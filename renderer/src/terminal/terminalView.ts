/**
 * The few things a pane needs from a terminal. The app uses xterm.js (xtermView.ts); tests
 * pass a fake, since xterm does not render in jsdom.
 */
export interface TerminalView {
  /** Writes ANSI text; `done` runs once the terminal has parsed it (flow control). */
  write(data: string, done: () => void): void
  /** The focused pane is live; the others take their output a few times a second. */
  setActive(active: boolean): void
  /** Clears screen and scrollback. */
  reset(): void
  focus(): void
  /** Visible panes hold a WebGL context; hidden ones give it back (browsers allow ~16). */
  setVisible(visible: boolean): void
  /** Scrollback search; false when nothing matches. */
  find(term: string, direction: 'next' | 'previous'): boolean
  clearSearch(): void
  /** Columns and rows (an interactive terminal's pty follows them). */
  size(): { cols: number; rows: number }
  /** Keys typed into an interactive terminal. */
  onData(handler: (data: string) => void): () => void
  onResize(handler: (size: { cols: number; rows: number }) => void): () => void
  dispose(): void
}

export interface TerminalOptions {
  /** Takes keyboard input (shell, TUI); output-only panes do not. */
  interactive: boolean
  /**
   * Gets the text on screen as plain text, a moment after it changes: the WebGL renderer draws
   * on a canvas, so this keeps the output readable by screen readers and by tests.
   */
  screenText?: HTMLElement
}

export type TerminalFactory = (host: HTMLElement, options: TerminalOptions) => TerminalView
