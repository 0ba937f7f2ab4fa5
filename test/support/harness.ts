import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerView } from '../../core/contract/servers'
import type { TaskSpecInput, TaskView } from '../../core/contract/tasks'
import { createApiClient, type ApiClient } from '../../core/contract/client'
import type { Dispatcher } from '../../core/host/dispatcher'
import { Engine, type EngineOptions } from '../../core/host/engine'
import { createInProcessTransport } from '../../core/host/inProcessTransport'
import { waitFor } from './waitFor'

/**
 * Supervisor timings for tests: restart quickly. The probe still tolerates a few seconds of
 * silence: a server's first prompt keeps it from answering for 2-4 s on this 2-core machine.
 */
export const FAST_SUPERVISOR = {
  healthIntervalMs: 1_000,
  healthTimeoutMs: 2_500,
  unhealthyAfter: 3,
  watchdogMs: 15_000,
  restart: { backoff: { baseMs: 200, capMs: 1_000 }, maxFailures: 5, windowMs: 60_000, stableMs: 30_000 },
}

export interface Harness {
  engine: Engine
  /** The typed client over an in-process transport: what the renderer and the CLI use. */
  client: ApiClient
  /** The dispatcher behind `client`, for raw envelopes (bad payloads, error codes). */
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
  const transport = createInProcessTransport(engine)
  // Pushes as sent, before the client parses them.
  transport.onMessage((message) => {
    if (typeof message === 'object' && message !== null && 'event' in message && typeof message.event === 'string') pushes.push({ event: message.event, payload: 'payload' in message ? message.payload : undefined })
  })
  const client = createApiClient(transport)
  const { dispatcher } = transport
  const harness: Harness = {
    engine,
    client,
    dispatcher,
    project,
    pushes,
    servers: () => engine.fleet.views(),
    submit: (tasks) => client['tasks.submit']({ tasks }),
    waitFor: (what, probe, timeoutMs = 45_000) => waitFor(what, probe, { timeoutMs }),
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
      client.close()
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

/**
 * The afterAll of a file whose tasks ran in worktrees: removes the worktrees (also those a failed
 * test left), stops the harness, then removes what the file made, in order: a folder by path, a
 * repository (anything with remove()) by itself. Undefined ones (a beforeAll that failed) are passed over.
 */
export async function closeWithWorktrees(h: Harness | undefined, ...made: Array<string | { remove(): void } | undefined>): Promise<void> {
  await h?.engine.workspaces.discardAll()
  await h?.close()
  for (const m of made) {
    if (typeof m === 'string') rmSync(m, { recursive: true, force: true })
    else m?.remove()
  }
}
