/**
 * The few things a pane needs from a terminal. The app uses xterm.js (xtermView.ts); tests
 * pass a fake, since xterm does not render in jsdom.
 */
export interface TerminalView {
  /** Writes ANSI text; `done` runs once the terminal has parsed it (flow control). */
  write(data: string, done: () => void): void
  /** Clears screen and scrollback. */
  reset(): void
  focus(): void
  /** Visible panes hold a WebGL context; hidden ones give it back (browsers allow ~16). */
  setVisible(visible: boolean): void
  /** Scrollback search; false when nothing matches. */
  find(term: string, direction: 'next' | 'previous'): boolean
  clearSearch(): void
  dispose(): void
}

export type TerminalFactory = (host: HTMLElement) => TerminalView
