import PQueue from 'p-queue'
import { Scheduler } from '../core/scheduler/scheduler'
import type { AttemptHandle, AttemptOutcome, SchedulableServer, ServerPool } from '../core/scheduler/types'
import { median } from './stats'

// Scheduler overhead per task: 1,000 tasks over 20 zero-latency fake servers, against a bare
// p-queue doing the same work (same concurrency, same no-op task). Goal: ≤ 0.1 ms per task.
const TASKS = 1_000
const SERVERS = 20
const ROUNDS = 15

const RESULT: AttemptOutcome = {
  kind: 'completed',
  result: { text: '', tokens: { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, cost: 0, durationMs: 0, files: [] },
}

async function schedulerRun(): Promise<number> {
  const servers: SchedulableServer[] = Array.from({ length: SERVERS }, (_, i) => ({
    id: `s${i}`,
    state: 'ready',
    spec: { capacity: 1 },
  }))
  const pool: ServerPool = { list: () => servers, loadChanged: () => {} }
  const scheduler = new Scheduler({
    pool,
    runner: { run: async (h: AttemptHandle) => (h.started('session', 'http://fake'), RESULT) },
    strategy: 'least-loaded',
  })
  const start = performance.now()
  await new Promise<void>((resolve) => {
    let done = 0
    scheduler.on('task', (t) => {
      if (t.state === 'completed' && ++done === TASKS) resolve()
    })
    scheduler.submit(Array.from({ length: TASKS }, (_, i) => ({ prompt: `task ${i}`, target: { kind: 'any' as const }, priority: 0, maxAttempts: 1 })))
  })
  return performance.now() - start
}

async function bareQueueRun(): Promise<number> {
  const queue = new PQueue({ concurrency: SERVERS })
  const start = performance.now()
  await Promise.all(Array.from({ length: TASKS }, () => queue.add(async () => RESULT)))
  return performance.now() - start
}

export async function dispatchBench(): Promise<string[]> {
  // Warm up the JIT for both paths before measuring.
  await schedulerRun()
  await bareQueueRun()
  const s: number[] = []
  const q: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    s.push(await schedulerRun())
    q.push(await bareQueueRun())
  }
  const perTask = (median(s) - median(q)) / TASKS
  return [
    `dispatch: ${TASKS} tasks over ${SERVERS} zero-latency servers, median of ${ROUNDS} runs`,
    `  scheduler ${median(s).toFixed(2)} ms, bare p-queue ${median(q).toFixed(2)} ms, ratio ${(median(s) / median(q)).toFixed(2)}x`,
    `  overhead per task ${perTask.toFixed(4)} ms (goal ≤ 0.1 ms) ${perTask <= 0.1 ? 'OK' : 'OVER'}`,
  ]
}
