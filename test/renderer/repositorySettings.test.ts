// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { PromptBar } from '../../renderer/src/components/PromptBar'
import { parseRepositoryForm, repositorySummary } from '../../renderer/src/prompt/repositorySettings'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'

describe('the repository settings form, checked before anything is sent', () => {
  it('trims, splits copy by line, and an empty form removes the saved settings', () => {
    expect(parseRepositoryForm({ setup: ' npm ci ', copy: '.env\n\n  config/local.json \n', verify: 'npm test' })).toEqual({ settings: { setup: 'npm ci', copy: ['.env', 'config/local.json'], verify: 'npm test' } })
    expect(parseRepositoryForm({ setup: '  ', copy: '\n', verify: '' })).toEqual({ settings: null })
  })

  it('refuses what the contract refuses, per field', () => {
    expect(parseRepositoryForm({ setup: 'x'.repeat(10_001), copy: '', verify: '' })).toEqual({ errors: { setup: 'At most 10,000 characters (this is 10,001).' } })
    expect(parseRepositoryForm({ setup: '', copy: '', verify: 'y'.repeat(10_001) })).toMatchObject({ errors: { verify: expect.stringContaining('10,000') } })
    expect(parseRepositoryForm({ setup: '', copy: '.env\n/etc/passwd\n../up\na/../../b', verify: '' })).toEqual({ errors: { copy: 'Paths inside the repository only (relative, no ".."): /etc/passwd, ../up, a/../../b' } })
    expect(parseRepositoryForm({ setup: '', copy: Array.from({ length: 101 }, (_, i) => `f${i}`).join('\n'), verify: '' })).toEqual({ errors: { copy: 'At most 100 paths (these are 101).' } })
  })

  it('says in one line what the next task gets', () => {
    expect(repositorySummary({ setup: 'npm ci', copy: [], verify: 'npm test' })).toBe('setup: npm ci · verify: npm test')
    expect(repositorySummary({ copy: ['.env'] })).toBe('copy: .env')
    expect(repositorySummary({ copy: [] })).toBeNull()
    expect(repositorySummary(undefined)).toBeNull()
  })
})

let root: Root
let host: HTMLDivElement
let store: FleetStore
let updates: unknown[]
let refuse: string | null
let repositories: Record<string, unknown>

const ROOT = '/home/u/proj'
const settings = () => ({ version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system', repositories })
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent === name) as HTMLButtonElement
const input = (label: string) => [...document.querySelectorAll('label')].find((l) => l.querySelector('span')?.textContent === label)!.querySelector('input, textarea') as HTMLInputElement | HTMLTextAreaElement
const type = (el: HTMLInputElement | HTMLTextAreaElement, value: string) =>
  act(() => {
    Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value')!.set!.call(el, value)
    el.dispatchEvent(new Event('input', { bubbles: true }))
  })
const click = async (el: Element) => {
  act(() => (el as HTMLElement).click())
  await settle()
}

beforeEach(async () => {
  updates = []
  refuse = null
  repositories = {}
  const transport = new FakeTransport((method, params) => {
    switch (method) {
      case 'servers.list': case 'tasks.list': case 'attention.list': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return settings()
      case 'host.info': return { projectDir: ROOT, repository: { root: ROOT, branch: 'main', dirty: false } }
      case 'settings.update': {
        updates.push(params)
        if (refuse) throw new Error(refuse)
        const { root: r, settings: s } = (params as { patch: { repository: { root: string; settings: unknown } } }).patch.repository
        repositories = { ...repositories, [r]: s }
        return settings()
      }
      default: throw new Error(`unexpected ${method}`)
    }
  })
  store = createFleetStore(createApiClient(transport), { schedule: (cb) => cb() })
  ;({ host, root } = mount())
  localStorage.clear()
  await act(async () => root.render(withServices({ api: createApiClient(transport), store, createTerminal: noTerminals() }, createElement(PromptBar, { onSubmitted: () => {} }))))
  await settle()
})

afterEach(() => {
  unmount({ host, root })
  store.dispose()
})

describe('repository settings from the prompt bar', () => {
  it('a bad path is said in the form and nothing is sent; saved, the prompt bar says what applies', async () => {
    await click(button('Repository settings…'))
    const dialog = document.querySelector('[role="dialog"][aria-label="Repository settings"]')!
    expect(dialog.textContent).toContain(ROOT)
    type(input('Setup command'), 'npm ci')
    type(input('Copy into each worktree'), '../secrets')
    type(input('Verify command'), 'npm test')
    await click(button('Save'))
    expect(dialog.querySelector('[role="alert"]')?.textContent).toContain('Paths inside the repository only')
    expect(input('Copy into each worktree').getAttribute('aria-invalid')).toBe('true')
    expect(updates).toEqual([])
    type(input('Copy into each worktree'), '.env')
    await click(button('Save'))
    expect(updates).toEqual([{ patch: { repository: { root: ROOT, settings: { setup: 'npm ci', copy: ['.env'], verify: 'npm test' } } } }])
    expect(document.querySelector('[role="dialog"]')).toBeNull()
    expect(host.querySelector('.repo-applies')?.textContent).toBe('setup: npm ci · copy: .env · verify: npm test')
    // Opened again, the form holds what was saved; emptied and saved, they are removed.
    await click(button('Repository settings…'))
    expect(input('Setup command').value).toBe('npm ci')
    type(input('Setup command'), '')
    type(input('Copy into each worktree'), '')
    type(input('Verify command'), '')
    await click(button('Save'))
    expect(updates.at(-1)).toEqual({ patch: { repository: { root: ROOT, settings: null } } })
    expect(host.querySelector('.repo-applies')).toBeNull()
  })

  it('the engine’s refusal is shown in the form, which stays open with what was typed; nothing is saved', async () => {
    refuse = 'expected a path inside the repository (relative, no "..")'
    await click(button('Repository settings…'))
    type(input('Verify command'), 'npm test')
    await click(button('Save'))
    const dialog = document.querySelector('[role="dialog"][aria-label="Repository settings"]')!
    expect(dialog.querySelector('[role="alert"]')?.textContent).toBe('Not saved: expected a path inside the repository (relative, no "..")')
    expect(input('Verify command').value).toBe('npm test')
    expect(host.querySelector('.repo-applies')).toBeNull()
    expect(store.getState().repositories).toEqual({})
  })
})
