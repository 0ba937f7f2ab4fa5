/**
 * Output flow control for interactive terminals, counted in UTF-16 units (string length, as
 * xterm.js counts), after VS Code's terminal: the host pauses a terminal's program while too much
 * of the output it sent is unacknowledged, and the client acknowledges (`terminals.ack`) what its
 * terminal has parsed. A program that prints faster than the user's screen can take then blocks
 * on its own writes, as it would in any terminal, instead of piling its output up in memory.
 */
export const TERMINAL_FLOW = {
  /** The host pauses a terminal's program once this much of its output is unacknowledged... */
  highChars: 512 * 1024,
  /** ...and resumes it when acknowledgements bring that down to this. */
  lowChars: 128 * 1024,
  /** Clients acknowledge at least this often; below lowChars, or a paused terminal would wait for an ack that never comes. */
  ackEveryChars: 16 * 1024,
} as const
