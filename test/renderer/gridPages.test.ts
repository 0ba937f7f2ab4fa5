// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { initialLayout, layoutReducer, MAX_OPEN_PANES, pageCount, visiblePanes, type LayoutAction, type LayoutState } from '../../renderer/src/grid/layout'

const task = (taskId: string) => ({ kind: 'task' as const, taskId })
const run = (state: LayoutState, ...actions: LayoutAction[]) => actions.reduce(layoutReducer, state)
const ids = (panes: Array<{ id: string }>) => panes.map((p) => p.id)
const auto = (n: number, from = 1): LayoutAction[] => Array.from({ length: n }, (_, i) => ({ type: 'add', source: task(`t${from + i}`), evictable: [] }))

describe('grid pages (issue 12)', () => {
  it('keeps submit order across pages: task 1 is pane 1 of page 1, task 5 pane 1 of page 2', () => {
    const s = run(initialLayout(4), ...auto(6))
    expect(pageCount(s)).toBe(2)
    expect(s.page).toBe(0)
    expect(ids(visiblePanes(s))).toEqual(['task:t1', 'task:t2', 'task:t3', 'task:t4'])
    expect(ids(visiblePanes(run(s, { type: 'page', page: 1 })))).toEqual(['task:t5', 'task:t6'])
  })

  it('a pane the user opens on a full page goes to the next page and is shown there; none is replaced', () => {
    let s = run(initialLayout(4), ...auto(4))
    s = run(s, { type: 'add', source: { kind: 'shell', n: 1 }, focus: true })
    expect(s.panes).toHaveLength(5)
    expect(s.page).toBe(1)
    expect(s.focusedId).toBe('shell::1')
    // Another shell right after it: the one just opened stays.
    s = run(s, { type: 'add', source: { kind: 'shell', n: 2 }, focus: true })
    expect(ids(visiblePanes(s))).toEqual(['shell::1', 'shell::2'])
  })

  it('automatic panes never move the user off the page they are looking at', () => {
    let s = run(initialLayout(2), ...auto(2), { type: 'focus', id: 'task:t2' })
    s = run(s, ...auto(3, 3))
    expect(s.page).toBe(0)
    expect(s.focusedId).toBe('task:t2')
    expect(pageCount(s)).toBe(3)
  })

  it('focus next/prev cross pages and the page follows; jump N is pane N of the page on screen', () => {
    let s = run(initialLayout(2), ...auto(3), { type: 'focus', id: 'task:t2' }, { type: 'focusNext' })
    expect(s.focusedId).toBe('task:t3')
    expect(s.page).toBe(1)
    s = run(s, { type: 'jump', n: 1 })
    expect(s.focusedId).toBe('task:t3')
    s = run(s, { type: 'focusNext' })
    expect(s.page).toBe(0)
    expect(s.focusedId).toBe('task:t1')
  })

  it('closing the last pane of the last page goes back a page', () => {
    let s = run(initialLayout(2), ...auto(3), { type: 'page', page: 1 })
    expect(s.focusedId).toBe('task:t3')
    s = run(s, { type: 'remove', id: 'task:t3' })
    expect(s.page).toBe(0)
    expect(s.focusedId).toBe('task:t2')
  })

  it('a page change out of range is clamped and clears a zoom', () => {
    let s = run(initialLayout(2), ...auto(3), { type: 'zoom', id: 'task:t1' })
    s = run(s, { type: 'page', page: 9 })
    expect(s.page).toBe(1)
    expect(s.zoomedId).toBeNull()
  })

  it(`at ${MAX_OPEN_PANES} open panes only an automatic, finished pane out of sight closes for a new one; user panes never`, () => {
    let s = run(initialLayout(16), { type: 'add', source: { kind: 'shell', n: 99 }, focus: true }, ...auto(MAX_OPEN_PANES - 1))
    expect(s.panes).toHaveLength(MAX_OPEN_PANES)
    const offScreen = 'task:t20'
    // The shell (opened by the user) and on-screen panes are offered but refused.
    s = run(s, { type: 'add', source: task('new1'), evictable: ['shell::99', 'task:t1', offScreen] })
    expect(ids(s.panes)).not.toContain(offScreen)
    expect(ids(s.panes)).toContain('shell::99')
    expect(ids(s.panes)).toContain('task:t1')
    expect(ids(s.panes).at(-1)).toBe('task:new1')
    const before = ids(s.panes)
    s = run(s, { type: 'add', source: task('new2'), evictable: ['shell::99', 'task:t1'] })
    expect(ids(s.panes)).toEqual(before)
  })
})
