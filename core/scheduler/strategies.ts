import type { StrategyName } from '../contract/tasks'

/** A server that can take a task now (ready, with a free slot). */
export interface Candidate {
  id: string
  running: number
  capacity: number
  /** Busy sessions on the server that Flotilla did not start; they load it but hold no slot. */
  externalBusy?: number
}

export interface PickContext {
  /** Every server id in fleet order; rotation follows it even while some are not candidates. */
  order: readonly string[]
  /** The id picked last time (any task), where rotation continues from. */
  lastPicked?: string
  random: () => number
}

/** Chooses one of a non-empty list of candidates. Pure: same inputs, same pick. */
export type Strategy = (candidates: readonly Candidate[], context: PickContext) => Candidate

/** The next candidate after `lastPicked` in fleet order, wrapping around. */
export const roundRobin: Strategy = (candidates, context) => {
  const byId = new Map(candidates.map((c) => [c.id, c]))
  const start = context.lastPicked === undefined ? -1 : context.order.indexOf(context.lastPicked)
  for (let step = 1; step <= context.order.length; step++) {
    const found = byId.get(context.order[(start + step) % context.order.length]!)
    if (found) return found
  }
  // Candidates outside the known order (a server added a moment ago): take the first.
  return candidates[0]!
}

export function load(c: Candidate): number {
  return (c.running + (c.externalBusy ?? 0)) / c.capacity
}

/** Lowest load (running/capacity); ties broken by rotation so equal servers share work. */
export const leastLoaded: Strategy = (candidates, context) => {
  let best = Infinity
  for (const c of candidates) best = Math.min(best, load(c))
  // Exact float comparison is safe: equal (running, capacity) pairs give bit-identical ratios.
  return roundRobin(candidates.filter((c) => load(c) === best), context)
}

/** Uniform over the candidates. */
export const random: Strategy = (candidates, context) => {
  const index = Math.min(candidates.length - 1, Math.floor(context.random() * candidates.length))
  return candidates[index]!
}

export const strategies: Record<StrategyName, Strategy> = {
  'round-robin': roundRobin,
  'least-loaded': leastLoaded,
  random,
}
