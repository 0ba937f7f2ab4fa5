// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { commandFor } from '../../core/view/keymap'
import { createApiClient } from '../../renderer/src/api/client'
import { TaskResult } from '../../renderer/src/components/TaskResult'
import { TasksView } from '../../renderer/src/components/TasksView'
import { keyContext } from '../../renderer/src/keyContext'
import { followedBy, needsNewSession, resultActions } from '../../renderer/src/results/resultFacts'
import { resultKeyFor } from '../../renderer/src/results/resultKeys'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'
import { taskResult, taskView, worktreePlan } from '../support/taskViews'

const BASE = '1'.repeat(40)
const HEAD = '2'.repeat(40)
const PLAN = worktreePlan('/home/u/proj', BASE)
const REFUSAL = "expected the task's own server for a follow-up (its session lives there), got: s1 is not configured any more. Continue on another server in a new session on flotilla/t1 (newSession); the conversation does not carry over"

const theTask = (id = 't1', extra: Partial<TaskView> = {}, result: object = {}): TaskView =>
  taskView(id, {
    prompt: `prompt of ${id}`,
    state: 'completed',
    serverId: 's1',
    workspace: PLAN,
    result: taskResult({
      text: 'done',
      files: [{ file: 'a.txt', status: 'added', additions: 1, deletions: 0 }],
      isolation: 'worktree',
      branch: `flotilla/${id}`,
      baseSha: BASE,
      headSha: HEAD,
      worktree: `/state/worktrees/${id}`,
      ...result,
    }),
    ...extra,
  })

let root: Root
let host: HTMLDivElement
let transport: FakeTransport
let store: FleetStore
let calls: Array<[string, Record<string, unknown>]>
let onMethod: (method: string, params: Record<string, unknown>) => unknown

const button = (name: string) => [...host.querySelectorAll('button')].find((b) => b.textContent === name) as HTMLButtonElement | undefined
const click = async (el: Element) => {
  act(() => (el as HTMLElement).click())
  await settle()
}
const type = (el: HTMLTextAreaElement, value: string) =>
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(el, value)
    el.dispatchEvent(new Event('input', { bubbles: true }))
  })
const services = () => ({ api: createApiClient(transport), store, createTerminal: noTerminals('no terminals here') })

beforeEach(() => {
  calls = []
  onMethod = () => {
    throw new Error('unexpected')
  }
  transport = new FakeTransport((method, params) => {
    calls.push([method, params as Record<string, unknown>])
    switch (method) {
      case 'servers.list': case 'tasks.list': case 'attention.list': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system', repositories: {} }
      case 'tasks.diff': return { files: [], patch: '', truncated: false, totalBytes: 0, merge: { into: 'main', clean: true, files: [] } }
      default: return onMethod(method, params as Record<string, unknown>)
    }
  })
  store = createFleetStore(createApiClient(transport), { schedule: (cb) => cb() })
  ;({ host, root } = mount())
})

afterEach(() => {
  unmount({ host, root })
  store.dispose()
})

