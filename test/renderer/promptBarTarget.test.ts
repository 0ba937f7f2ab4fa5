// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { PromptBar } from '../../renderer/src/components/PromptBar'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'

const server = (id: string) => ({ id, name: id, kind: 'local', state: 'ready', capacity: 1, running: 0, queued: 0, restarts: 0, directory: '/tmp/x' })

/** An engine that keeps its saved settings the way the real one does: the strategy changes only through the settings methods. */
function savingEngine() {
  const saved = { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system' }
  const submitted: unknown[] = []
  const handler = (method: string, params: unknown): unknown => {
    switch (method) {
      case 'servers.list': return [server('local-1')]
      case 'tasks.list': case 'attention.list': return []
      case 'scheduler.get': return { strategy: saved.strategy }
      case 'settings.get': return saved
      case 'scheduler.setStrategy': return { strategy: (saved.strategy = (params as { strategy: string }).strategy) }
      case 'settings.update': return Object.assign(saved, (params as { patch: object }).patch)
      case 'tasks.submit': {
        const { tasks } = params as { tasks: Array<{ prompt: string; target: object }> }
        submitted.push(...tasks)
        return tasks.map((t, i) => ({ id: `t${i}`, prompt: t.prompt, state: 'queued', target: t.target, priority: 0, maxAttempts: 3, attempts: [], createdAt: 1 }))
      }
      default: throw new Error(`unexpected ${method}`)
    }
  }
  return { saved, submitted, handler }
}

let root: Root
let host: HTMLDivElement
let engine: ReturnType<typeof savingEngine>
let store: FleetStore
let transport: FakeTransport

const select = () => host.querySelector('select[aria-label="Target"]') as HTMLSelectElement

function choose(value: string): void {
  act(() => {
    select().value = value
    select().dispatchEvent(new Event('change', { bubbles: true }))
  })
}

async function submit(text: string): Promise<void> {
  const prompt = host.querySelector('textarea[aria-label="Prompt"]') as HTMLTextAreaElement
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(prompt, text)
    prompt.dispatchEvent(new Event('input', { bubbles: true }))
  })
  act(() => (host.querySelector('button[type="submit"]') as HTMLButtonElement).click())
  await settle()
}

beforeEach(async () => {
  engine = savingEngine()
  transport = new FakeTransport(engine.handler)
  const api = createApiClient(transport)
  store = createFleetStore(api, { schedule: (cb) => cb() })
  ;({ host, root } = mount())
  const services = { api, store, createTerminal: noTerminals('no terminals here') }
  await act(async () => root.render(withServices(services, createElement(PromptBar, { onSubmitted: () => {} }))))
  await settle()
})

afterEach(() => {
  unmount({ host, root })
  store.dispose()
})

describe('the prompt bar target', () => {
  it('sends a chosen strategy with the tasks and leaves the saved strategy alone', async () => {
    expect(select().value).toBe('strategy:least-loaded')
    choose('strategy:random')
    await submit('per prompt')
    expect(engine.saved.strategy).toBe('least-loaded')
    expect(store.getState().strategy).toBe('least-loaded')
    expect(engine.submitted).toEqual([{ prompt: 'per prompt', target: { kind: 'any', strategy: 'random' } }])
    // The choice stays in this prompt bar for the next prompt.
    expect(select().value).toBe('strategy:random')
  })

  it('follows the saved strategy when nothing was chosen, and shows a change pushed by another window', async () => {
    await submit('default')
    expect(engine.submitted).toEqual([{ prompt: 'default', target: { kind: 'any' } }])
    act(() => transport.push('settings.updated', { ...engine.saved, strategy: 'round-robin' }))
    expect(store.getState().strategy).toBe('round-robin')
    expect(select().value).toBe('strategy:round-robin')
  })

  it('frees the box at once: a prompt typed while the last is still on its way is a task of its own', async () => {
    const held: Array<() => void> = []
    const send = transport.send.bind(transport)
    transport.send = (message: object) => {
      if ((message as { method: string }).method === 'tasks.submit') held.push(() => send(message))
      else send(message)
    }
    const box = () => host.querySelector('textarea[aria-label="Prompt"]') as HTMLTextAreaElement
    await submit('first')
    expect(box().value).toBe('')
    await submit('second')
    expect(box().value).toBe('')
    for (const release of held) release()
    await settle()
    expect(engine.submitted.map((t) => (t as { prompt: string }).prompt)).toEqual(['first', 'second'])
    expect(box().value).toBe('')
  })

  it('gives a refused prompt back, with the reason', async () => {
    transport.respondWith((method, params) => {
      if (method === 'tasks.submit') throw new Error('tasks.submit: tasks.0.prompt: expected at most 100000 characters')
      return engine.handler(method, params)
    })
    await submit('too long, say')
    expect((host.querySelector('textarea[aria-label="Prompt"]') as HTMLTextAreaElement).value).toBe('too long, say')
    expect(host.textContent).toContain('expected at most 100000 characters')
  })
})
