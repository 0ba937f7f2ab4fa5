import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon } from '@xterm/addon-search'
import { WebglAddon } from '@xterm/addon-webgl'
import { Terminal } from '@xterm/xterm'
import type { TerminalOptions, TerminalView } from './terminalView'
import { TERMINAL_FONT_FAMILY, TERMINAL_FONT_SIZE, whenTerminalFontReady } from './font'
import { hasHardwareWebgl } from './gpu'
import { darkTheme, isDark, lightTheme, MINIMUM_CONTRAST_RATIO } from './themes'
import { createWriteCadence } from './writeCadence'

const SEARCH_DECORATIONS = {
  matchBackground: '#5a4a00',
  activeMatchBackground: '#d19a00',
  matchOverviewRuler: '#d19a00',
  activeMatchColorOverviewRuler: '#ff9900',
}

/** An xterm.js terminal: read-only for event and output panes, interactive for shells and TUIs. */
/** How often (at most) the plain-text copy of the screen is refreshed. */
const SCREEN_TEXT_MS = 250
/** How often a pane other than the focused one takes its output (see writeCadence.ts). */
const BACKGROUND_WRITE_MS = 250

export function createXtermView(host: HTMLElement, { interactive, screenText }: TerminalOptions): TerminalView {
  const terminal = new Terminal({
    // The engine writes "\n" (a terminal needs "\r\n"); a pty already sends "\r\n" and TUIs rely on bare "\n".
    convertEol: !interactive,
    disableStdin: !interactive,
    cursorBlink: interactive,
    scrollback: 10_000,
    fontSize: TERMINAL_FONT_SIZE,
    fontFamily: TERMINAL_FONT_FAMILY,
    theme: isDark() ? darkTheme : lightTheme,
    minimumContrastRatio: MINIMUM_CONTRAST_RATIO,
    allowProposedApi: true, // search decorations
  })
  const fit = new FitAddon()
  const search = new SearchAddon()
  terminal.loadAddon(fit)
  terminal.loadAddon(search)
  // Output-only panes have no cursor to show.
  const HIDE_CURSOR = '\x1b[?25l'
  if (!interactive) terminal.write(HIDE_CURSOR)
  let webgl: WebglAddon | undefined
  let visible = false
  let disposed = false
  // Opened once the font is loaded (font.ts): until then writes queue in the buffer, fits wait.
  let opened = false
  let focusOnOpen = false
  whenTerminalFontReady(() => {
    if (disposed) return
    terminal.open(host)
    opened = true
    refit()
    if (focusOnOpen) terminal.focus()
  })

  function refit(): void {
    if (disposed || !opened || !visible || host.clientWidth === 0 || host.clientHeight === 0) return
    try {
      fit.fit()
    } catch {
      // not laid out yet; the next resize fits
    }
  }

  let frame = 0
  const resizes = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    cancelAnimationFrame(frame)
    frame = requestAnimationFrame(refit)
  }) : undefined
  resizes?.observe(host)

  const scheme = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined
  const onScheme = () => (terminal.options.theme = isDark() ? darkTheme : lightTheme)
  scheme?.addEventListener('change', onScheme)
  // The theme setting lands as <html data-theme>: follow it too.
  const forcedTheme = typeof MutationObserver === 'function' ? new MutationObserver(onScheme) : undefined
  forcedTheme?.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })

  let textTimer: ReturnType<typeof setTimeout> | undefined
  function copyScreenText(): void {
    textTimer = undefined
    if (!screenText || disposed) return
    const buffer = terminal.buffer.active
    const lines: string[] = []
    for (let y = buffer.viewportY; y < buffer.viewportY + terminal.rows; y++) {
      const line = buffer.getLine(y)
      // Keep the trailing spaces of a row that wraps on: they are part of the text.
      let text = line?.translateToString() ?? ''
      if (!buffer.getLine(y + 1)?.isWrapped) text = text.trimEnd()
      // A line the terminal wrapped continues the one above it.
      if (line?.isWrapped && lines.length > 0) lines[lines.length - 1] += text
      else lines.push(text)
    }
    while (lines.length > 0 && !lines[lines.length - 1]) lines.pop()
    const text = lines.join('\n')
    if (screenText.textContent !== text) screenText.textContent = text
  }
  const scheduleText = () => {
    if (screenText && visible && !textTimer) textTimer = setTimeout(copyScreenText, SCREEN_TEXT_MS)
  }
  const parsed = terminal.onWriteParsed(scheduleText)
  const scrolled = terminal.onScroll(scheduleText)

  function attachWebgl(): void {
    if (webgl || !hasHardwareWebgl()) return
    try {
      const addon = new WebglAddon()
      // Context lost (too many contexts, GPU reset): back to the DOM renderer; retried when shown again.
      addon.onContextLoss(() => {
        addon.dispose()
        if (webgl === addon) webgl = undefined
      })
      terminal.loadAddon(addon)
      webgl = addon
    } catch {
      webgl = undefined // no WebGL2 here: the DOM renderer stays
    }
  }

  function detachWebgl(): void {
    const addon = webgl
    webgl = undefined
    addon?.dispose()
  }

  const cadence = createWriteCadence((data, done) => terminal.write(data, done))
  cadence.setDelay(BACKGROUND_WRITE_MS)

  return {
    write: (data, done) => cadence.write(data, done),
    setActive: (active) => cadence.setDelay(active ? 0 : BACKGROUND_WRITE_MS),
    reset() {
      cadence.discard()
      terminal.reset()
      if (!interactive) terminal.write(HIDE_CURSOR)
    },
    focus() {
      focusOnOpen = !opened
      terminal.focus()
    },
    setVisible(next) {
      visible = next
      if (next) {
        attachWebgl()
        refit()
        scheduleText()
      } else detachWebgl()
    },
    find: (term, direction) =>
      direction === 'next'
        ? search.findNext(term, { decorations: SEARCH_DECORATIONS })
        : search.findPrevious(term, { decorations: SEARCH_DECORATIONS }),
    clearSearch: () => search.clearDecorations(),
    size: () => ({ cols: terminal.cols, rows: terminal.rows }),
    onData(handler) {
      const subscription = terminal.onData(handler)
      return () => subscription.dispose()
    },
    onResize(handler) {
      const subscription = terminal.onResize(handler)
      return () => subscription.dispose()
    },
    dispose() {
      disposed = true
      cancelAnimationFrame(frame)
      clearTimeout(textTimer)
      cadence.discard()
      parsed.dispose()
      scrolled.dispose()
      resizes?.disconnect()
      scheme?.removeEventListener('change', onScheme)
      forcedTheme?.disconnect()
      detachWebgl()
      terminal.dispose()
    },
  }
}
