// @vitest-environment jsdom
import { act, createElement, createRef } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskDiff, TaskView } from '../../core/contract/tasks'
import { createApiClient } from '../../renderer/src/api/client'
import { PromptBar, type PromptBarHandle } from '../../renderer/src/components/PromptBar'
import { commandFor } from '../../core/view/keymap'
import { keyContext } from '../../renderer/src/keyContext'
import { TaskResult } from '../../renderer/src/components/TaskResult'
import { OWN_WORKTREE_KEY } from '../../renderer/src/prompt/worktree'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'
import { taskResult, taskView, worktreePlan } from '../support/taskViews'

const BASE = '1'.repeat(40)
const HEAD = '2'.repeat(40)

const result = (extra: object = {}) => taskResult({
  text: 'done',
  files: [
    { file: 'page.html', status: 'added', additions: 2, deletions: 0 },
    { file: 'src/x.ts', status: 'modified', additions: 1, deletions: 1 },
  ],
  isolation: 'worktree',
  branch: 'flotilla/t1',
  baseSha: BASE,
  headSha: HEAD,
  worktree: '/state/worktrees/t1',
  ...extra,
})

const theTask = (extra: object = {}): TaskView =>
  taskView('t1', { state: 'completed', workspace: worktreePlan('/home/u/proj', BASE), result: result(extra) })

// Model output, as a diff: markup and script that must stay text, in a file the highlighter colours as HTML.
const HOSTILE = [
  'diff --git a/page.html b/page.html',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/page.html',
  '@@ -0,0 +1,2 @@',
  '+<script>alert(1)</script>',
  '+<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>',
  '',
].join('\n')
const TS_FILE = ['diff --git a/src/x.ts b/src/x.ts', '--- a/src/x.ts', '+++ b/src/x.ts', '@@ -1 +1 @@', '-const a = 1', '+const a = "</td><script>alert(4)</script>"', ''].join('\n')

let root: Root
let host: HTMLDivElement
let transport: FakeTransport
let store: FleetStore
let calls: Array<[string, Record<string, unknown>]>
let diffFor: (params: Record<string, unknown>) => TaskDiff
let onMethod: (method: string, params: Record<string, unknown>) => unknown

const button = (name: string) => [...host.querySelectorAll('button')].find((b) => b.textContent === name) as HTMLButtonElement
const click = async (el: Element) => {
  act(() => (el as HTMLElement).click())
  await settle()
}

beforeEach(() => {
  calls = []
  diffFor = () => ({ files: result().files as TaskDiff['files'], patch: HOSTILE + TS_FILE, truncated: false, totalBytes: (HOSTILE + TS_FILE).length, merge: { into: 'main', clean: true, files: [] } })
  onMethod = () => {
    throw new Error('unexpected')
  }
  transport = new FakeTransport((method, params) => {
    calls.push([method, params as Record<string, unknown>])
    switch (method) {
      case 'servers.list': case 'tasks.list': case 'attention.list': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system', repositories: {} }
      case 'tasks.diff': return diffFor(params as Record<string, unknown>)
      default: return onMethod(method, params as Record<string, unknown>)
    }
  })
  store = createFleetStore(createApiClient(transport), { schedule: (cb) => cb() })
  ;({ host, root } = mount())
  localStorage.clear()
})

afterEach(() => {
  unmount({ host, root })
  store.dispose()
})

async function show(task: TaskView, onKeep: (t: TaskView) => void = () => {}, onOpenTerminal?: (kind: 'shell' | 'tui', t: TaskView) => void): Promise<void> {
  const services = { api: createApiClient(transport), store, createTerminal: noTerminals('no terminals here') }
  await act(async () => root.render(withServices(services, createElement(TaskResult, { task, refreshKey: '', onKeep, onOpenTerminal }))))
  await settle()
}

