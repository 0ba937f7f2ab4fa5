import { memo, useEffect, useRef, useState } from 'react'
import type { Pane as PaneModel } from '../grid/layout'
import { useServices } from '../state/hooks'
import { attachPaneFeed, isInteractive } from '../terminal/paneFeed'
import type { TerminalView } from '../terminal/terminalView'

export interface PaneHandle {
  focus(): void
  openSearch(): void
}

interface Props {
  pane: PaneModel
  index: number
  title: string
  subtitle?: string
  focused: boolean
  zoomed: boolean
  /** Another pane is zoomed: this one is not shown. */
  concealed: boolean
  /** On screen (not concealed, and the terminals view is showing): holds a WebGL context. */
  visible: boolean
  needsAttention: boolean
  register: (id: string, handle: PaneHandle | null) => void
  onFocus: (id: string) => void
  onClose: (id: string) => void
  onZoom: (id: string) => void
}

/** One terminal pane: an xterm fed by one engine stream, with flow control and scrollback search. */
export const Pane = memo(function Pane(props: Props) {
  const { pane, index, title, subtitle, focused, zoomed, concealed, visible, needsAttention, register, onFocus, onClose, onZoom } = props
  const { api, createTerminal } = useServices()
  const host = useRef<HTMLDivElement>(null)
  const screenText = useRef<HTMLPreElement>(null)
  const section = useRef<HTMLElement>(null)
  const view = useRef<TerminalView | null>(null)
  const searchInput = useRef<HTMLInputElement>(null)
  const [searching, setSearching] = useState(false)
  const [query, setQuery] = useState('')
  const [found, setFound] = useState(true)
  /** Interactive panes: whether their program runs (undefined until it first starts). */
  const [running, setRunning] = useState<boolean | undefined>(undefined)
  const interactive = isInteractive(pane.source)

  // The pane's id names its source: one terminal and one feed for the pane's whole life.
  useEffect(() => {
    const terminal = createTerminal(host.current!, { interactive: isInteractive(pane.source), screenText: screenText.current ?? undefined })
    view.current = terminal
    const detach = attachPaneFeed(api, pane.source, terminal, setRunning)
    return () => {
      detach()
      view.current = null
      terminal.dispose()
    }
  }, [api, createTerminal, pane.id])

  useEffect(() => view.current?.setVisible(visible), [visible, pane.id])
  useEffect(() => view.current?.setActive(focused), [focused, pane.id])

  useEffect(() => {
    register(pane.id, {
      focus: () => (view.current ? view.current.focus() : section.current?.focus()),
      openSearch: () => {
        setSearching(true)
        requestAnimationFrame(() => searchInput.current?.select())
      },
    })
    return () => register(pane.id, null)
  }, [register, pane.id])

  function find(direction: 'next' | 'previous'): void {
    if (query) setFound(view.current?.find(query, direction) ?? false)
  }

  function closeSearch(): void {
    setSearching(false)
    view.current?.clearSearch()
    view.current?.focus()
  }

  const label = running === false ? `${title} · exited` : title
  const classes = ['pane', focused && 'focused', zoomed && 'zoomed', needsAttention && 'needs-attention', concealed && 'concealed'].filter(Boolean).join(' ')
  return (
    <section
      role="region"
      aria-label={label}
      className={classes}
      ref={section}
      tabIndex={-1}
      data-pane-id={pane.id}
      data-interactive={interactive || undefined}
      onFocus={() => onFocus(pane.id)} hidden={concealed}>
      <header className="pane-head">
        <span className="pane-index" aria-hidden="true">
          {index}
        </span>
        <h3 className="pane-title">{label}</h3>
        {subtitle && <span className="pane-subtitle">{subtitle}</span>}
        {needsAttention && <span className="pane-attention">needs attention</span>}
        <span className="pane-actions">
          <button type="button" title="Search scrollback (Ctrl+F)" onClick={() => setSearching((v) => !v)}>
            Search
          </button>
          <button type="button" title="Zoom (Alt+Z)" aria-pressed={zoomed} onClick={() => onZoom(pane.id)}>
            Zoom
          </button>
          <button type="button" title="Close (Alt+W)" onClick={() => onClose(pane.id)}>
            Close
          </button>
        </span>
      </header>
      {searching && (
        <div role="search" className="pane-search">
          <input
            ref={searchInput}
            aria-label="Search scrollback"
            value={query}
            autoFocus
            onChange={(e) => {
              setQuery(e.target.value)
              setFound(true)
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault()
                find(e.shiftKey ? 'previous' : 'next')
              } else if (e.key === 'Escape') {
                e.preventDefault()
                closeSearch()
              }
            }}
          />
          <button type="button" onClick={() => find('previous')}>
            Previous
          </button>
          <button type="button" onClick={() => find('next')}>
            Next
          </button>
          {!found && <span role="status">No matches</span>}
        </div>
      )}
      <div className="terminal-host" ref={host} />
      <pre className="screen-text" ref={screenText} />
    </section>
  )
})
