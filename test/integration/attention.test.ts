import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttentionItem } from '../../core/contract/attention'
import { startHarness, type Harness } from '../support/harness'

// opencode configured with "permission": {"bash": "ask"}: a bash tool call really waits.
let h: Harness

beforeAll(async () => {
  h = await startHarness(1, { demo: { permission: { bash: 'ask' } } })
}, 90_000)

afterAll(async () => {
  await h?.close()
})

async function askedFor(taskId: string): Promise<AttentionItem> {
  return h.waitFor(`a permission request for ${taskId}`, () => h.engine.attention.list().find((a) => a.taskId === taskId))
}

describe('permission requests', () => {
  it('appear as attention items; allowing one lets the task complete', async () => {
    const [task] = await h.submit([{ prompt: '@tool bash {"command":"echo approved-run","description":"say hi"}\n@reply ran it' }])
    const item = await askedFor(task!.id)
    expect(item).toMatchObject({ kind: 'permission', serverId: 'local-1', taskId: task!.id })
    expect(item.title).toContain('bash')
    // The push reached clients too.
    expect(h.pushes.some((p) => p.event === 'attention.added' && (p.payload as AttentionItem).id === item.id)).toBe(true)
    expect(h.engine.scheduler.get(task!.id).state).toBe('running')

    const answered = await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'permission', reply: 'once' } })
    expect(answered).toEqual({ id: 0, result: { ok: true } })
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('completed')
    expect(done!.result?.text).toBe('ran it')
    expect(h.engine.attention.list()).toEqual([])
    expect(h.engine.outputs.get(task!.id)).toContain('approved-run')
  }, 90_000)

  it('rejecting one fails the task', async () => {
    const [task] = await h.submit([{ prompt: '@tool bash {"command":"echo never","description":"should not run"}\n@reply unreachable' }])
    const item = await askedFor(task!.id)
    const answered = await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'permission', reply: 'reject' } })
    expect(answered).toEqual({ id: 0, result: { ok: true } })
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('failed')
    expect(done!.error).toMatch(/reject/i)
  }, 90_000)

  it('a wrong answer kind is refused and changes nothing', async () => {
    const [task] = await h.submit([{ prompt: '@tool bash {"command":"echo later","description":"wait"}\n@reply done' }])
    const item = await askedFor(task!.id)
    const bad = await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'question', answers: [['x']] } })
    expect(bad).toMatchObject({ error: { code: 'bad_request' } })
    expect(h.engine.attention.list().map((a) => a.id)).toContain(item.id)
    await h.dispatcher.call('tasks.cancel', { id: task!.id })
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('cancelled')
  }, 90_000)
})
