import { describe, expect, it } from 'vitest'
import { leastLoaded, load, random, roundRobin, strategies, type Candidate, type PickContext, type Strategy } from '../../core/scheduler/strategies'
import { mulberry32 } from '../support/random'

const idle = (id: string, capacity = 1): Candidate => ({ id, running: 0, capacity })

/**
 * Picks `n` times the way the scheduler does: each pick's id becomes the next lastPicked.
 * `eligible` = the live servers (default: all of `order`); candidates = those with a free slot.
 */
function pickMany(
  strategy: Strategy,
  n: number,
  candidatesAt: (i: number) => Candidate[],
  order: string[],
  rnd = mulberry32(1),
  eligible: string[] = order,
): string[] {
  const picks: string[] = []
  let lastPicked: string | undefined
  for (let i = 0; i < n; i++) {
    const pick = strategy(candidatesAt(i), { order, eligible, lastPicked, random: rnd })
    if (!pick) throw new Error(`pick ${i}: strategy chose to wait`)
    picks.push(pick.id)
    lastPicked = pick.id
  }
  return picks
}

function counts(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const id of ids) out[id] = (out[id] ?? 0) + 1
  return out
}

describe('roundRobin', () => {
  it('is exactly fair: 9000 picks over 3 servers give 3000 each, in rotation', () => {
    const order = ['a', 'b', 'c']
    const picks = pickMany(roundRobin, 9000, () => order.map((id) => idle(id)), order)
    expect(counts(picks)).toEqual({ a: 3000, b: 3000, c: 3000 })
    // Not just balanced in total: strictly a, b, c, a, b, c, ...
    picks.forEach((id, i) => expect(id).toBe(order[i % 3]))
  })

  it('is strict: when the server whose turn it is has no free slot, it waits for it', () => {
    const order = ['a', 'b', 'c', 'd']
    const ctx = (lastPicked?: string, eligible = order): PickContext => ({ order, eligible, lastPicked, random: () => 0 })
    expect(roundRobin([idle('a'), idle('d')], ctx('b'))).toBeUndefined() // c's turn, c is full: wait
    expect(roundRobin([idle('a'), idle('c'), idle('d')], ctx('b'))?.id).toBe('c')
    expect(roundRobin([idle('a'), idle('c')], ctx('d'))?.id).toBe('a') // wraps around
    expect(roundRobin([idle('b'), idle('c')], ctx(undefined))).toBeUndefined() // no history: a first
    expect(roundRobin([idle('b'), idle('c')], ctx(undefined, ['b', 'c', 'd']))?.id).toBe('b')
  })

  it('skips servers that are not live (not eligible): the others share exactly', () => {
    const order = ['a', 'b', 'c', 'd']
    // c is down (restarting): the rotation goes a, b, d.
    const picks = pickMany(roundRobin, 9000, () => ['a', 'b', 'd'].map((id) => idle(id)), order, mulberry32(1), ['a', 'b', 'd'])
    expect(counts(picks)).toEqual({ a: 3000, b: 3000, d: 3000 })
    picks.slice(0, 6).forEach((id, i) => expect(id).toBe(['a', 'b', 'd'][i % 3]))
  })

  it('keeps its place in fleet order when the last pick leaves the rotation', () => {
    const order = ['a', 'b', 'c']
    // b was picked last and then died: c is next, not a.
    expect(roundRobin([idle('a'), idle('c')], { order, eligible: ['a', 'c'], lastPicked: 'b', random: () => 0 })?.id).toBe('c')
  })
})

