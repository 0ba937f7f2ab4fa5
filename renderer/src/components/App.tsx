import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { paletteCommands } from '../commands'
import { RESULT_KEYS, resultActionOf } from '../results/resultKeys'
import { isFinal } from '../format'
import { initialLayout, layoutReducer, paneId, paneServerId, type PaneSource } from '../grid/layout'
import { keyContext, PLATFORM } from '../keyContext'
import { commandFor, describeBinding, type Command } from '../../../core/view/keymap'
import { canAskForNotifications, watchForNotifications } from '../notifications'
import { useFleet, useServices } from '../state/hooks'
import type { InboxHandle } from './AttentionInbox'
import { CommandPalette } from './CommandPalette'
import { Dashboard, type DashboardHandle } from './Dashboard'
import { InboxColumn } from './InboxColumn'
import { NoticeArea } from './NoticeArea'
import { PromptBar, type PromptBarHandle } from './PromptBar'
import { RemoveServerDialog } from './RemoveServerDialog'
import { ShortcutsDialog } from './ShortcutsDialog'
import { TasksView, type TasksHandle } from './TasksView'
import { TerminalGrid, type GridHandle } from './TerminalGrid'
import { ViewTabs, type ViewName } from './ViewTabs'
import { WeztermDomainsDialog } from './WeztermDomainsDialog'

