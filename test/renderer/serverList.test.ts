// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { App } from '../../renderer/src/components/App'
import { createFleetStore } from '../../renderer/src/state/store'
import type { TerminalView } from '../../renderer/src/terminal/terminalView'
import { FakeTransport } from '../support/fakeTransport'
import { mount, settle, unmount, withServices } from './render'

const server = (n: number, state = 'ready') => ({ id: `s${n}`, name: `srv-${n}`, kind: 'url', state, capacity: 1, running: 0, queued: 0, restarts: 0, host: `10.0.0.${n % 2}:4096`, baseUrl: 'http://x' })
const SERVERS = Array.from({ length: 10 }, (_, i) => server(i + 1))

const fakeTerminal = (): TerminalView => ({
  write: (_d, done) => done(), reset() {}, focus() {}, setVisible() {}, setActive() {}, find: () => false, clearSearch() {},
  size: () => ({ cols: 80, rows: 24 }), onData: () => () => {}, onResize: () => () => {}, dispose() {},
})

let root: Root
let host: HTMLDivElement
let transport: FakeTransport
let calls: Array<[string, unknown]>

const key = (target: Element, init: KeyboardEventInit) => act(() => void target.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init })))
const grid = () => host.querySelector('[role="grid"][aria-label="Servers"]') as HTMLElement
const selected = () => grid().querySelector('[aria-selected="true"]')?.getAttribute('data-server-id')

// jsdom has no layout: the list's scroller gets a screenful, so the virtualizer renders rows.
const clientHeight = Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight')!
const clientWidth = Object.getOwnPropertyDescriptor(Element.prototype, 'clientWidth')!
beforeEach(() => {
  Object.defineProperty(Element.prototype, 'clientHeight', { configurable: true, get(this: Element) { return this.matches('[role="grid"]') ? 800 : 0 } })
  Object.defineProperty(Element.prototype, 'clientWidth', { configurable: true, get(this: Element) { return this.matches('[role="grid"]') ? 400 : 0 } })
})
afterEach(() => {
  Object.defineProperty(Element.prototype, 'clientHeight', clientHeight)
  Object.defineProperty(Element.prototype, 'clientWidth', clientWidth)
})

beforeEach(async () => {
  localStorage.clear() // the view and grouping are remembered across reloads
  calls = []
  transport = new FakeTransport((method, params) => {
    calls.push([method, params])
    switch (method) {
      case 'servers.list': return SERVERS
      case 'tasks.list': return []
      case 'attention.list': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system' }
      case 'servers.stop': return { ...server(Number((params as { id: string }).id.slice(1))), state: 'stopped' }
      case 'events.subscribe': return { subscriptionId: `sub-${calls.length}`, backlog: '' }
      default: return { ok: true }
    }
  })
  const api = createApiClient(transport)
  const services = { api, store: createFleetStore(api, { schedule: (cb) => cb() }), createTerminal: fakeTerminal }
  ;({ host, root } = mount())
  await act(async () => root.render(withServices(services, createElement(App))))
  await settle()
})

afterEach(() => {
  unmount({ host, root })
})

describe('the server list (more than six servers)', () => {
  it('shows rows, not cards, as a named grid with one row per server', () => {
    expect(host.querySelectorAll('article')).toHaveLength(0)
    expect(grid()).not.toBeNull()
    const first = grid().querySelector('[role="row"][data-server-id="s1"]')!
    expect(first.getAttribute('aria-label')).toBe('srv-1, ready, url on 10.0.0.1, 0 of 1 running')
    expect(host.querySelector('[aria-label="Fleet summary"]')!.textContent).toContain('10 ready')
  })

  it('moves with the arrows and Home/End, shows the card on Enter, and runs the card’s actions by key', async () => {
    grid().focus()
    expect(selected()).toBe('s1')
    await key(grid(), { key: 'ArrowDown' })
    await key(grid(), { key: 'ArrowDown' })
    expect(selected()).toBe('s3')
    expect(grid().getAttribute('aria-activedescendant')).toBe(grid().querySelector('[data-server-id="s3"]')!.id)
    await key(grid(), { key: 'End' })
    expect(selected()).toBe('s10')
    await key(grid(), { key: 'Home' })
    await key(grid(), { key: 'Enter' })
    expect(host.querySelector('[role="group"][aria-label="srv-1 details"] article[aria-label="srv-1"]')).not.toBeNull()
    await key(grid(), { key: 'Escape' })
    expect(host.querySelector('[aria-label="srv-1 details"]')).toBeNull()
    await key(grid(), { key: 'x' })
    await settle()
    expect(calls).toContainEqual(['servers.stop', { id: 's1' }])
    expect(grid().querySelector('[data-server-id="s1"]')!.getAttribute('aria-label')).toMatch(/^srv-1, stopped/)
    await key(grid(), { key: 'Delete' })
    expect(host.querySelector('[role="dialog"][aria-label="Remove srv-1?"]')).not.toBeNull()
  })

  it('filters as the user types, says so when nothing matches, and groups by host', async () => {
    const input = host.querySelector('input[aria-label="Filter servers"]') as HTMLInputElement
    const type = (value: string) =>
      act(() => {
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value)
        input.dispatchEvent(new Event('input', { bubbles: true }))
      })
    type('srv-1')
    await settle()
    expect([...grid().querySelectorAll('[role="row"][data-server-id]')].map((r) => r.getAttribute('data-server-id'))).toEqual(['s1', 's10'])
    type('zzz')
    await settle()
    expect(grid().textContent).toContain('No server matches “zzz”.')
    type('')
    const tick = [...host.querySelectorAll('label')].find((l) => l.textContent?.includes('Group by host'))!.querySelector('input')!
    act(() => tick.click())
    await settle()
    expect([...grid().querySelectorAll('.server-group .group-host')].map((g) => g.textContent)).toEqual(['10.0.0.0', '10.0.0.1'])
    expect(localStorage.getItem('flotilla.servers.groupByHost')).toBe('true')
  })
})

describe('a server’s card after trouble', () => {
  it('shows the last error while the server is down, not once it is back up', async () => {
    grid().focus()
    await key(grid(), { key: 'Enter' })
    const card = () => host.querySelector('article[aria-label="srv-1"]')!
    transport.push('server.updated', { ...server(1, 'restarting'), lastError: 'exited (code 137)' })
    await settle()
    expect(card().querySelector('.last-error')?.textContent).toBe('exited (code 137)')
    transport.push('server.updated', { ...server(1, 'ready'), lastError: 'exited (code 137)' })
    await settle()
    expect(card().querySelector('.last-error')).toBeNull()
  })
})

describe('the attention column', () => {
  it('is a badge while empty, opens when a request arrives, and on Alt+A', async () => {
    const column = () => host.querySelector('aside.inbox-col')!
    expect(column().classList.contains('collapsed')).toBe(true)
    expect(host.querySelector('#attention-inbox')!.hasAttribute('hidden')).toBe(true)
    transport.push('attention.added', { id: 'p1', requestId: 'p1', kind: 'permission', serverId: 's1', sessionId: 'ses', taskId: 't9', title: 'bash: ls', createdAt: 1 })
    await settle()
    expect(column().classList.contains('collapsed')).toBe(false)
    transport.push('attention.resolved', { id: 'p1' })
    await settle()
    expect(column().classList.contains('collapsed')).toBe(true)
    await key(document.body, { key: 'a', code: 'KeyA', altKey: true })
    await settle()
    expect(column().classList.contains('collapsed')).toBe(false)
    expect(document.activeElement?.id).toBe('attention-heading')
  })
})
