import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon } from '@xterm/addon-search'
import { WebglAddon } from '@xterm/addon-webgl'
import { Terminal } from '@xterm/xterm'
import type { TerminalView } from './terminalView'
import { darkTheme, isDark, lightTheme } from './themes'

const SEARCH_DECORATIONS = {
  matchBackground: '#5a4a00',
  activeMatchBackground: '#d19a00',
  matchOverviewRuler: '#d19a00',
  activeMatchColorOverviewRuler: '#ff9900',
}

/** A read-only xterm.js terminal (event and output panes take no input). */
export function createXtermView(host: HTMLElement): TerminalView {
  const terminal = new Terminal({
    convertEol: true, // the engine writes "\n"; a terminal needs "\r\n"
    disableStdin: true,
    scrollback: 10_000,
    fontSize: 13,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
    theme: isDark() ? darkTheme : lightTheme,
    allowProposedApi: true, // search decorations
  })
  const fit = new FitAddon()
  const search = new SearchAddon()
  terminal.loadAddon(fit)
  terminal.loadAddon(search)
  terminal.open(host)
  let webgl: WebglAddon | undefined
  let visible = false
  let disposed = false

  function refit(): void {
    if (disposed || !visible || host.clientWidth === 0 || host.clientHeight === 0) return
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

  function attachWebgl(): void {
    if (webgl) return
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

  return {
    write: (data, done) => terminal.write(data, done),
    reset: () => terminal.reset(),
    focus: () => terminal.focus(),
    setVisible(next) {
      visible = next
      if (next) {
        attachWebgl()
        refit()
      } else detachWebgl()
    },
    find: (term, direction) =>
      direction === 'next'
        ? search.findNext(term, { decorations: SEARCH_DECORATIONS })
        : search.findPrevious(term, { decorations: SEARCH_DECORATIONS }),
    clearSearch: () => search.clearDecorations(),
    dispose() {
      disposed = true
      cancelAnimationFrame(frame)
      resizes?.disconnect()
      scheme?.removeEventListener('change', onScheme)
      detachWebgl()
      terminal.dispose()
    },
  }
}
