import { afterAll, beforeAll, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { createDispatcher } from '../../core/host/dispatcher'
import { startHarness, type Harness } from '../support/harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness(1, { capacity: 4 })
})
afterAll(async () => {
  await h?.close()
})

it('many open task panes add no listener per task to the scheduler, and each pane gets only its own task\'s output', async () => {
  const warnings: string[] = []
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
  process.on('warning', onWarning)
  const frames = new Map<string, string>()
  const client = createDispatcher(h.engine, (event, payload) => {
    if (event !== 'events.data') return
    const { subscriptionId, data } = payload as { subscriptionId: string; data: string }
    frames.set(subscriptionId, (frames.get(subscriptionId) ?? '') + data)
  })
  try {
    const before = h.engine.scheduler.listenerCount('output')
    const tasks = await h.submit(Array.from({ length: 12 }, (_, i) => ({ prompt: `@reply answer-${i}-end` })))
    const subscriptions = new Map<string, TaskView>()
    for (const task of tasks) {
      const res = await client.call('events.subscribe', { stream: { kind: 'task', taskId: task.id } })
      if ('error' in res) throw new Error(res.error.message)
      const { subscriptionId, backlog } = res.result as { subscriptionId: string; backlog: string }
      subscriptions.set(subscriptionId, task)
      frames.set(subscriptionId, backlog + (frames.get(subscriptionId) ?? ''))
    }
    expect(h.engine.scheduler.listenerCount('output')).toBe(before)
    await h.waitTasks(tasks.map((t) => t.id))
    await new Promise((r) => setTimeout(r, 100)) // the last frame (16 ms batching)
    for (const [subscriptionId, task] of subscriptions) {
      const i = tasks.indexOf(task)
      // What the pane shows: the backlog it got on subscribing, then the frames.
      const shown = frames.get(subscriptionId) ?? ''
      expect(shown).toContain(`answer-${i}-end`)
      expect(shown).not.toMatch(new RegExp(`answer-(?!${i}-)\\d+-end`))
    }
    expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([])
  } finally {
    process.off('warning', onWarning)
    client.dispose()
  }
  expect(h.engine.scheduler.listenerCount('output')).toBeLessThanOrEqual(1)
}, 120_000)
