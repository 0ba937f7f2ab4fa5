// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CompareEntry, TaskView } from '../../core/contract/tasks'
import { createApiClient } from '../../renderer/src/api/client'
import { TasksView } from '../../renderer/src/components/TasksView'
import { compareGroupOf, groupCost, othersToDiscard } from '../../renderer/src/results/compareGroups'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'
import { taskResult, taskView, worktreePlan } from '../support/taskViews'

// One prompt's attempts side by side in the tasks view: the group, its ranking from tasks.compare,
// each one click from its detail, and "land this one, discard the others" in one confirmed action.
const SHA = (n: number) => String(n).repeat(40).slice(0, 40)
const PLAN = worktreePlan('/r', SHA(1))
const t = (id: string, createdAt: number, extra: Partial<TaskView> = {}, result: object = {}): TaskView =>
  taskView(id, {
    batchId: 'b1', prompt: 'make it faster', state: 'completed', createdAt, serverId: `s-${id}`, workspace: PLAN,
    result: taskResult({ tokens: { input: 1, output: 1, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, cost: 0.25, durationMs: 1000, files: [{ file: 'a.txt', additions: 1, deletions: 0 }], isolation: 'worktree', branch: `flotilla/${id}`, baseSha: SHA(1), headSha: SHA(createdAt + 1), ...result }),
    ...extra,
  })
const entry = (taskId: string, rank: number, reason: string): CompareEntry => ({ taskId, rank, reason, state: 'completed', serverId: `s-${taskId}`, tokens: 2, cost: 0.25, durationMs: 1000, diffLines: 1, files: 1, verify: rank === 1 ? 'passed' : 'failed', merges: true })

describe('compare groups', () => {
  it('are the attempts at one prompt of one submit, in submit order; other prompts and submits are not in it', () => {
    const tasks = [t('c', 4), t('a', 2), t('b', 3), t('other', 5, { prompt: 'another question' }), t('elsewhere', 6, { batchId: 'b2' })]
    expect(compareGroupOf(tasks[0]!, tasks).map((x) => x.id)).toEqual(['a', 'b', 'c'])
    expect(compareGroupOf(tasks[3]!, tasks)).toEqual([])
    expect(compareGroupOf(t('x', 1, { batchId: undefined }), tasks)).toEqual([])
    expect(groupCost(tasks.slice(0, 3))).toBe(0.75)
    // Landing one leaves the others with a result to discard: not one already discarded, landed, or that failed.
    expect(othersToDiscard('a', [t('a', 2), t('b', 3), t('c', 4, {}, { discarded: true }), t('d', 5, { state: 'failed' })]).map((x) => x.id)).toEqual(['b'])
  })
})

let root: Root
let host: HTMLDivElement
let store: FleetStore
let calls: Array<[string, unknown]>


beforeEach(() => {
  calls = []
  const transport = new FakeTransport((method, params) => {
    calls.push([method, params])
    switch (method) {
      case 'servers.list': case 'tasks.list': case 'attention.list': case 'tasks.conflicts': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system', repositories: {} }
      case 'tasks.diff': return { files: [], patch: '', truncated: false, totalBytes: 0 }
      case 'tasks.compare': return { rule: 'changed something, verify passed, …', entries: [entry('b', 1, 'best (#2: verify failed)'), entry('a', 2, "below #1: verify failed, #1's passed")] }
      case 'tasks.land': return t('b', 3, {}, { land: { status: 'landed', into: 'main' } })
      case 'tasks.discard': return t('a', 2, {}, { discarded: true })
      default: throw new Error(`unexpected ${method}`)
    }
  })
  store = createFleetStore(createApiClient(transport), { schedule: (cb) => cb() })
  ;({ host, root } = mount())
  act(() => root.render(withServices({ api: createApiClient(transport), store, createTerminal: noTerminals() }, createElement(TasksView, { onOpenOutput: () => {} }))))
})
afterEach(() => {
  unmount({ host, root })
  store.dispose()
})

const button = (text: string) => [...host.querySelectorAll('button')].find((b) => b.textContent?.includes(text)) as HTMLButtonElement | undefined

describe('the compare view', () => {
  it('opens from an attempt, shows the ranking with the rule and reasons, opens an attempt, and lands one while discarding the other after a confirmation', async () => {
    act(() => store.apply('task.updated', t('a', 2)))
    act(() => store.apply('task.updated', t('b', 3)))
    act(() => (host.querySelector('button.task-select[data-task-id="a"]') as HTMLButtonElement).click())
    await settle()
    act(() => button('Compare the 2 attempts')!.click())
    await settle()
    expect(calls.filter(([m]) => m === 'tasks.compare').map(([, p]) => p)).toEqual([{ ids: ['a', 'b'] }])
    const rows = [...host.querySelectorAll('.compare-table tbody tr')]
    expect(rows.map((r) => r.getAttribute('data-task-id'))).toEqual(['b', 'a'])
    expect(host.querySelector('.compare-view')?.textContent).toContain('Ranked by: changed something, verify passed')
    expect(rows[1]!.textContent).toContain("below #1: verify failed, #1's passed")
    expect(host.querySelector('.compare-view')?.textContent).toContain('Cost so far $0.50')
    // Nothing lands without the confirmation; Cancel has the focus.
    act(() => (rows[0]!.querySelector('button[aria-label="Land attempt b and discard the others"]') as HTMLButtonElement).click())
    expect(document.activeElement?.textContent).toBe('Cancel')
    expect(calls.some(([m]) => m === 'tasks.land')).toBe(false)
    act(() => button('Land and discard')!.click())
    await settle()
    expect(calls.filter(([m]) => m === 'tasks.land' || m === 'tasks.discard')).toEqual([['tasks.land', { id: 'b' }], ['tasks.discard', { id: 'a' }]])
    // Enter on a row opens that attempt's own detail.
    act(() => rows[1]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })))
    await settle()
    expect(host.querySelector('.compare-view')).toBeNull()
    expect(host.querySelector('section[aria-label="Task a"]')).not.toBeNull()
  })

  it('offers no comparison for a task alone with its prompt', async () => {
    act(() => store.apply('task.updated', t('a', 2)))
    act(() => store.apply('task.updated', t('z', 3, { prompt: 'something else' })))
    act(() => (host.querySelector('button.task-select[data-task-id="a"]') as HTMLButtonElement).click())
    await settle()
    expect(button('Compare the')).toBeUndefined()
  })
})