describe('a task’s result in the detail', () => {
  it('shows branch, base → head, the files and the diff; model output stays text, never markup', async () => {
    await show(theTask())
    expect(host.textContent).toContain('Branch flotilla/t1')
    expect(host.textContent).toContain('1111111 → 2222222')
    expect(host.textContent).toContain('from main')
    expect(host.textContent).toContain('Merges cleanly into main')
    expect(host.querySelector('table[aria-label="Changed files"]')?.textContent).toContain('src/x.ts+1−1')
    // Nothing from the diff became an element: no script, no img, no link, no handler attribute.
    expect(host.querySelectorAll('script, img, a, iframe')).toHaveLength(0)
    expect(host.innerHTML).not.toMatch(/onerror=|href=/)
    const html = host.querySelector('section[aria-label="Diff of page.html"]')!
    expect(html.textContent).toContain('<script>alert(1)</script>')
    expect(html.textContent).toContain('<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>')
    // …and it is coloured (Prism's markup tokens are spans holding that text).
    expect(html.querySelector('.token.tag')).not.toBeNull()
    const ts = host.querySelector('section[aria-label="Diff of src/x.ts"]')!
    expect(ts.querySelector('.diff-code-insert')?.textContent).toBe('const a = "</td><script>alert(4)</script>"')
    expect(ts.querySelector('.token.keyword')?.textContent).toBe('const')
    expect(calls.filter(([m]) => m === 'tasks.diff')).toEqual([['tasks.diff', { id: 't1', maxBytes: 400_000 }]])
  })

  it('collapses and opens a file by its header button', async () => {
    await show(theTask())
    const head = host.querySelector('section[aria-label="Diff of src/x.ts"] h5 button') as HTMLButtonElement
    expect(head.getAttribute('aria-expanded')).toBe('true')
    await click(head)
    expect(head.getAttribute('aria-expanded')).toBe('false')
    expect(host.querySelector('section[aria-label="Diff of src/x.ts"] .diff-code-insert')).toBeNull()
    await click(head)
    expect(host.querySelector('section[aria-label="Diff of src/x.ts"] .diff-code-insert')).not.toBeNull()
  })

  it('a cut diff says where it was cut, and a file past the limit is asked for on its own', async () => {
    diffFor = (params) =>
      params.file === 'src/x.ts'
        ? { files: [], patch: TS_FILE, truncated: false, totalBytes: TS_FILE.length }
        : { files: result().files as TaskDiff['files'], patch: HOSTILE, truncated: true, totalBytes: 3 * 1024 * 1024, merge: { into: 'main', clean: true, files: [] } }
    await show(theTask())
    expect(host.textContent).toContain(`diff truncated at ${(new TextEncoder().encode(HOSTILE).length / 1024).toFixed(1)} KB of 3072 KB`)
    const ts = () => host.querySelector('section[aria-label="Diff of src/x.ts"]')!
    expect(ts().textContent).toContain('Not in the diff shown')
    await click(button('Show the diff of src/x.ts'))
    expect(calls.at(-1)).toEqual(['tasks.diff', { id: 't1', file: 'src/x.ts', maxBytes: 2_000_000 }])
    expect(ts().querySelector('.diff-code-insert')?.textContent).toContain('alert(4)')
    // The last file in a cut diff is partial: it offers the whole of itself.
    expect(button('Show all of page.html')).toBeDefined()
  })

  it('a refused landing shows the engine’s words in the detail, and changes nothing', async () => {
    onMethod = (method) => {
      if (method === 'tasks.land') throw new Error('expected 2222222222 to merge cleanly into "main", got conflicts in a.txt: nothing was changed')
      throw new Error(`unexpected ${method}`)
    }
    await show(theTask())
    await click(button('Land'))
    const alert = host.querySelector('[role="alert"]')
    expect(alert?.textContent).toBe('Could not land: expected 2222222222 to merge cleanly into "main", got conflicts in a.txt: nothing was changed')
    expect(calls.filter(([m]) => m === 'tasks.land')).toEqual([['tasks.land', { id: 't1', squash: false }]])
    expect(store.getState().tasks).toEqual([])
    expect(button('Land').disabled).toBe(false)
  })

  it('landing applies what the engine returns; squash asks for one commit', async () => {
    const landed = theTask({ land: { status: 'landed', into: 'main', commit: 'abcdef0123' }, worktree: undefined })
    onMethod = (method) => (method === 'tasks.land' ? landed : undefined)
    await show(theTask())
    await click(button('Land as one commit'))
    expect(calls.find(([m]) => m === 'tasks.land')).toEqual(['tasks.land', { id: 't1', squash: true }])
    expect(store.getState().tasks[0].result?.land?.status).toBe('landed')
    await show(landed)
    expect(host.textContent).toContain('Landed into main (abcdef0)')
    expect(button('Land').disabled).toBe(true)
    expect(button('Land').title).toContain('already landed into main')
  })

  it('discard asks first, naming the branch; Cancel (focused) changes nothing, confirming discards', async () => {
    onMethod = (method) => (method === 'tasks.discard' ? theTask({ discarded: true, worktree: undefined }) : undefined)
    await show(theTask())
    await click(button('Discard…'))
    const dialog = () => document.querySelector('[role="dialog"]')
    expect(dialog()?.textContent).toContain('the branch flotilla/t1 in /home/u/proj and the commit on it, which is nowhere else')
    expect(dialog()?.textContent).toContain('its worktree /state/worktrees/t1')
    expect(document.activeElement?.textContent).toBe('Cancel')
    await click(button('Cancel'))
    expect(dialog()).toBeNull()
    expect(calls.some(([m]) => m === 'tasks.discard')).toBe(false)
    await click(button('Discard…'))
    await click(button('Delete flotilla/t1'))
    expect(calls.filter(([m]) => m === 'tasks.discard')).toEqual([['tasks.discard', { id: 't1' }]])
    expect(dialog()).toBeNull()
    expect(store.getState().tasks[0].result?.discarded).toBe(true)
  })

  it('opens a shell or the TUI in the kept worktree, and offers neither once it is gone', async () => {
    const opened: Array<[string, string]> = []
    await show({ ...theTask(), serverId: 'local-1' }, () => {}, (kind, t) => opened.push([kind, t.id]))
    await click(button('Shell in worktree'))
    await click(button('TUI in worktree'))
    expect(opened).toEqual([['shell', 't1'], ['tui', 't1']])
    await show(theTask({ worktree: undefined }), () => {}, (kind, t) => opened.push([kind, t.id]))
    expect(button('Shell in worktree')).toBeUndefined()
  })

  it('keep branch hands the task back and asks nothing of the engine', async () => {
    const kept: TaskView[] = []
    await show(theTask(), (t) => kept.push(t))
    const before = calls.length
    await click(button('Keep branch'))
    expect(kept.map((t) => t.id)).toEqual(['t1'])
    expect(calls.length).toBe(before)
  })

  it('no changes, a missing worktree, verify and a shared folder are said in words', async () => {
    await show(theTask({ headSha: undefined, worktree: undefined, files: [] }))
    expect(host.textContent).toContain('No changes: the task left the repository as it was.')
    expect(calls.some(([m]) => m === 'tasks.diff')).toBe(false)
    expect(button('Land').disabled).toBe(true)
    await show(theTask({ worktreeMissing: true, worktree: undefined, verify: { command: 'npm test', passed: false, exitCode: 1, durationMs: 2300, output: 'FAIL x.test.ts\n<b>not bold</b>' } }))
    expect(host.textContent).toContain('Worktree folder missing: flotilla/t1 is kept.')
    expect(host.textContent).toMatch(/Verify npm test: failed \(exit 1, 2\.3\s?s\)/)
    expect(host.querySelector('pre.verify-output')?.textContent).toBe('FAIL x.test.ts\n<b>not bold</b>')
    expect(host.querySelector('pre.verify-output b')).toBeNull()
    await show({ ...theTask(), workspace: undefined, result: { ...result(), isolation: 'shared', sharedReason: '/srv/app is in no git repository', branch: undefined } } as TaskView)
    expect(host.textContent).toContain('Shared folder: /srv/app is in no git repository')
    expect(host.querySelector('.result-actions')).toBeNull()
  })

  it('a task still running in its worktree says so', async () => {
    await show({ ...theTask(), state: 'running', result: undefined })
    expect(host.textContent).toContain('Works in a worktree of its own (proj, from main at 1111111): its result will be a branch.')
    expect(calls.some(([m]) => m === 'tasks.diff')).toBe(false)
  })

  it('a conflict the merge check finds is shown red, with its files', async () => {
    diffFor = () => ({ files: [], patch: TS_FILE, truncated: false, totalBytes: TS_FILE.length, merge: { into: 'main', clean: false, files: ['src/x.ts', 'b.txt'] } })
    await show(theTask())
    const note = [...host.querySelectorAll('.result-note')].find((n) => n.textContent?.startsWith('Conflicts'))
    expect(note?.textContent).toBe('Conflicts with main in src/x.ts, b.txt')
    expect(note?.classList.contains('tone-bad')).toBe(true)
  })
})

