import type { Pausable } from './terminalFlow'

/** What a terminal pane drives, whatever runs behind it (node-pty here, an SSH channel there). */
export interface TerminalSession extends Pausable {
  write(data: string): void
  resize(cols: number, rows: number): void
  /** Ends the program, as closing a terminal window does. */
  close(): void
}
