import { EventSource } from 'eventsource'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseGlobalEvent } from '../core/contract/opencode'
import type { TaskView } from '../core/contract/tasks'
import { DemoRuntime } from '../core/demo/demoRuntime'
import { Engine } from '../core/host/engine'
import { LocalLauncher } from '../core/launchers/local'
import { OpencodeClient } from '../core/opencode/client'
import { fmt, interleaved, median, percentile } from './stats'

// Added time per task on a warm server: Flotilla's whole task path (queue, dispatch, session,
// prompt, the event stream to idle, result and changed files) from submit to `completed`, vs a
// bare SDK client doing create + prompt_async + wait for idle (on /global/event) on the same
// server, interleaved. Goal: ≤ 30 ms added per task at p50.
const ROUNDS = 30
const PROMPT = '@reply ok'

export async function taskOverheadBench(): Promise<string[]> {
  const project = mkdtempSync(join(tmpdir(), 'flotilla-bench-task-'))
  execFileSync('git', ['init', '-q'], { cwd: project })
  const demo = await DemoRuntime.start()
  const server = await new LocalLauncher().start({ kind: 'local', id: 'bench', name: 'bench', capacity: 1, directory: project, demo: true }, { env: demo.envFor('bench') })
  const engine = await Engine.create({ demo: false })
  try {
    await engine.addServer({ kind: 'url', id: 'warm', name: 'warm', capacity: 1, baseUrl: server.baseUrl }, { password: server.auth!.password })
    const client = new OpencodeClient({ baseUrl: server.baseUrl, auth: server.auth })
    const idle = idleWaiter(server.baseUrl, client.authHeaders())
    await idle.ready
    const viaFlotilla = () => flotillaTask(engine)
    const bare = async () => {
      const started = performance.now()
      const session = await client.createSession(project)
      const done = idle.next(session.id)
      await client.promptAsync(session.id, { text: PROMPT, directory: project })
      await done
      return performance.now() - started
    }
    // Warm both paths (the folder's instance, the model connection) before measuring.
    await viaFlotilla()
    await bare()
    const { a: flotilla, b: direct } = await interleaved(ROUNDS, viaFlotilla, bare)
    idle.close()
    const added = flotilla.map((f, i) => f - direct[i]!)
    return [
      `task overhead: ${ROUNDS} tasks each way on one warm server, submit → completed vs create + prompt_async + idle`,
      `  bare SDK client  p50 ${fmt(median(direct), 1)}  p99 ${fmt(percentile(direct, 99), 1)}`,
      `  flotilla         p50 ${fmt(median(flotilla), 1)}  p99 ${fmt(percentile(flotilla, 99), 1)}  (ratio p50 ${(median(flotilla) / median(direct)).toFixed(2)})`,
      `  added per task   p50 ${fmt(median(added), 1)}  p99 ${fmt(percentile(added, 99), 1)} (goal p50 ≤ 30 ms) ${median(added) <= 30 ? 'OK' : 'MISSED'}`,
    ]
  } finally {
    await engine.close()
    await server.stop()
    await demo.close()
    rmSync(project, { recursive: true, force: true })
  }
}

function flotillaTask(engine: Engine): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // Set once submit returns; the task's first updates arrive synchronously inside it.
    let id: string | undefined
    const onTask = (task: TaskView) => {
      if (task.id !== id) return
      if (task.state === 'completed') {
        engine.scheduler.off('task', onTask)
        resolve(performance.now() - started)
      } else if (task.state === 'failed' || task.state === 'cancelled') {
        engine.scheduler.off('task', onTask)
        reject(new Error(`bench task ${task.state}: ${task.error}`))
      }
    }
    engine.scheduler.on('task', onTask)
    id = engine.scheduler.submit([{ prompt: PROMPT, target: { kind: 'server', serverId: 'warm' }, priority: 0, maxAttempts: 1 }])[0]!.id
  })
}

/** One /global/event stream; `next(session)` settles at that session's next idle. */
function idleWaiter(baseUrl: string, headers: Record<string, string>): { ready: Promise<void>; next(sessionId: string): Promise<void>; close(): void } {
  const waiting = new Map<string, () => void>()
  const source = new EventSource(`${baseUrl}/global/event`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  })
  source.onmessage = (m) => {
    const parsed = parseGlobalEvent(String(m.data))
    if (parsed.kind !== 'event' || parsed.event.type !== 'session.idle') return
    const done = waiting.get(parsed.event.properties.sessionID)
    waiting.delete(parsed.event.properties.sessionID)
    done?.()
  }
  return {
    ready: new Promise((resolve) => (source.onopen = () => resolve())),
    next: (sessionId) => new Promise((resolve) => waiting.set(sessionId, resolve)),
    close: () => source.close(),
  }
}