/** The whole UI: cards, grid or tasks, inbox, prompt bar; and the key map that drives it. */
export function App() {
  const { api, store } = useServices()
  const servers = useFleet((s) => s.servers)
  const tasks = useFleet((s) => s.tasks)
  const loaded = useFleet((s) => s.loaded)
  const theme = useFleet((s) => s.theme)
  const [layout, dispatch] = useReducer(layoutReducer, undefined, () => initialLayout(9))
  const [view, setView] = useState<ViewName>('terminals')
  const [dialog, setDialog] = useState<'help' | 'palette' | 'wezterm' | { removeServer: string } | null>(null)
  const [askNotifications, setAskNotifications] = useState(canAskForNotifications)
  const prompt = useRef<PromptBarHandle>(null)
  const inbox = useRef<InboxHandle>(null)
  const grid = useRef<GridHandle>(null)
  const dashboard = useRef<DashboardHandle>(null)
  const tasksView = useRef<TasksHandle>(null)
  /** Alt+V to the tasks view: the list takes the focus once it is there, so the keys go on from it. */
  const focusTasksNext = useRef(false)
  const shellCount = useRef(0)
  const latest = useRef({ layout, tasks, dialog })
  latest.current = { layout, tasks, dialog }

  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme
    else document.documentElement.dataset.theme = theme
  }, [theme])

  useEffect(() => watchForNotifications(api, (id) => store.getState().servers.find((s) => s.id === id)?.name ?? id), [api, store])

  // A removed server's events pane goes with it.
  useEffect(() => {
    if (!loaded) return
    for (const pane of layout.panes) {
      const serverId = paneServerId(pane.source)
      if (serverId !== undefined && !servers.some((s) => s.id === serverId)) dispatch({ type: 'remove', id: pane.id })
    }
  }, [loaded, servers, layout.panes])

  /** Opens a pane at the end of the grid (a full page starts the next one); see grid/layout.ts for the one case a pane closes for another (48 open). */
  const openPane = useCallback((source: PaneSource, byUser: boolean) => {
    const { layout: current, tasks: all } = latest.current
    const finished = (id: string) => {
      const task = all.find((t) => paneId({ kind: 'task', taskId: t.id }) === id)
      return task !== undefined && isFinal(task)
    }
    const evictable = byUser ? current.panes.map((p) => p.id) : current.panes.map((p) => p.id).filter(finished)
    dispatch({ type: 'add', source, evictable, focus: byUser })
    if (byUser) setView('terminals')
  }, [])

  // The card that had the focus is gone: once the dialog has closed, the dashboard's first card takes it (or its heading).
  const focusServersNext = useRef(false)
  useEffect(() => {
    if (!focusServersNext.current || dialog !== null) return
    focusServersNext.current = false
    dashboard.current?.focus()
  }, [dialog])
  const askRemoveServer = useCallback((serverId: string) => setDialog({ removeServer: serverId }), [])
  const removing = typeof dialog === 'object' && dialog !== null ? servers.find((s) => s.id === dialog.removeServer) : undefined
  // A server removed from elsewhere while its question is open: the question goes (and the keys come back).
  useEffect(() => {
    if (typeof dialog === 'object' && dialog !== null && !removing) setDialog(null)
  }, [dialog, removing])
  const removeServer = useCallback(
    async (id: string) => {
      try {
        await api['servers.remove']({ id })
        store.apply('server.removed', { id })
        focusServersNext.current = true
      } catch (error) {
        store.notify('error', `Could not remove ${store.getState().servers.find((s) => s.id === id)?.name ?? id}: ${errorMessage(error)}`)
      }
      setDialog(null)
    },
    [api, store],
  )

  const openServerPane = useCallback((serverId: string, kind: 'server' | 'tui' | 'shell' = 'server') => openPane({ kind, serverId }, true), [openPane])
  const openTaskPane = useCallback((taskId: string) => openPane({ kind: 'task', taskId }, true), [openPane])
  const onSubmitted = useCallback((created: TaskView[]) => {
    for (const task of created) store.apply('task.updated', task)
    for (const task of created) openPane({ kind: 'task', taskId: task.id }, false)
  }, [openPane, store])

  /** A follow-up made from a result: its output pane opens beside the others (the tasks view selects it). */
  const onFollowedUp = useCallback((task: TaskView) => openPane({ kind: 'task', taskId: task.id }, false), [openPane])
  const openWorktreeTerminal = useCallback(
    (kind: 'shell' | 'tui', task: TaskView) => openPane(kind === 'tui' ? { kind, serverId: task.serverId!, taskId: task.id } : { kind, taskId: task.id }, true),
    [openPane],
  )

  const run = useCallback((command: Command, fromMenu = false) => {
    switch (command.id) {
      case 'pane.next': return dispatch({ type: 'focusNext' })
      case 'pane.prev': return dispatch({ type: 'focusPrev' })
      case 'pane.jump': return dispatch({ type: 'jump', n: command.n ?? 1 })
      case 'pane.zoom': return dispatch({ type: 'zoom' })
      case 'pane.close': {
        const id = latest.current.layout.focusedId
        return id ? dispatch({ type: 'remove', id }) : undefined
      }
      case 'pane.swapNext': return dispatch({ type: 'swapNext' })
      case 'pane.swapPrev': return dispatch({ type: 'swapPrev' })
      case 'pane.search': return grid.current?.openSearch()
      case 'pane.pageNext': return dispatch({ type: 'page', page: latest.current.layout.page + 1 })
      case 'pane.pagePrev': return dispatch({ type: 'page', page: latest.current.layout.page - 1 })
      case 'palette.open': return setDialog('palette')
      case 'help.open': return setDialog('help')
      case 'prompt.focus': return prompt.current?.focus()
      case 'prompt.submit': return prompt.current?.submit()
      case 'prompt.cycleTarget': return prompt.current?.cycleTarget(1)
      case 'prompt.cycleTargetBack': return prompt.current?.cycleTarget(-1)
      case 'prompt.toggleLines': return prompt.current?.toggleOnePerLine()
      case 'attention.focus': return inbox.current?.focus()
      case 'servers.focus': return focusServerList(dashboard.current)
      case 'view.toggle': {
        focusTasksNext.current = true
        return setView((v) => (v === 'terminals' ? 'tasks' : 'terminals'))
      }
      case 'prompt.toggleWorktree': return prompt.current?.toggleOwnWorktree()
      case 'result.land':
      case 'result.squash':
      case 'result.discard':
      case 'result.keep':
      case 'result.followUp': {
        const action = resultActionOf(command.id)!
        if (tasksView.current?.runResult(action) || !fromMenu) return
        // A menu item chosen with nothing to act on: say why where the user looks, rather than nothing.
        const keys = RESULT_KEYS.find((k) => k.action === action)!
        return store.notify('info', `${keys.label.replace(/…$/, '')}: select a task with a result in the tasks view first (Alt+V), or this result cannot do that now.`)
      }
    }
  }, [store])

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent): void {
      // Capture phase: xterm stops the keys it sees, so the map must hear them first.
      // A dialog of a component (discard, repository settings) holds the keys as App's own do.
      if (latest.current.dialog || event.defaultPrevented || event.isComposing || document.querySelector('[aria-modal="true"]')) return
      const command = commandFor(event, keyContext(event.target))
      if (!command) return
      event.preventDefault()
      event.stopPropagation()
      run(command)
    }
    window.addEventListener('keydown', onKeyDown, true)
    // The desktop app's native menus send the same commands (a dialog open takes precedence, as for keys).
    const offMenu = api.on('ui.command', (command) => {
      if (!latest.current.dialog) run(command, true)
    })
    return () => {
      window.removeEventListener('keydown', onKeyDown, true)
      offMenu()
    }
  }, [run, api])

  useEffect(() => {
    if (!focusTasksNext.current) return
    focusTasksNext.current = false
    if (view === 'tasks') tasksView.current?.focus()
  }, [view])

  const enableNotifications = useCallback(() => {
    void Notification.requestPermission().then(() => setAskNotifications(canAskForNotifications()))
  }, [])

  const commands = useMemo(
    () =>
      dialog === 'palette'
        ? [...(tasksView.current?.resultCommands() ?? []), ...paletteCommands({
            run,
            servers,
            openPane: openServerPane,
            serverAction: (id, action) =>
              void api[action]({ id })
                .then((view) => store.apply('server.updated', view))
                .catch((e: unknown) => store.notify('error', errorMessage(e))),
            setLimit: (limit) => dispatch({ type: 'setLimit', limit }),
            addServer: () => dashboard.current?.openAddServer(),
            weztermDomains: () => setDialog('wezterm'),
            repositorySettings: () => prompt.current?.openRepositorySettings(),
            newShell: () => openPane({ kind: 'shell', n: ++shellCount.current }, true),
            enableNotifications: askNotifications ? enableNotifications : undefined,
            removeServer: askRemoveServer,
            noticeLog: () => store.showNoticeLog(true),
            setTheme: (theme) =>
              void api['settings.update']({ patch: { theme } })
                .then((settings) => store.apply('settings.updated', settings))
                .catch((e: unknown) => store.notify('error', errorMessage(e))),
          })]
        : [],
    [dialog, run, servers, openServerPane, openPane, api, store, askNotifications, enableNotifications, askRemoveServer],
  )

  return (
    <div className="app">
      <header className="topbar">
        <h1>Flotilla</h1>
        <ViewTabs view={view} onChange={setView} />
        <span className="spacer" />
        {askNotifications && (
          <button type="button" onClick={enableNotifications}>
            Enable notifications
          </button>
        )}
        <button type="button" onClick={() => setDialog('palette')} title={describeBinding('palette.open', PLATFORM)}>
          Commands
        </button>
        <button type="button" onClick={() => setDialog('help')} title="?">
          Shortcuts
        </button>
      </header>
      <NoticeArea />
      <main className="main">
        <aside className="sidebar">
          <Dashboard onOpenPane={openServerPane} onRemoveServer={askRemoveServer} handle={dashboard} />
        </aside>
        <div className="center">
          <div role="tabpanel" id="panel-terminals" aria-labelledby="tab-terminals" hidden={view !== 'terminals'} className="panel">
            <TerminalGrid layout={layout} dispatch={dispatch} shown={view === 'terminals'} handle={grid} />
          </div>
          <div role="tabpanel" id="panel-tasks" aria-labelledby="tab-tasks" hidden={view !== 'tasks'} className="panel">
            {view === 'tasks' && <TasksView onOpenOutput={openTaskPane} onFollowedUp={onFollowedUp} onOpenTerminal={openWorktreeTerminal} handle={tasksView} />}
          </div>
        </div>
        <InboxColumn handle={inbox} />
      </main>
      <footer className="footer">
        <PromptBar handle={prompt} onSubmitted={onSubmitted} />
      </footer>
      {dialog === 'help' && <ShortcutsDialog onClose={() => setDialog(null)} />}
      {dialog === 'palette' && <CommandPalette commands={commands} onClose={() => setDialog(null)} />}
      {dialog === 'wezterm' && <WeztermDomainsDialog onClose={() => setDialog(null)} />}
      {removing && (
        <RemoveServerDialog
          server={removing}
          openPanes={layout.panes.filter((p) => paneServerId(p.source) === removing.id).length}
          onConfirm={() => removeServer(removing.id)}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  )
}

/**
 * Alt+S: the server list itself (the dashboard's list, whence its arrows go on), never one card's
 * Stop button: with cards, the list's heading takes the focus, and Tab goes on into the cards.
 */
function focusServerList(dashboard: DashboardHandle | null): void {
  const before = document.activeElement
  dashboard?.focus()
  const active = document.activeElement
  if (active && active !== before && active !== document.body && active.closest('.cards article') === null) return
  const heading = document.getElementById('servers-heading')
  heading?.focus()
  heading?.scrollIntoView({ block: 'nearest' })
}
