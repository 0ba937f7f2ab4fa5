import { memo, useEffect, useRef, useState } from 'react'
import { describeBinding } from '../../../core/view/keymap'
import { promptHeader } from '../../../core/view/taskPane'
import { PLATFORM } from '../keyContext'
import type { Pane as PaneModel } from '../grid/layout'
import type { PaneTone } from '../grid/paneLabels'
import { useServices } from '../state/hooks'
import { attachPaneFeed, isInteractive } from '../terminal/paneFeed'
import type { TerminalView } from '../terminal/terminalView'
import { CloseIcon, SearchIcon, UnzoomIcon, ZoomIcon } from './PaneIcons'

export interface PaneHandle {
  focus(): void
  openSearch(): void
}

interface Props {
  pane: PaneModel
  index: number
  /** The task's title or prompt's first line, the server's name, "shell 2"… */
  title: string
  /** Where it runs: the server, a worktree; '' while a task waits. */
  where: string
  /** The state in words; undefined for shells and TUIs (this pane knows whether its program runs). */
  state?: string
  tone?: PaneTone
  tooltip: string
  /** Task panes: written at the top, before the output. */
  prompt?: string
  queuedAhead?: number
  focused: boolean
  zoomed: boolean
  /** Another pane is zoomed, or this one is on another grid page: not shown. */
  concealed: boolean
  /** On screen (not concealed, and the terminals view is showing): holds a WebGL context. */
  visible: boolean
  needsAttention: boolean
  register: (id: string, handle: PaneHandle | null) => void
  onFocus: (id: string) => void
  onClose: (id: string) => void
  onZoom: (id: string) => void
}

/**
 * One terminal pane: a header that always shows title, server and state (a dot; the rest in a
 * tooltip) and icon buttons, over an xterm fed by one engine stream, with flow control and
 * scrollback search. Its props are plain values so output never re-renders it: only state changes do.
 */
export const Pane = memo(function Pane(props: Props) {
  const { pane, index, title, where, state, tone, tooltip, prompt, queuedAhead, focused, zoomed, concealed, visible, needsAttention, register, onFocus, onClose, onZoom } = props
  const { api, createTerminal } = useServices()
  const host = useRef<HTMLDivElement>(null)
  const screenText = useRef<HTMLPreElement>(null)
  const section = useRef<HTMLElement>(null)
  const view = useRef<TerminalView | null>(null)
  const searchInput = useRef<HTMLInputElement>(null)
  const header = useRef('')
  header.current = prompt ? promptHeader(prompt) : ''
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
    const detach = attachPaneFeed(api, pane.source, terminal, { onRunning: setRunning, header: () => header.current })
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

  const stateText = state ?? (running === false ? 'exited' : running ? 'running' : 'starting')
  const dotTone: PaneTone = tone ?? (running === false ? 'off' : running ? 'ok' : 'warn')
  const label = [title, where, stateText].filter(Boolean).join(' · ')
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
      <header className="pane-head" title={`${tooltip}${needsAttention ? `\nNeeds attention (${KEYS.attention})` : ''}`}>
        <span className="pane-index" aria-hidden="true">
          {index}
        </span>
        <span className={`pane-dot tone-${dotTone}`} role="img" aria-label={stateText} />
        <h3 className="pane-title">{title}</h3>
        {where && <span className="pane-where">{where}</span>}
        {needsAttention && (
          <span className="pane-attention" role="img" aria-label="needs attention">
            !
          </span>
        )}
        <span className="pane-actions">
          <button type="button" className="icon-button pane-optional" aria-label="Search scrollback" title={`Search scrollback (${KEYS.search})`} aria-pressed={searching} onClick={() => setSearching((v) => !v)}>
            <SearchIcon />
          </button>
          <button type="button" className="icon-button pane-optional" aria-label={zoomed ? 'Unzoom' : 'Zoom'} title={`${zoomed ? 'Unzoom' : 'Zoom'} (${KEYS.zoom})`} aria-pressed={zoomed} onClick={() => onZoom(pane.id)}>
            {zoomed ? <UnzoomIcon /> : <ZoomIcon />}
          </button>
          <button type="button" className="icon-button" aria-label="Close pane" title={`Close pane (${KEYS.close})`} onClick={() => onClose(pane.id)}>
            <CloseIcon />
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
      {queuedAhead !== undefined && (
        <p className="pane-queued" role="status">
          {queuedAhead === 0 ? 'queued, next to start' : `queued, ${queuedAhead} ahead`}
        </p>
      )}
      <pre className="screen-text" ref={screenText} />
    </section>
  )
})

/** The header buttons' keys as this platform writes them (macOS: Ctrl+Option for the Alt chords, Cmd+F). */
const KEYS = { search: describeBinding('pane.search', PLATFORM), zoom: describeBinding('pane.zoom', PLATFORM), close: describeBinding('pane.close', PLATFORM), attention: describeBinding('attention.focus', PLATFORM) }
