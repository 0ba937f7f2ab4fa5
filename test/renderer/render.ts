import { act, createElement, type ReactElement } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { ServicesContext, type AppServices } from '../../renderer/src/state/hooks'

// The set-up the renderer's component tests share (jsdom): a React root on a fresh <div>, the
// app's services around an element, and a settle. Importing it tells React that act() is in use.
;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

export interface Mounted {
  host: HTMLDivElement
  root: Root
}

/** A React root on a new <div> appended to the document's body. */
export function mount(): Mounted {
  const host = document.createElement('div')
  document.body.append(host)
  return { host, root: createRoot(host) }
}

/** Unmounts the root (in act) and takes its <div> out of the document. */
export function unmount({ host, root }: Mounted): void {
  act(() => root.unmount())
  host.remove()
}

/** `element` inside the renderer's services, as the app provides them. */
export const withServices = (services: AppServices, element: ReactElement): ReactElement => createElement(ServicesContext.Provider, { value: services }, element)

/** Lets what is pending (promises, a zero timeout) run, inside act. */
export const settle = (): Promise<void> => act(async () => void (await new Promise((r) => setTimeout(r, 0))))

/** A createTerminal for views that must never open a terminal. */
export const noTerminals =
  (message = 'none') =>
  (): never => {
    throw new Error(message)
  }
