/** The handful of SGR codes the views use; kept tiny so panes and the CLI render alike. */
export const ansi = {
  reset: '\x1b[0m',
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  /**
   * Quieter text (tool output, timings, hints) in the palette's bright black, not SGR 2: xterm
   * draws SGR 2 at half the foreground's opacity, below 4.5:1 on either theme (axe), while the
   * panes' bright black is chosen at 4.5:1 or more (renderer/src/terminal/themes.ts).
   */
  dim: (s: string) => `\x1b[90m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
  blue: (s: string) => `\x1b[34m${s}\x1b[39m`,
  magenta: (s: string) => `\x1b[35m${s}\x1b[39m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
}

const SGR = /\x1b\[[0-9;]*m/g

export function stripAnsi(text: string): string {
  return text.replace(SGR, '')
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes} m ${Math.round((ms % 60_000) / 1_000)} s`
}

/** One line, at most `max` characters, for titles and tool arguments. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat
}