describe('random', () => {
  /** Pearson chi-square statistic against a uniform distribution. */
  function chiSquare(observed: number[]): number {
    const total = observed.reduce((a, b) => a + b, 0)
    const expected = total / observed.length
    return observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0)
  }
  // Critical values at p = 0.001: a correct implementation fails this 1 time in 1000 seeds.
  const CRITICAL = { 2: 13.82, 6: 22.46 } as Record<number, number>

  for (const n of [3, 7]) {
    it(`is uniform over ${n} candidates (30,000 picks, chi-square and ±5% per bucket)`, () => {
      const ids = Array.from({ length: n }, (_, i) => `s${i}`)
      const picks = pickMany(random, 30_000, () => ids.map((id) => idle(id)), ids, mulberry32(0xc0ffee + n))
      const c = counts(picks)
      const observed = ids.map((id) => c[id] ?? 0)
      expect(observed.reduce((a, b) => a + b)).toBe(30_000)
      for (const o of observed) expect(Math.abs(o - 30_000 / n) / (30_000 / n)).toBeLessThan(0.05)
      expect(chiSquare(observed)).toBeLessThan(CRITICAL[n - 1]!)
    })
  }

  it('maps the ends of [0, 1) to the first and last candidate, and never goes out of range', () => {
    const cands = [idle('a'), idle('b'), idle('c')]
    const at = (r: number) => random(cands, { order: ['a', 'b', 'c'], eligible: ['a', 'b', 'c'], random: () => r })!.id
    expect(at(0)).toBe('a')
    expect(at(0.34)).toBe('b')
    expect(at(0.9999999999)).toBe('c')
    expect(at(1)).toBe('c') // an out-of-contract 1.0 is clamped, not undefined
  })
})

describe('leastLoaded', () => {
  /** Exact load comparison in integers (a/b < c/d  ⇔  a·d < c·b), independent of the float code under test. */
  const cmp = (x: Candidate, y: Candidate) => (x.running + (x.externalBusy ?? 0)) * y.capacity - (y.running + (y.externalBusy ?? 0)) * x.capacity

  it('never picks a server with a higher load than another candidate (2,000 random fleets)', () => {
    const rnd = mulberry32(42)
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
    for (let round = 0; round < 2_000; round++) {
      const order = Array.from({ length: int(1, 8) }, (_, i) => `s${i}`)
      const candidates = order
        .filter(() => rnd() < 0.8)
        .map((id) => {
          const capacity = int(1, 6)
          return { id, capacity, running: int(0, capacity - 1), externalBusy: rnd() < 0.5 ? int(0, 4) : undefined }
        })
      if (candidates.length === 0) continue
      const lastPicked = rnd() < 0.7 ? order[int(0, order.length - 1)] : undefined
      const pick = leastLoaded(candidates, { order, eligible: order, lastPicked, random: rnd })!
      expect(candidates).toContain(pick)
      for (const other of candidates) expect(cmp(pick, other), `${JSON.stringify(pick)} vs ${JSON.stringify(other)}`).toBeLessThanOrEqual(0)
      // Among the least loaded, it must be the next one in rotation after lastPicked.
      const tied = candidates.filter((c) => cmp(c, pick) === 0)
      const ids = tied.map((c) => c.id)
      expect(pick.id).toBe(roundRobin(tied, { order, eligible: ids, lastPicked, random: rnd })!.id)
    }
  })

  it('counts busy sessions it did not start (externalBusy) as load', () => {
    const order = ['a', 'b']
    const a = { id: 'a', running: 0, capacity: 2, externalBusy: 2 } // full of someone else's work
    const b = { id: 'b', running: 1, capacity: 2 }
    expect(load(a)).toBe(1)
    expect(leastLoaded([a, b], { order, eligible: order, random: () => 0 })!.id).toBe('b')
  })

  it('treats equal ratios as ties (1/3 = 2/6) and rotates among them', () => {
    const order = ['a', 'b', 'c']
    const fleet = () => [
      { id: 'a', running: 1, capacity: 3 },
      { id: 'b', running: 2, capacity: 6 },
      { id: 'c', running: 1, capacity: 2 }, // higher load: never picked
    ]
    const picks = pickMany(leastLoaded, 3000, fleet, order)
    expect(counts(picks)).toEqual({ a: 1500, b: 1500 })
    expect(picks.slice(0, 4)).toEqual(['a', 'b', 'a', 'b'])
  })

  it('rotates over all-idle servers like round-robin', () => {
    const order = ['a', 'b', 'c']
    const picks = pickMany(leastLoaded, 9000, () => order.map((id) => idle(id, 4)), order)
    expect(counts(picks)).toEqual({ a: 3000, b: 3000, c: 3000 })
  })

  it('is registered under its contract name, as are the others', () => {
    expect(strategies).toEqual({ 'round-robin': roundRobin, 'least-loaded': leastLoaded, random })
  })
})
