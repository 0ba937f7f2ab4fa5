// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { PromptBar } from '../../renderer/src/components/PromptBar'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'

// Best of N from the prompt bar: each prompt N times in one submit (so the tasks view compares
// them), only where each attempt gets its own worktree and not with broadcast.
const server = (id: string) => ({ id, name: id, kind: 'local', state: 'ready', capacity: 1, running: 0, queued: 0, restarts: 0, directory: '/r' })
let submitted: Array<{ prompt: string; workspace?: { repo: string } }>
let root: Root
let host: HTMLDivElement
let store: FleetStore

const el = <T extends Element>(selector: string) => host.querySelector(selector) as T | null
function pick(selector: string, value: string): void {
  act(() => {
    const select = el<HTMLSelectElement>(selector)!
    select.value = value
    select.dispatchEvent(new Event('change', { bubbles: true }))
  })
}
async function type(text: string): Promise<void> {
  const prompt = el<HTMLTextAreaElement>('textarea[aria-label="Prompt"]')!
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(prompt, text)
    prompt.dispatchEvent(new Event('input', { bubbles: true }))
  })
  await settle()
}

beforeEach(async () => {
  submitted = []
  localStorage.clear()
  const transport = new FakeTransport((method, params) => {
    switch (method) {
      case 'servers.list': return [server('local-1'), server('local-2')]
      case 'tasks.list': case 'attention.list': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system', repositories: {} }
      case 'host.info': return { projectDir: '/r', repository: { root: '/r', branch: 'main', dirty: false }, demo: false }
      case 'tasks.submit': {
        const { tasks } = params as { tasks: typeof submitted }
        submitted.push(...tasks)
        return tasks.map((t, i) => ({ id: `t${i}`, prompt: t.prompt, state: 'queued', target: { kind: 'any' }, priority: 0, maxAttempts: 3, attempts: [], createdAt: 1 }))
      }
      default: throw new Error(`unexpected ${method}`)
    }
  })
  const api = createApiClient(transport)
  store = createFleetStore(api, { schedule: (cb) => cb() })
  ;({ host, root } = mount())
  await act(async () => root.render(withServices({ api, store, createTerminal: noTerminals() }, createElement(PromptBar, { onSubmitted: () => {} }))))
  await settle()
})
afterEach(() => {
  unmount({ host, root })
  store.dispose()
})

describe('attempts in the prompt bar', () => {
  it('sends each prompt N times, each with its worktree, in one submit, and says so on the button', async () => {
    expect(el('select[aria-label="Attempts"]')).not.toBeNull()
    pick('select[aria-label="Attempts"]', '3')
    await type('make it faster')
    expect(el<HTMLButtonElement>('button[type="submit"]')!.textContent).toBe('Submit 3 attempts')
    act(() => el<HTMLButtonElement>('button[type="submit"]')!.click())
    await settle()
    expect(submitted.map((t) => t.prompt)).toEqual(['make it faster', 'make it faster', 'make it faster'])
    expect(submitted.every((t) => t.workspace?.repo === '/r')).toBe(true)
  })

  it('is not offered without a worktree (attempts would share a folder) nor with broadcast', async () => {
    pick('select[aria-label="Attempts"]', '2')
    act(() => el<HTMLInputElement>('input[type="checkbox"][aria-keyshortcuts]')!.click())
    await settle()
    expect(el('select[aria-label="Attempts"]')).toBeNull()
    await type('once')
    act(() => el<HTMLButtonElement>('button[type="submit"]')!.click())
    await settle()
    expect(submitted.map((t) => t.prompt)).toEqual(['once'])
    act(() => el<HTMLInputElement>('input[type="checkbox"][aria-keyshortcuts]')!.click())
    pick('select[aria-label="Target"]', 'broadcast')
    expect(el('select[aria-label="Attempts"]')).toBeNull()
  })
})
