import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../support/harness'

// Two real servers; one is killed or frozen under a running task.
let h: Harness
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-journal-'))
  h = await startHarness(2, { journalPath: join(dir, 'tasks.jsonl') })
}, 90_000)

afterAll(async () => {
  await h?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A task that streams for a few seconds, so there is time to hurt its server mid-way. */
const SLOW = '@rate 8\n@reply one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'

async function runningTask() {
  const [task] = await h.submit([{ prompt: SLOW }])
  const running = await h.waitFor('the task to run', () => {
    const t = h.engine.scheduler.get(task!.id)
    return t.state === 'running' && h.engine.outputs.get(t.id).includes('two') ? t : undefined
  })
  // A snapshot (frozen): it keeps this attempt's server while the task moves on.
  return running
}

describe('servers that fail under a task', () => {
  it('kill -9 mid-task: restarted with backoff, task re-queued elsewhere and completed; journal has both attempts', async () => {
    const task = await runningTask()
    const victim = h.engine.fleet.get(task.serverId!)
    const pid = victim.instance?.pid!
    const restartsBefore = victim.restarts
    process.kill(pid, 'SIGKILL')

    const [done] = await h.waitTasks([task.id], 90_000)
    expect(done!.state).toBe('completed')
    expect(done!.attempts.map((a) => a.outcome)).toEqual(['server-lost', 'completed'])
    expect(done!.attempts[1]!.serverId).not.toBe(task.serverId)
    expect(done!.result?.text).toContain('twenty')

    // The supervisor brought the killed server back as a new process.
    await h.waitFor('the killed server to be ready again', () => victim.state === 'ready')
    expect(victim.restarts).toBe(restartsBefore + 1)
    expect(victim.instance?.pid).not.toBe(pid)
    expect(victim.lastError ?? '').toMatch(/exited/)

    const lines = h.engine.journal!.entries().filter((e) => e.task.id === task.id)
    const attemptsSeen = new Set(lines.flatMap((e) => e.task.attempts.map((a) => `${a.attempt}:${a.serverId}:${a.outcome}`)))
    expect(attemptsSeen).toContain(`1:${task.serverId}:server-lost`)
    expect(attemptsSeen).toContain(`2:${done!.attempts[1]!.serverId}:completed`)
  }, 120_000)

  it('a wedged server (SIGSTOP): the probe times out, it is restarted, and no task is stranded', async () => {
    const task = await runningTask()
    const victim = h.engine.fleet.get(task.serverId!)
    const pid = victim.instance?.pid!
    process.kill(pid, 'SIGSTOP')
    try {
      // Work submitted while it is wedged must not wait for it.
      const [later] = await h.submit([{ prompt: '@reply submitted during the wedge' }])
      await h.waitFor('the wedge to be noticed', () => victim.lastError?.includes('health probe') && victim.state !== 'ready', 30_000)
      const [first, second] = await h.waitTasks([task.id, later!.id], 90_000)
      expect(first!.state).toBe('completed')
      expect(first!.attempts.map((a) => a.outcome)).toEqual(['server-lost', 'completed'])
      expect(second!.state).toBe('completed')
      expect(second!.result?.text).toBe('submitted during the wedge')
      await h.waitFor('the wedged server to be replaced', () => victim.state === 'ready' && victim.instance?.pid !== pid, 60_000)
    } finally {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already killed by the supervisor, as it should be
      }
    }
  }, 150_000)
})