describe('follow-ups: what is offered', () => {
  it('a completed result with a branch can be followed up; a running one, one with no branch or one already followed up cannot', () => {
    expect(resultActions(theTask()).followUp).toBe(true)
    expect(resultActions(theTask('t1', { state: 'failed' })).followUp).toBe('the task is failed')
    expect(resultActions(theTask('t1', {}, { branch: undefined, headSha: undefined })).followUp).toBe('the task left no branch to go on with')
    const next = theTask('t2', { workspace: { ...PLAN, continues: { taskId: 't1', folderTask: 't1', branch: 'flotilla/t1', sessionId: 'ses' } } })
    expect(followedBy(theTask(), [next, theTask()])?.id).toBe('t2')
    expect(followedBy(theTask(), [{ ...next, state: 'failed' }])).toBeUndefined()
    // The branch goes on in t2: landing t1's older head or deleting the branch under t2 is not offered.
    const actions = resultActions(theTask(), next)
    expect(actions.followUp).toMatch(/t2 already follows up/)
    expect(actions.land).toMatch(/t2 follows up on it/)
    expect(actions.discard).toMatch(/t2 follows up on it/)
    expect(actions.keep).toBe(true)
  })

  it('F is the key (also Caps Lock), only in the tasks view and never while typing or in a dialog', () => {
    expect(resultKeyFor({ key: 'f' })).toBe('followUp')
    expect(resultKeyFor({ key: 'F' })).toBe('followUp')
    expect(resultKeyFor({ key: 'f', ctrlKey: true })).toBeNull()
    const view = document.createElement('div')
    view.dataset.resultKeys = ''
    const row = document.createElement('button')
    const field = document.createElement('textarea')
    const dialog = document.createElement('div')
    dialog.setAttribute('role', 'dialog')
    const inDialog = document.createElement('button')
    dialog.append(inDialog)
    view.append(row, field, dialog)
    const elsewhere = document.createElement('button')
    document.body.append(view, elsewhere)
    expect(commandFor({ key: 'f', code: 'KeyF' }, keyContext(row))).toEqual({ id: 'result.followUp' })
    expect(commandFor({ key: 'f', code: 'KeyF' }, keyContext(document.body))).toEqual({ id: 'result.followUp' })
    expect(commandFor({ key: 'f', code: 'KeyF' }, keyContext(field))).toBeNull()
    expect(commandFor({ key: 'f', code: 'KeyF' }, keyContext(inDialog))).toBeNull()
    expect(commandFor({ key: 'f', code: 'KeyF' }, keyContext(elsewhere))).toBeNull()
    view.remove()
    elsewhere.remove()
  })

  it('knows the engine’s refusal for a server that is gone', () => {
    expect(needsNewSession(REFUSAL)).toBe(true)
    expect(needsNewSession('expected a task whose result is a branch')).toBe(false)
  })
})

