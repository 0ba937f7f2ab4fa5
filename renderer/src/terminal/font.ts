/**
 * The terminals' font: JetBrains Mono, shipped from npm (@fontsource, imported in main.tsx and
 * served by the app itself, so the CSP stays 'self'). xterm measures its cell from the font when it
 * opens, and the WebGL renderer caches glyphs: a terminal opened before the font loaded would keep
 * the fallback's cell size and draw the real glyphs into it, overlapping. So it opens once loaded.
 */
export const TERMINAL_FONT_SIZE = 13
export const TERMINAL_FONT_FAMILY = '"JetBrains Mono", ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace'
/** Regular for text, bold for the ANSI bold the event panes use. */
const FACES = [`${TERMINAL_FONT_SIZE}px "JetBrains Mono"`, `bold ${TERMINAL_FONT_SIZE}px "JetBrains Mono"`]
/** A font that never loads (a broken build) must not leave terminals closed: open with the fallback then. */
const MAX_WAIT_MS = 2000

let loading: Promise<void> | undefined

function loaded(): boolean {
  if (typeof document === 'undefined' || !document.fonts) return true
  return FACES.every((face) => document.fonts.check(face))
}

/** Runs `then` once the terminal font is loaded: at once when it already is. */
export function whenTerminalFontReady(then: () => void): void {
  if (loaded()) return then()
  loading ??= Promise.race([
    Promise.all(FACES.map((face) => document.fonts.load(face))).then(() => undefined),
    new Promise<void>((resolve) => setTimeout(resolve, MAX_WAIT_MS)),
  ]).catch(() => undefined)
  void loading.then(then)
}
