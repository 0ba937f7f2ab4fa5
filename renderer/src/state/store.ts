import type { ReceivedPush } from '../../../core/contract/api'
import { errorMessage, type ApiClient } from '../api/client'
import { addNotice, applyPush, applySnapshot, dismissNotice, initialState, type FleetState, type Notice } from './fleetState'

export interface FleetStore {
  getState(): FleetState
  subscribe(listener: () => void): () => void
  /** Reloads everything from the engine (done on every (re)connect). */
  load(): Promise<void>
  notify(level: Notice['level'], message: string): void
  dismiss(id: number): void
  /** Opens or closes the notice log (every notice since the page loaded). */
  showNoticeLog(open: boolean): void
  /** Applies a result this client got back (a submitted task, a stopped server, saved settings) as if pushed. */
  apply(...push: ReceivedPush): void
  dispose(): void
}

export interface FleetStoreOptions {
  /** Coalesces change notifications (one React render per frame under a burst of pushes). */
  schedule?: (callback: () => void) => void
}

const nextFrame = (callback: () => void) =>
  typeof requestAnimationFrame === 'function' && !document.hidden ? requestAnimationFrame(() => callback()) : setTimeout(callback, 16)

export function createFleetStore(client: ApiClient, options: FleetStoreOptions = {}): FleetStore {
  const schedule = options.schedule ?? nextFrame
  const listeners = new Set<() => void>()
  let state = initialState(client.status())
  let scheduled = false
  /** Pushes that arrive while a load is in flight are replayed on top of its result. */
  let held: ReceivedPush[] | undefined
  let loadSeq = 0

  function set(next: FleetState): void {
    if (next === state) return
    state = next
    if (scheduled) return
    scheduled = true
    schedule(() => {
      scheduled = false
      for (const listener of [...listeners]) listener()
    })
  }

  function receive(push: ReceivedPush): void {
    if (held) held.push(push)
    set(applyPush(state, ...push))
  }

  // Spelled out per event so each handler's payload type matches its name.
  const offs = [
    client.on('server.updated', (payload) => receive(['server.updated', payload])),
    client.on('server.removed', (payload) => receive(['server.removed', payload])),
    client.on('task.updated', (payload) => receive(['task.updated', payload])),
    client.on('attention.added', (payload) => receive(['attention.added', payload])),
    client.on('attention.resolved', (payload) => receive(['attention.resolved', payload])),
    client.on('notice', (payload) => receive(['notice', payload])),
    client.on('server.output', (payload) => receive(['server.output', payload])),
    // Any client's settings change (another tab, the app): every window shows the same strategy and theme.
    client.on('settings.updated', (payload) => receive(['settings.updated', payload])),
    client.onStatus((connection) => {
      set({ ...state, connection })
      if (connection.state === 'open') void load()
    }),
    // The host dropped pushes while this client was too far behind: what it shows may be stale.
    client.on('resync', () => void load()),
  ]

  async function load(): Promise<void> {
    const seq = ++loadSeq
    held = []
    try {
      const [servers, tasks, attention, scheduler, settings] = await Promise.all([
        client['servers.list']({}),
        client['tasks.list']({}),
        client['attention.list']({}),
        client['scheduler.get']({}),
        client['settings.get']({}).catch(() => undefined),
      ])
      if (seq !== loadSeq) return
      let next = applySnapshot(state, { servers, tasks, attention, strategy: scheduler.strategy, theme: settings?.theme, repositories: settings?.repositories })
      for (const push of held ?? []) next = applyPush(next, ...push)
      held = undefined
      set(next)
    } catch (error) {
      if (seq !== loadSeq) return
      held = undefined
      // A lost connection reloads on reconnect; anything else the user should see.
      if (client.status().state === 'open') set(addNotice(state, 'error', `Could not load the fleet: ${errorMessage(error)}`))
    }
  }

  if (client.status().state === 'open') void load()

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    load,
    notify: (level, message) => set(addNotice(state, level, message)),
    dismiss: (id) => set(dismissNotice(state, id)),
    showNoticeLog: (open) => set(state.noticeLogOpen === open ? state : { ...state, noticeLogOpen: open }),
    apply: (...push) => set(applyPush(state, ...push)),
    dispose() {
      for (const off of offs) off()
      listeners.clear()
    },
  }
}

