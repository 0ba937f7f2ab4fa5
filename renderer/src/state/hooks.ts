import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react'
import type { ApiClient } from '../api/client'
import type { TerminalFactory } from '../terminal/terminalView'
import type { FleetState } from './fleetState'
import type { FleetStore } from './store'

export interface AppServices {
  api: ApiClient
  store: FleetStore
  createTerminal: TerminalFactory
}

export const ServicesContext = createContext<AppServices | null>(null)

export function useServices(): AppServices {
  const services = useContext(ServicesContext)
  if (!services) throw new Error('useServices outside <ServicesContext.Provider>')
  return services
}

/** One slice of the fleet state; the selector must return a part of the state (stable identity). */
export function useFleet<T>(selector: (state: FleetState) => T): T {
  const { store } = useServices()
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()))
}

/** The current time, refreshed every `intervalMs` (for "seconds since" and durations). */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}