describe('the prompt bar in a repository', () => {
  let info: object

  const bar = createRef<PromptBarHandle>()
  async function showBar(): Promise<void> {
    onMethod = (method, params) => {
      if (method === 'host.info') return info
      if (method === 'tasks.submit') return (params.tasks as Array<{ prompt: string }>).map((t, i) => ({ ...theTask(), id: `n${i}`, prompt: t.prompt, result: undefined }))
      throw new Error(`unexpected ${method}`)
    }
    const services = { api: createApiClient(transport), store, createTerminal: noTerminals('no terminals here') }
    await act(async () => root.render(withServices(services, createElement(PromptBar, { onSubmitted: () => {}, handle: bar }))))
    await settle()
  }

  async function submit(text: string): Promise<Record<string, unknown>> {
    const prompt = host.querySelector('textarea[aria-label="Prompt"]') as HTMLTextAreaElement
    act(() => {
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(prompt, text)
      prompt.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await click(host.querySelector('button[type="submit"]')!)
    return (calls.filter(([m]) => m === 'tasks.submit').at(-1)![1].tasks as Array<Record<string, unknown>>)[0]
  }

  const toggle = () => [...host.querySelectorAll('label')].find((l) => l.textContent === 'Own worktree')!.querySelector('input') as HTMLInputElement

  it('sends each task to a worktree of the project folder, says where, and warns of a dirty checkout in text', async () => {
    info = { projectDir: '/home/u/proj/web', repository: { root: '/home/u/proj', branch: 'feature', dirty: true } }
    await showBar()
    expect(toggle().checked).toBe(true)
    expect(host.textContent).toContain('proj (feature)')
    expect(host.textContent).toContain('Uncommitted changes are not included')
    expect(host.querySelector('[role="dialog"]')).toBeNull()
    expect(await submit('go')).toEqual({ prompt: 'go', target: { kind: 'any' }, workspace: { repo: '/home/u/proj/web' } })
    await click(toggle())
    expect(toggle().checked).toBe(false)
    expect(localStorage.getItem(OWN_WORKTREE_KEY)).toBe('off')
    expect(host.textContent).not.toContain('Uncommitted changes are not included')
    expect(await submit('shared')).toEqual({ prompt: 'shared', target: { kind: 'any' } })
  })

  it('remembers the switch, toggles it with Alt+G in the prompt, and shows none outside a repository', async () => {
    localStorage.setItem(OWN_WORKTREE_KEY, 'off')
    info = { projectDir: '/home/u/proj', repository: { root: '/home/u/proj', branch: 'main', dirty: false } }
    await showBar()
    expect(toggle().checked).toBe(false)
    // Alt+G in the prompt is the key map's prompt.toggleWorktree, which App runs through the bar's handle.
    const prompt = host.querySelector('textarea[aria-label="Prompt"]')!
    expect(commandFor({ key: 'g', code: 'KeyG', altKey: true }, keyContext(prompt))).toEqual({ id: 'prompt.toggleWorktree' })
    act(() => bar.current!.toggleOwnWorktree())
    expect(toggle().checked).toBe(true)
    expect(localStorage.getItem(OWN_WORKTREE_KEY)).toBe('on')
    act(() => root.unmount())
    root = createRoot(host)
    info = { projectDir: '/tmp/plain' }
    await showBar()
    expect([...host.querySelectorAll('label')].some((l) => l.textContent === 'Own worktree')).toBe(false)
    expect(await submit('plain')).toEqual({ prompt: 'plain', target: { kind: 'any' } })
  })
})
