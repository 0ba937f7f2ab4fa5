// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { gridShape, initialLayout, layoutReducer, type LayoutAction, type LayoutState } from '../../renderer/src/grid/layout'

const task = (taskId: string) => ({ kind: 'task' as const, taskId })
const server = (serverId: string) => ({ kind: 'server' as const, serverId })
const run = (state: LayoutState, ...actions: LayoutAction[]) => actions.reduce(layoutReducer, state)
const ids = (state: LayoutState) => state.panes.map((p) => p.id)
const withPanes = (n: number, limit = 16) => run(initialLayout(limit), ...Array.from({ length: n }, (_, i) => ({ type: 'add', source: task(`t${i + 1}`) }) as LayoutAction))

describe('layout reducer', () => {
  it('adds panes in order; the first becomes focused; adding an open pane only focuses it', () => {
    let s = run(initialLayout(4), { type: 'add', source: server('a') }, { type: 'add', source: task('t1') })
    expect(ids(s)).toEqual(['server:a', 'task:t1'])
    expect(s.focusedId).toBe('server:a')
    s = run(s, { type: 'add', source: task('t1'), focus: true })
    expect(ids(s)).toEqual(['server:a', 'task:t1'])
    expect(s.focusedId).toBe('task:t1')
  })

  it('a numbered shell is one more shell; the server shell opens once', () => {
    const s = run(
      initialLayout(16),
      { type: 'add', source: { kind: 'shell', serverId: 'a' } },
      { type: 'add', source: { kind: 'shell', serverId: 'a' } },
      { type: 'add', source: { kind: 'shell', n: 1 } },
      { type: 'add', source: { kind: 'shell', n: 2 } },
    )
    expect(ids(s)).toEqual(['shell:a', 'shell::1', 'shell::2'])
  })

  it('at the limit, a new pane starts a new grid page instead of replacing one (issue 12)', () => {
    let s = withPanes(3, 3)
    s = run(s, { type: 'focus', id: 'task:t1' }, { type: 'add', source: task('t4'), evictable: ['task:t1', 'task:t2'] })
    expect(ids(s)).toEqual(['task:t1', 'task:t2', 'task:t3', 'task:t4'])
    expect(s.page).toBe(0)
    expect(s.focusedId).toBe('task:t1')
  })

  it('removing the focused pane focuses its neighbour and clears a zoom on it', () => {
    let s = run(withPanes(3), { type: 'jump', n: 2 }, { type: 'zoom' })
    expect(s.zoomedId).toBe('task:t2')
    s = run(s, { type: 'remove', id: 'task:t2' })
    expect(ids(s)).toEqual(['task:t1', 'task:t3'])
    expect(s.focusedId).toBe('task:t3')
    expect(s.zoomedId).toBeNull()
    s = run(s, { type: 'remove', id: 'task:t3' }, { type: 'remove', id: 'task:t1' })
    expect(s.focusedId).toBeNull()
  })

  it('focus next/prev wrap around and ask for keyboard focus', () => {
    let s = withPanes(3)
    const seq = s.focusSeq
    s = run(s, { type: 'focusPrev' })
    expect(s.focusedId).toBe('task:t3')
    expect(s.focusSeq).toBe(seq + 1)
    s = run(s, { type: 'focusNext' }, { type: 'focusNext' })
    expect(s.focusedId).toBe('task:t2')
  })

  it('jumps to pane N, ignoring numbers past the last pane', () => {
    let s = run(withPanes(3), { type: 'jump', n: 3 })
    expect(s.focusedId).toBe('task:t3')
    s = run(s, { type: 'jump', n: 9 })
    expect(s.focusedId).toBe('task:t3')
  })

  it('zoom toggles; moving focus while zoomed moves the zoom', () => {
    let s = run(withPanes(3), { type: 'zoom' })
    expect(s.zoomedId).toBe('task:t1')
    s = run(s, { type: 'focusNext' })
    expect(s.zoomedId).toBe('task:t2')
    s = run(s, { type: 'zoom' })
    expect(s.zoomedId).toBeNull()
    expect(run(initialLayout(), { type: 'zoom' })).toEqual(initialLayout())
  })

  it('swaps two panes, or the focused one with its neighbour (wrapping)', () => {
    let s = run(withPanes(3), { type: 'swap', a: 'task:t1', b: 'task:t3' })
    expect(ids(s)).toEqual(['task:t3', 'task:t2', 'task:t1'])
    s = run(s, { type: 'focus', id: 'task:t3' }, { type: 'swapPrev' })
    expect(ids(s)).toEqual(['task:t1', 'task:t2', 'task:t3'])
    expect(s.focusedId).toBe('task:t3')
    s = run(s, { type: 'swapNext' })
    expect(ids(s)).toEqual(['task:t3', 'task:t2', 'task:t1'])
  })

  it('clamps the limit to 1-16; shrinking pages the panes again, closing none, showing the focused one', () => {
    expect(run(initialLayout(), { type: 'setLimit', limit: 99 }).limit).toBe(16)
    expect(run(initialLayout(), { type: 'setLimit', limit: 0 }).limit).toBe(1)
    let s = run(withPanes(6), { type: 'jump', n: 5 }, { type: 'setLimit', limit: 2 })
    expect(ids(s)).toEqual(['task:t1', 'task:t2', 'task:t3', 'task:t4', 'task:t5', 'task:t6'])
    expect(s.focusedId).toBe('task:t5')
    expect(s.page).toBe(2)
    s = run(withPanes(16), { type: 'add', source: task('t17') })
    expect(s.panes).toHaveLength(17)
  })

  it('lays out 1-16 panes as near-square grids', () => {
    expect(gridShape(0)).toEqual({ columns: 1, rows: 1 })
    expect(gridShape(1)).toEqual({ columns: 1, rows: 1 })
    expect(gridShape(2)).toEqual({ columns: 2, rows: 1 })
    expect(gridShape(4)).toEqual({ columns: 2, rows: 2 })
    expect(gridShape(5)).toEqual({ columns: 3, rows: 2 })
    expect(gridShape(9)).toEqual({ columns: 3, rows: 3 })
    expect(gridShape(16)).toEqual({ columns: 4, rows: 4 })
  })
})