describe('a follow-up from the detail', () => {
  async function show(task: TaskView, onFollowedUp: (t: TaskView) => void): Promise<void> {
    await act(async () => root.render(withServices(services(), createElement(TaskResult, { task, refreshKey: '', onKeep: () => {}, onFollowedUp }))))
    await settle()
  }

  it('opens a prompt box with the focus in it; Ctrl+Enter sends the prompt and hands the new task on', async () => {
    const created: TaskView[] = []
    onMethod = (method, params) => {
      if (method === 'tasks.followUp') return theTask('t2', { prompt: params.prompt as string, workspace: { ...PLAN, continues: { taskId: 't1', folderTask: 't1', branch: 'flotilla/t1', sessionId: 'ses' } } })
      throw new Error(`unexpected ${method}`)
    }
    await show(theTask(), (t) => created.push(t))
    const follow = button('Follow up…')!
    expect(follow.getAttribute('aria-keyshortcuts')).toBe('F')
    expect(follow.title).toContain('(F)')
    await click(follow)
    const box = host.querySelector<HTMLTextAreaElement>('textarea[aria-label="Follow-up prompt"]')!
    expect(document.activeElement).toBe(box)
    expect(host.textContent).toContain('Follow up on flotilla/t1')
    // Empty: said in the box, nothing sent.
    await click(button('Send follow-up')!)
    expect(host.querySelector('[role="alert"]')?.textContent).toContain('Write the follow-up prompt first')
    expect(calls.some(([m]) => m === 'tasks.followUp')).toBe(false)
    type(box, 'now add tests')
    act(() => void box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true })))
    await settle()
    expect(calls.filter(([m]) => m === 'tasks.followUp').map(([, p]) => p)).toEqual([{ id: 't1', prompt: 'now add tests', newSession: false }])
    expect(created.map((t) => t.id)).toEqual(['t2'])
    expect(store.getState().tasks.map((t) => t.id)).toContain('t2')
    expect(host.querySelector('textarea[aria-label="Follow-up prompt"]')).toBeNull()
  })

  it('a server that is gone: the engine’s message, then a new session on another server only when asked, saying the conversation does not carry over', async () => {
    const created: TaskView[] = []
    onMethod = (method, params) => {
      if (method !== 'tasks.followUp') throw new Error(`unexpected ${method}`)
      if (!params.newSession) throw new Error(REFUSAL)
      return theTask('t3', { workspace: { ...PLAN, continues: { taskId: 't1', folderTask: 't1', branch: 'flotilla/t1' } } })
    }
    await show(theTask(), (t) => created.push(t))
    await click(button('Follow up…')!)
    const box = host.querySelector<HTMLTextAreaElement>('textarea[aria-label="Follow-up prompt"]')!
    type(box, 'go on')
    await click(button('Send follow-up')!)
    expect(host.querySelector('[role="alert"]')?.textContent).toContain('Could not follow up: expected the task\'s own server')
    expect(host.textContent).toContain('the conversation does not carry over')
    expect(created).toEqual([])
    await click(button('Continue on another server in a new session')!)
    expect(calls.filter(([m]) => m === 'tasks.followUp').map(([, p]) => p.newSession)).toEqual([false, true])
    expect(created.map((t) => t.id)).toEqual(['t3'])
  })

  it('another refusal is shown without offering a new session; Escape closes the box and sends nothing', async () => {
    onMethod = () => {
      throw new Error('expected a task whose result is a branch, got t1')
    }
    await show(theTask(), () => {})
    await click(button('Follow up…')!)
    type(host.querySelector<HTMLTextAreaElement>('textarea[aria-label="Follow-up prompt"]')!, 'x')
    await click(button('Send follow-up')!)
    expect(host.querySelector('[role="alert"]')?.textContent).toContain('expected a task whose result is a branch')
    expect(button('Continue on another server in a new session')).toBeUndefined()
    const box = host.querySelector<HTMLTextAreaElement>('textarea[aria-label="Follow-up prompt"]')!
    act(() => void box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true })))
    await settle()
    expect(host.querySelector('textarea[aria-label="Follow-up prompt"]')).toBeNull()
    expect(calls.filter(([m]) => m === 'tasks.followUp')).toHaveLength(1)
  })
})

describe('follow-ups in the tasks view', () => {
  it('says "follow-up of" in the table and the detail, selects the new task once made, and the earlier one says where its branch went', async () => {
    const first = theTask('t1', { createdAt: 1 })
    const second = theTask('t2', { createdAt: 2, prompt: 'second', workspace: { ...PLAN, continues: { taskId: 't1', folderTask: 't1', branch: 'flotilla/t1', sessionId: 'ses' } } }, { branch: 'flotilla/t1' })
    store.apply('task.updated', first)
    store.apply('task.updated', second)
    await act(async () => root.render(withServices(services(), createElement(TasksView, { onOpenOutput: () => {} }))))
    await settle()
    const rowOf = (id: string) => host.querySelector(`button.task-select[data-task-id="${id}"]`)!.closest('tr')!
    expect(rowOf('t2').textContent).toContain('follow-up of t1')
    expect(rowOf('t1').textContent).not.toContain('follow-up of')
    await click(host.querySelector('button.task-select[data-task-id="t2"]')!)
    expect(host.querySelector('.follow-up-of')?.textContent).toContain('Follow-up of task t1 “prompt of t1” on flotilla/t1, in its session')
    // The link goes to the earlier task, which says its branch goes on in t2 and offers no landing of its older head.
    await click(host.querySelector('.follow-up-of button')!)
    expect(host.querySelector('section[aria-label="Task t1"]')?.textContent).toContain('Followed up by task t2 (completed)')
    expect(button('Land')!.disabled).toBe(true)
    expect(button('Follow up…')!.disabled).toBe(true)
  })
})
