// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { FlowControl } from '../../renderer/src/terminal/flowControl'

/** A sink that parses only when told to, like a busy xterm. */
function slowSink() {
  const written: string[] = []
  const callbacks: Array<() => void> = []
  return {
    written,
    sink: { write: (data: string, done: () => void) => (written.push(data), callbacks.push(done)) },
    /** Completes the oldest `n` writes. */
    complete: (n = callbacks.length) => callbacks.splice(0, n).forEach((cb) => cb()),
  }
}

const kb = (n: number) => 'x'.repeat(n * 1024)

describe('flow control', () => {
  it('writes straight through below the high watermark', () => {
    const s = slowSink()
    const flow = new FlowControl(s.sink, { highWatermark: 100 * 1024, lowWatermark: 10 * 1024 })
    flow.push('a')
    flow.push('b')
    expect(s.written).toEqual(['a', 'b'])
    expect(flow.pending).toBe(2)
    s.complete()
    expect(flow.pending).toBe(0)
  })

  it('pauses above the high watermark and resumes only below the low one', () => {
    const s = slowSink()
    const flow = new FlowControl(s.sink, { highWatermark: 100 * 1024, lowWatermark: 20 * 1024 })
    for (let i = 0; i < 10; i++) flow.push(kb(20))
    expect(flow.paused).toBe(true)
    expect(s.written).toHaveLength(5) // 5 × 20 KB reaches 100 KB
    expect(flow.buffered).toBe(5 * 20 * 1024)
    s.complete(3) // 40 KB still pending: above the low mark
    expect(s.written).toHaveLength(5)
    s.complete(1) // 20 KB pending: at the low mark, feeding resumes
    expect(flow.paused).toBe(true) // and pauses again once 100 KB are pending
    expect(s.written).toHaveLength(9)
    s.complete()
    expect(s.written.join('')).toBe(kb(20).repeat(10))
    expect(flow.buffered).toBe(0)
  })

  it('never lets the high watermark exceed 500 KB', () => {
    const s = slowSink()
    const flow = new FlowControl(s.sink, { highWatermark: 10 * 1024 * 1024 })
    for (let i = 0; i < 100; i++) flow.push(kb(10))
    expect(flow.pending).toBeLessThanOrEqual(510 * 1024)
    expect(flow.paused).toBe(true)
  })

  it('bounds what it holds: drops the oldest and says so in the pane', () => {
    const s = slowSink()
    const flow = new FlowControl(s.sink, { highWatermark: 1024, lowWatermark: 0, maxHeld: 4 * 1024, dropMarker: (n) => `[${n} dropped]` })
    flow.push(kb(1)) // written; pending at the high mark
    for (let i = 0; i < 10; i++) flow.push(`${i}`.repeat(1024))
    expect(flow.buffered).toBeLessThanOrEqual(4 * 1024)
    expect(flow.droppedTotal).toBe(6 * 1024)
    s.complete()
    expect(s.written[1]).toBe(`[${6 * 1024} dropped]` + '6'.repeat(1024))
    s.complete()
    s.complete()
    s.complete()
    expect(s.written.slice(2)).toEqual(['7'.repeat(1024), '8'.repeat(1024), '9'.repeat(1024)])
  })

  it('reset forgets held text and ignores callbacks of writes before it', () => {
    const s = slowSink()
    const flow = new FlowControl(s.sink, { highWatermark: 1024, lowWatermark: 0 })
    flow.push(kb(2))
    flow.push('held')
    flow.reset()
    expect(flow.buffered).toBe(0)
    expect(flow.pending).toBe(0)
    flow.push('fresh')
    s.complete(1) // the old write's callback: must not make pending negative
    expect(flow.pending).toBe(5)
    expect(s.written).toEqual([kb(2), 'fresh'])
  })

  it('reports each pushed text done exactly once: parsed, dropped or forgotten', () => {
    const s = slowSink()
    const flow = new FlowControl(s.sink, { highWatermark: 1024, lowWatermark: 0, maxHeld: 2 * 1024 })
    const done: string[] = []
    const push = (name: string, size: number) => flow.push('x'.repeat(size), () => done.push(name))
    push('written', 1024)
    push('dropped', 1024)
    push('held', 1024)
    push('held too', 1024) // holding 3 KB > 2 KB: the oldest held text goes
    expect(done).toEqual(['dropped'])
    s.complete(1) // the sink parsed the first write; the held two are fed
    expect(done).toEqual(['dropped', 'written'])
    flow.reset() // both in flight, their text forgotten: the sender still gets its credit back
    expect(done.sort()).toEqual(['dropped', 'held', 'held too', 'written'])
    s.complete() // late callbacks of forgotten writes count nothing twice
    expect(done).toHaveLength(4)
    flow.push('', () => done.push('empty'))
    expect(done).toHaveLength(5)
  })

  it('copes with a sink that calls back at once', () => {
    const written: string[] = []
    const flow = new FlowControl({ write: (d, done) => (written.push(d), done()) }, { highWatermark: 10 })
    for (let i = 0; i < 100; i++) flow.push('0123456789abc')
    expect(written).toHaveLength(100)
    expect(flow.pending).toBe(0)
  })
})
