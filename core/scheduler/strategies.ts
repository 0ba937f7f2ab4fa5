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
  /** Ids of the live servers this task may run on, in fleet order (free or not). */
  eligible: readonly string[]
  /** The id picked last time (any task), where rotation continues from. */
  lastPicked?: string
  /** Every server id in fleet order, so rotation keeps its place when servers come and go. */
  order: readonly string[]
  random: () => number
}

/**
 * Chooses among a non-empty list of candidates, or returns undefined to wait (round-robin
 * waits for the server whose turn it is). Pure: same inputs, same pick.
 */
export type Strategy = (candidates: readonly Candidate[], context: PickContext) => Candidate | undefined

/** The eligible ids after `lastPicked` in fleet order, wrapping around. */
function rotation(context: PickContext): string[] {
  const eligible = new Set(context.eligible)
  const start = context.lastPicked === undefined ? -1 : context.order.indexOf(context.lastPicked)
  const out: string[] = []
  for (let step = 1; step <= context.order.length; step++) {
    const id = context.order[(start + step) % context.order.length]!
    if (eligible.has(id)) out.push(id)
  }
  return out
}

/**
 * Strict rotation over the live servers: the next one in turn gets the task, and if its slots
 * are full the task waits for it (so N tasks over k equal servers land exactly N/k on each;
 * use least-loaded to never wait while another server idles). Dead servers leave the rotation.
 */
export const roundRobin: Strategy = (candidates, context) => {
  const next = rotation(context)[0]
  return candidates.find((c) => c.id === next)
}

export function load(c: Candidate): number {
  return (c.running + (c.externalBusy ?? 0)) / c.capacity
}

/** Lowest load (running/capacity); ties go to the first in rotation, so equal servers share work. */
export const leastLoaded: Strategy = (candidates, context) => {
  let best = Infinity
  for (const c of candidates) best = Math.min(best, load(c))
  // Exact float comparison is safe: equal (running, capacity) pairs give bit-identical ratios.
  const tied = candidates.filter((c) => load(c) === best)
  const order = rotation(context)
  return tied.find((c) => c.id === order.find((id) => tied.some((t) => t.id === id))) ?? tied[0]
}

/** Uniform over the candidates. */
export const random: Strategy = (candidates, context) => {
  const index = Math.min(candidates.length - 1, Math.floor(context.random() * candidates.length))
  return candidates[index]
}

export const strategies: Record<StrategyName, Strategy> = {
  'round-robin': roundRobin,
  'least-loaded': leastLoaded,
  random,
}
