import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StrategyName } from '../../core/contract/tasks'
import { startHarness, type Harness } from '../support/harness'

// Three real opencode servers with the scripted model, shared by every test in this file
// (each costs ~0.4 GiB and a second of CPU to start).
let h: Harness

beforeAll(async () => {
  h = await startHarness(3)
}, 90_000)

afterAll(async () => {
  await h?.close()
})

async function fanOut(strategy: StrategyName, count: number) {
  const set = await h.dispatcher.call('scheduler.setStrategy', { strategy })
  expect(set).toEqual({ id: 0, result: { strategy } })
  const tasks = await h.submit(Array.from({ length: count }, (_, i) => ({ prompt: `@reply ${strategy} answer ${i}` })))
  return h.waitTasks(tasks.map((t) => t.id), 120_000)
}

describe('fan-out over 3 local servers', () => {
  it('round-robin completes 9 tasks, 3 per server, each with its own answer', async () => {
    const done = await fanOut('round-robin', 9)
    expect(done.map((t) => t.state)).toEqual(Array(9).fill('completed'))
    const perServer = new Map<string, number>()
    for (const t of done) perServer.set(t.serverId!, (perServer.get(t.serverId!) ?? 0) + 1)
    expect([...perServer.entries()].sort()).toEqual([
      ['local-1', 3],
      ['local-2', 3],
      ['local-3', 3],
    ])
    done.forEach((t, i) => expect(t.result?.text).toBe(`round-robin answer ${i}`))
    // Results carry what the server measured: tokens from the model's usage chunk.
    expect(done[0]!.result!.tokens.output).toBeGreaterThan(0)
  }, 150_000)

  it.each(['least-loaded', 'random'] as const)('%s completes 9 tasks', async (strategy) => {
    const done = await fanOut(strategy, 9)
    expect(done.map((t) => t.state)).toEqual(Array(9).fill('completed'))
    expect(new Set(done.map((t) => t.sessionId)).size).toBe(9)
    // least-loaded with equal servers spreads the work: nobody idles while another queues.
    if (strategy === 'least-loaded') expect(new Set(done.map((t) => t.serverId)).size).toBe(3)
  }, 150_000)

  it('broadcast runs one prompt on every server', async () => {
    const tasks = await h.submit([{ prompt: '@reply hello from everywhere', target: { kind: 'broadcast' } }])
    expect(tasks).toHaveLength(3)
    expect(new Set(tasks.map((t) => t.groupId)).size).toBe(1)
    const done = await h.waitTasks(tasks.map((t) => t.id))
    expect(done.map((t) => t.serverId).sort()).toEqual(['local-1', 'local-2', 'local-3'])
    for (const t of done) {
      expect(t.state).toBe('completed')
      expect(t.result?.text).toBe('hello from everywhere')
    }
  }, 90_000)

  it('a tool call really runs: the agent writes a file in the task directory', async () => {
    const file = join(h.project, 'written-by-agent.txt')
    const [task] = await h.submit([
      {
        prompt: `@tool write {"filePath":"${file}","content":"flotilla was here\\n"}\n@reply wrote the file`,
        directory: h.project,
      },
    ])
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('completed')
    expect(existsSync(file)).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe('flotilla was here\n')
    expect(done!.result?.text).toBe('wrote the file')
    // The session's diff names the file the agent wrote.
    expect(done!.result?.files).toEqual([expect.objectContaining({ file: 'written-by-agent.txt', additions: 1, deletions: 0 })])
    // The live output showed the tool call with its status.
    expect(h.engine.outputs.get(task!.id)).toMatch(/✓ write/)
  }, 90_000)
})
