import { describe, expect, it } from 'vitest'
import { createWriteCadence, type Timers } from '../../renderer/src/terminal/writeCadence'

/** Timers run by hand: `tick()` fires what is due. */
function manualTimers() {
  let now = 0
  const due = new Map<number, { at: number; fn: () => void }>()
  let seq = 0
  const timers: Timers = {
    setTimeout: (fn, ms) => (due.set(++seq, { at: now + ms, fn }), seq),
    clearTimeout: (h) => void due.delete(h as number),
  }
  const tick = (ms: number) => {
    now += ms
    for (const [id, t] of [...due]) if (t.at <= now) (due.delete(id), t.fn())
  }
  return { timers, tick, pending: () => due.size }
}

function harness(delay: number) {
  const writes: string[] = []
  const finish: Array<() => void> = []
  const clock = manualTimers()
  const cadence = createWriteCadence((data, done) => (writes.push(data), finish.push(done)), clock.timers)
  cadence.setDelay(delay)
  const done: string[] = []
  return { cadence, writes, finish, clock, done, cb: (name: string) => () => done.push(name) }
}

describe('write cadence', () => {
  it('writes straight through while live', () => {
    const h = harness(0)
    h.cadence.write('a', h.cb('a'))
    h.cadence.write('b', h.cb('b'))
    expect(h.writes).toEqual(['a', 'b'])
    expect(h.clock.pending()).toBe(0)
  })

  it('in the background, batches writes into one per period and runs every callback in order', () => {
    const h = harness(100)
    h.cadence.write('a', h.cb('a'))
    h.cadence.write('b', h.cb('b'))
    h.clock.tick(99)
    expect(h.writes).toEqual([])
    h.clock.tick(1)
    expect(h.writes).toEqual(['ab'])
    expect(h.done).toEqual([])
    h.finish[0]!()
    expect(h.done).toEqual(['a', 'b'])
    h.cadence.write('c', h.cb('c'))
    h.clock.tick(100)
    expect(h.writes).toEqual(['ab', 'c'])
  })

  it('going live flushes what waits at once, then writes straight through', () => {
    const h = harness(100)
    h.cadence.write('a', h.cb('a'))
    h.cadence.setDelay(0)
    expect(h.writes).toEqual(['a'])
    expect(h.clock.pending()).toBe(0)
    h.cadence.write('b', h.cb('b'))
    expect(h.writes).toEqual(['a', 'b'])
  })

  it('discards what waits (a reset) and keeps working after', () => {
    const h = harness(100)
    h.cadence.write('old', h.cb('old'))
    h.cadence.discard()
    h.clock.tick(200)
    expect(h.writes).toEqual([])
    h.cadence.write('new', h.cb('new'))
    h.clock.tick(100)
    expect(h.writes).toEqual(['new'])
  })
})
