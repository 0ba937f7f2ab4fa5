import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DemoRuntime } from '../../core/demo/demoRuntime'
import { Engine } from '../../core/host/engine'
import type { TaskView } from '../../core/contract/tasks'
import type { RunningServer } from '../../core/launchers/types'
import { LocalLauncher } from '../../core/launchers/local'
import { OpencodeClient } from '../../core/opencode/client'
import { FAST_SUPERVISOR } from '../support/harness'
import { waitFor } from '../support/waitFor'

const CHILD = fileURLToPath(new URL('../support/journalledEngine.ts', import.meta.url))

let demo: DemoRuntime
let server: RunningServer
let project: string

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'flotilla-restore-'))
  demo = await DemoRuntime.start()
  server = await new LocalLauncher().start({ kind: 'local', id: 'shared', name: 'shared', capacity: 1, directory: project, demo: true }, { env: demo.envFor('shared') })
})

afterAll(async () => {
  await server?.stop()
  await demo?.close()
  rmSync(project, { recursive: true, force: true })
})

/**
 * Runs an engine in its own process until `until` sees the task reach a state, then kills it
 * with SIGKILL (a crash: no cleanup, no cancel).
 */
async function runUntilKilled(journal: string, prompt: string, until: (line: { state: string; sessionId?: string }) => boolean): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, journal, prompt], {
    env: { ...process.env, FLOTILLA_TEST_URL: server.baseUrl, FLOTILLA_TEST_PASSWORD: server.auth!.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d
        if (out.split('\n').filter(Boolean).some((l) => until(JSON.parse(l)))) resolve()
      })
      child.on('close', (code) => reject(new Error(`engine exited (${code}) before the task got there: ${out} ${err}`)))
      setTimeout(() => reject(new Error(`timed out: ${out} ${err}`)), 60_000)
    })
  } finally {
    child.kill('SIGKILL')
    await exited
  }
}

async function restartedEngine(journal: string): Promise<Engine> {
  const engine = await Engine.create({ journalPath: journal, restoreTasks: true, supervisor: FAST_SUPERVISOR })
  await engine.addServer({ kind: 'url', id: 'shared', name: 'shared', capacity: 1, baseUrl: server.baseUrl }, { password: server.auth!.password })
  return engine
}

/** A journal holding one task that was running in `sessionId` on the shared server. */
function journalWithRunningTask(name: string, sessionId: string, prompt: string): string {
  const journal = join(project, name, 'tasks.jsonl')
  mkdirSync(join(project, name))
  const task: TaskView = {
    id: 't_journalled',
    prompt,
    state: 'running',
    target: { kind: 'any' },
    priority: 0,
    maxAttempts: 1,
    serverId: 'shared',
    serverUrl: server.baseUrl,
    sessionId,
    attempts: [{ attempt: 1, serverId: 'shared', sessionId, startedAt: Date.now() - 5_000, outcome: 'running' }],
    createdAt: Date.now() - 6_000,
  }
  writeFileSync(journal, JSON.stringify({ at: Date.now(), task }) + '\n')
  return journal
}

async function waitFinal(engine: Engine, id: string): Promise<void> {
  const state = () => engine.scheduler.get(id).state
  await waitFor(`task ${id} to finish`, () => ['completed', 'failed', 'cancelled'].includes(state()), { timeoutMs: 60_000, intervalMs: 100, seen: () => `still ${state()}` })
}

describe('a restart resolves tasks from their sessions, never running them twice', () => {
  it('a task whose completion was torn from the journal by a crash shows completed, and its side effect happened once', async () => {
    const journal = join(project, 'state-torn', 'tasks.jsonl')
    const file = join(project, 'torn.txt')
    await runUntilKilled(journal, `@tool bash {"command":"echo ran >> ${file}","description":"append a line"}\n@reply appended`, (l) => l.state === 'completed')
    expect(readFileSync(file, 'utf8')).toBe('ran\n')
    // The crash tore the last line, the completion: only part of it reached the disk.
    const text = readFileSync(journal, 'utf8')
    const lastLine = text.lastIndexOf('\n', text.length - 2) + 1
    expect(text.slice(lastLine)).toContain('"completed"')
    truncateSync(journal, lastLine + Math.floor((text.length - lastLine) / 2))

    const engine = await restartedEngine(journal)
    try {
      const [task] = engine.scheduler.list()
      await waitFinal(engine, task!.id)
      expect(engine.scheduler.get(task!.id)).toMatchObject({ state: 'completed', result: { text: 'appended' } })
      expect(engine.scheduler.get(task!.id).attempts).toHaveLength(1)
      expect(readFileSync(file, 'utf8')).toBe('ran\n')
      expect(engine.outputs.get(task!.id)).toContain('appended')
    } finally {
      await engine.close()
    }
    // Compacted at the start: one line for the task, then its changes since.
    expect(readFileSync(journal, 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(3)
    expect(statSync(journal).mode & 0o777).toBe(0o600)
  }, 120_000)

  it('a task still running when Flotilla died is followed to its end, not sent again', async () => {
    const journal = join(project, 'state-running', 'tasks.jsonl')
    const file = join(project, 'slow.txt')
    await runUntilKilled(journal, `@tool bash {"command":"sleep 4 && echo slow >> ${file}","description":"slow append"}\n@reply slow done`, (l) => l.state === 'running' && Boolean(l.sessionId))
    expect(existsSync(file)).toBe(false) // still running on the server

    const engine = await restartedEngine(journal)
    try {
      const [task] = engine.scheduler.list()
      expect(task!.state).toBe('running')
      await waitFinal(engine, task!.id)
      expect(engine.scheduler.get(task!.id)).toMatchObject({ state: 'completed', result: { text: 'slow done' } })
      expect(engine.scheduler.get(task!.id).attempts).toHaveLength(1)
      expect(readFileSync(file, 'utf8')).toBe('slow\n')
    } finally {
      await engine.close()
    }
  }, 120_000)

  it('a session that never got its prompt (the crash came between the two) runs it, without using up an attempt', async () => {
    const empty = await new OpencodeClient({ baseUrl: server.baseUrl, auth: server.auth }).createSession(undefined, 'created, then Flotilla died')
    const engine = await restartedEngine(journalWithRunningTask('state-empty', empty.id, '@reply ran after all'))
    try {
      await waitFinal(engine, 't_journalled')
      const task = engine.scheduler.get('t_journalled')
      expect(task).toMatchObject({ state: 'completed', result: { text: 'ran after all' } })
      expect(task.attempts).toHaveLength(1) // its maxAttempts is 1: the empty session did not count
    } finally {
      await engine.close()
    }
  }, 120_000)

  it('a session its server no longer has (restarted without its state) is a lost server: the task gets the server-lost policy', async () => {
    const journal = journalWithRunningTask('state-gone', 'ses_0123456789abcdefABCDEFGHIJ', '@reply never twice')
    const engine = await restartedEngine(journal)
    try {
      await waitFinal(engine, 't_journalled')
      const task = engine.scheduler.get('t_journalled')
      // One attempt allowed, and it was used where the session was lost: failed, not run again.
      expect(task.state).toBe('failed')
      expect(task.error).toMatch(/session ses_0123456789abcdefABCDEFGHIJ is no longer on shared .*\(after 1 attempt\)/)
    } finally {
      await engine.close()
    }
  }, 120_000)
})
