// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { createApiClient } from '../../renderer/src/api/client'
import { TasksView } from '../../renderer/src/components/TasksView'
import { conflictBatches, conflictsByTask } from '../../renderer/src/results/batchConflicts'
import { createFleetStore, type FleetStore } from '../../renderer/src/state/store'
import { FakeTransport } from '../support/fakeTransport'
import { mount, noTerminals, settle, unmount, withServices } from './render'
import { taskResult, taskView, worktreePlan } from '../support/taskViews'

const SHA = (n: number) => String(n).repeat(40).slice(0, 40)
const PLAN = worktreePlan('/r', SHA(1))

const t = (id: string, createdAt: number, extra: Partial<TaskView> = {}, result: object = {}): TaskView =>
  taskView(id, {
    batchId: 'b1',
    prompt: `prompt ${id}`,
    state: 'completed',
    createdAt,
    workspace: PLAN,
    result: taskResult({ isolation: 'worktree', branch: `flotilla/${id}`, baseSha: SHA(1), headSha: SHA(createdAt + 1), ...result }),
    ...extra,
  })

describe('which results of one submit are compared', () => {
  it('two or more completed results with commits of one batch, oldest first; none of it landed', () => {
    expect(conflictBatches([t('b', 3), t('a', 2)])).toEqual([{ batchId: 'b1', ids: ['a', 'b'], key: `a:${SHA(3)},b:${SHA(4)}` }])
    // One result is not a pair; running, no changes, discarded, shared and other batches do not count.
    expect(conflictBatches([t('a', 2), t('b', 3, { state: 'running' })])).toEqual([])
    expect(conflictBatches([t('a', 2), t('b', 3, {}, { headSha: undefined })])).toEqual([])
    expect(conflictBatches([t('a', 2), t('b', 3, {}, { discarded: true })])).toEqual([])
    expect(conflictBatches([t('a', 2), t('b', 3, {}, { isolation: 'shared' })])).toEqual([])
    expect(conflictBatches([t('a', 2), t('b', 3, { batchId: 'b2' })])).toEqual([])
    expect(conflictBatches([t('a', 2), t('b', 3, { batchId: undefined })])).toEqual([])
    // Once one of the submit landed, the merge check against the target says it instead.
    expect(conflictBatches([t('a', 2), t('b', 3), t('c', 4, {}, { land: { status: 'landed', into: 'main' } })])).toEqual([])
    // A new head (a follow-up's commit recorded, a retry) changes the key: asked again.
    expect(conflictBatches([t('a', 2), t('b', 3, {}, { headSha: SHA(9) })])[0]!.key).toBe(`a:${SHA(3)},b:${SHA(9)}`)
  })

  it('files each pair, both ways', () => {
    const map = conflictsByTask([{ a: 'a', b: 'b', files: ['x.txt'] }, { a: 'a', b: 'c', files: ['y.txt'] }])
    expect(map.get('a')).toEqual([{ otherId: 'b', files: ['x.txt'] }, { otherId: 'c', files: ['y.txt'] }])
    expect(map.get('b')).toEqual([{ otherId: 'a', files: ['x.txt'] }])
    expect(map.get('d')).toBeUndefined()
  })
})

let root: Root
let host: HTMLDivElement
let store: FleetStore
let asked: string[][]
let pairs: Array<{ a: string; b: string; files: string[] }>


beforeEach(() => {
  asked = []
  pairs = [{ a: 'a', b: 'b', files: ['a.txt'] }]
  const transport = new FakeTransport((method, params) => {
    switch (method) {
      case 'servers.list': case 'tasks.list': case 'attention.list': return []
      case 'scheduler.get': return { strategy: 'least-loaded' }
      case 'settings.get': return { version: 1, strategy: 'least-loaded', servers: [], maxAttempts: 3, theme: 'system', repositories: {} }
      case 'tasks.diff': return { files: [], patch: '', truncated: false, totalBytes: 0, merge: { into: 'main', clean: true, files: [] } }
      case 'tasks.conflicts': {
        asked.push((params as { ids: string[] }).ids)
        return pairs
      }
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

const rowOf = (id: string) => host.querySelector(`button.task-select[data-task-id="${id}"]`)!.closest('tr')!

describe('conflicts between results of one submit, in the tasks view', () => {
  it('asks once both are done, marks both rows and says it in each detail; asks again when one changes; drops it once one lands', async () => {
    act(() => store.apply('task.updated', t('a', 2)))
    act(() => store.apply('task.updated', t('b', 3, { state: 'running' }, { headSha: undefined })))
    await settle()
    expect(asked).toEqual([])
    act(() => store.apply('task.updated', t('b', 3)))
    await settle()
    expect(asked).toEqual([['a', 'b']])
    expect(rowOf('a').textContent).toContain('⚠ conflicts with b')
    expect(rowOf('b').textContent).toContain('⚠ conflicts with a')
    act(() => (host.querySelector('button.task-select[data-task-id="a"]') as HTMLButtonElement).click())
    await settle()
    expect(host.querySelector('section[aria-label="Task a"]')?.textContent).toContain('Would conflict with task b “prompt b” in a.txt: landing one makes the other conflict.')
    // The same push again asks nothing; a new head does.
    act(() => store.apply('task.updated', t('b', 3)))
    await settle()
    expect(asked).toHaveLength(1)
    pairs = []
    act(() => store.apply('task.updated', t('b', 3, {}, { headSha: SHA(8) })))
    await settle()
    expect(asked).toHaveLength(2)
    expect(rowOf('a').textContent).not.toContain('conflicts with')
    expect(host.textContent).not.toContain('Would conflict with')
    pairs = [{ a: 'a', b: 'b', files: ['a.txt'] }]
    act(() => store.apply('task.updated', t('b', 3, {}, { headSha: SHA(7) })))
    await settle()
    expect(rowOf('a').textContent).toContain('⚠ conflicts with b')
    act(() => store.apply('task.updated', t('b', 3, {}, { headSha: SHA(7), land: { status: 'landed', into: 'main' } })))
    await settle()
    expect(asked).toHaveLength(3)
    expect(rowOf('a').textContent).not.toContain('conflicts with')
    expect(host.textContent).not.toContain('Would conflict with')
  })
})
