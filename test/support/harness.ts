import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerView } from '../../core/contract/servers'
import type { TaskSpecInput, TaskView } from '../../core/contract/tasks'
import { createDispatcher, type Dispatcher } from '../../core/host/dispatcher'
import { Engine, type EngineOptions } from '../../core/host/engine'

/**
 * Supervisor timings for tests: restart quickly. The probe still tolerates a few seconds of
 * silence: a server's first prompt keeps it from answering for 2-4 s on this 2-core machine.
 */
export const FAST_SUPERVISOR = {
  healthIntervalMs: 1_000,
  healthTimeoutMs: 2_500,
  unhealthyAfter: 3,
  watchdogMs: 15_000,
  stopGraceMs: 1_500,
  restart: { backoff: { baseMs: 200, capMs: 1_000 }, maxFailures: 5, windowMs: 60_000, stableMs: 30_000 },
}

export interface Harness {
  engine: Engine
  dispatcher: Dispatcher
  project: string
  pushes: Array<{ event: string; payload: unknown }>
  servers(): ServerView[]
  submit(tasks: TaskSpecInput[]): Promise<TaskView[]>
  waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs?: number): Promise<T>
  waitTasks(ids: string[], timeoutMs?: number): Promise<TaskView[]>
  close(): Promise<void>
}

/**
 * An engine with the scripted model and `local` real opencode servers in a temp project dir.
 * Everything it starts is stopped by close(), which tests call in afterAll (also on failure).
 */
export async function startHarness(local: number, options: Partial<EngineOptions> & { capacity?: number } = {}): Promise<Harness> {
  const project = mkdtempSync(join(tmpdir(), 'flotilla-project-'))
  // A git repository, like a real project: opencode snapshots (and so session diffs) need one.
  execFileSync('git', ['init', '-q'], { cwd: project })
  execFileSync('git', ['-c', 'user.email=test@flotilla.invalid', '-c', 'user.name=test', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: project })
  const engine = await Engine.create({ demo: {}, supervisor: FAST_SUPERVISOR, ...options })
  const pushes: Harness['pushes'] = []
  const dispatcher = createDispatcher(engine, (event, payload) => void pushes.push({ event, payload }))
  const harness: Harness = {
    engine,
    dispatcher,
    project,
    pushes,
    servers: () => engine.fleet.views(),
    async submit(tasks) {
      const res = await dispatcher.call('tasks.submit', { tasks })
      if ('error' in res) throw new Error(res.error.message)
      return res.result as TaskView[]
    },
    async waitFor(what, probe, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const value = probe()
        if (value !== undefined && value !== false) return value as never
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    async waitTasks(ids, timeoutMs = 60_000) {
      return harness.waitFor(
        `tasks ${ids.join(', ')} to finish`,
        () => {
          const tasks = ids.map((id) => engine.scheduler.get(id))
          return tasks.every((t) => ['completed', 'failed', 'cancelled'].includes(t.state)) ? tasks : undefined
        },
        timeoutMs,
      )
    },
    async close() {
      dispatcher.dispose()
      await engine.close()
      rmSync(project, { recursive: true, force: true })
    },
  }
  try {
    await Promise.all(
      Array.from({ length: local }, (_, i) =>
        engine.addServer(
          { kind: 'local', id: `local-${i + 1}`, name: `local-${i + 1}`, capacity: options.capacity ?? 1, directory: project, demo: true },
          { start: true },
        ),
      ),
    )
    const notReady = engine.fleet.views().filter((v) => v.state !== 'ready')
    if (notReady.length) throw new Error(`servers not ready: ${notReady.map((v) => `${v.id} ${v.state} ${v.lastError ?? ''}`).join('; ')}`)
  } catch (error) {
    await harness.close()
    throw error
  }
  return harness
}
