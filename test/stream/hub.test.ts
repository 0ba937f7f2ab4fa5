import { describe, expect, it } from 'vitest'
import type { OcEvent } from '../../core/contract/opencode'
import { BoundedQueue } from '../../core/stream/boundedQueue'
import { EventHub, type HubEvent, type HubSubscription } from '../../core/stream/hub'

/** A numbered event; `n` lets the tests check order and loss exactly. */
const ev = (n: number, sessionID = 'ses_1'): OcEvent => ({ type: 'message.part.delta', properties: { sessionID, messageID: 'msg_1', partID: 'prt_1', field: 'text', delta: String(n) } })
const num = (item: HubEvent) => Number(item.event.type === 'message.part.delta' ? item.event.properties.delta : item.event.properties.n)
const tick = () => new Promise<void>((r) => setImmediate(r))

/** The backing array of a queue: what it really holds in memory (dropped items included until compaction). */
const heldItems = (q: BoundedQueue<unknown>) => (q as unknown as { items: unknown[] }).items.length

describe('BoundedQueue', () => {
  it('keeps the newest items up to its capacity and counts what it dropped', () => {
    const q = new BoundedQueue<number>(3)
    for (let i = 0; i < 10; i++) q.push(i)
    expect(q.size).toBe(3)
    expect(q.drain()).toEqual({ items: [7, 8, 9], dropped: 7 })
    expect(q.drain()).toEqual({ items: [], dropped: 0 }) // the count resets on drain
  })

  it('rejects a capacity below 1', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError)
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError)
  })
})

describe('EventHub', () => {
  it('keeps a subscriber that never drains bounded at its capacity, counting the rest as dropped', async () => {
    const hub = new EventHub()
    let readable = 0
    const slow = hub.subscribe({}, () => readable++, 100)
    for (let i = 0; i < 50_000; i++) hub.publish('a', ev(i))
    await tick()
    expect(slow.queue.size).toBe(100)
    expect(slow.queue.dropped).toBe(49_900)
    expect(heldItems(slow.queue)).toBeLessThanOrEqual(100 + 1025) // memory stays bounded too
    expect(readable).toBe(1) // one wake-up per batch, not one per event
    const { items, dropped } = slow.drain()
    expect(items.map(num)).toEqual(Array.from({ length: 100 }, (_, i) => 49_900 + i)) // the newest survive
    expect(dropped).toBe(49_900)
  })

  it('gives a subscriber that keeps up every event, in order, with nothing dropped', async () => {
    const hub = new EventHub()
    const got: number[] = []
    let dropped = 0
    hub.subscribe({}, (s) => {
      const batch = s.drain()
      got.push(...batch.items.map(num))
      dropped += batch.dropped
    }, 1_000)
    // Bursts smaller than the capacity, with the event loop turning between them (as SSE chunks arrive).
    for (let burst = 0; burst < 200; burst++) {
      for (let i = 0; i < 500; i++) hub.publish('a', ev(burst * 500 + i))
      await tick()
    }
    expect(dropped).toBe(0)
    expect(got).toHaveLength(100_000)
    expect(got.every((n, i) => n === i)).toBe(true)
  })

  it('filters by server and by session', async () => {
    const hub = new EventHub()
    const seen = new Map<string, string[]>()
    const watch = (name: string, filter: { serverId?: string; sessionId?: string }) =>
      hub.subscribe(filter, (s: HubSubscription) => {
        for (const item of s.drain().items) seen.set(name, [...(seen.get(name) ?? []), `${item.serverId}/${num(item)}`])
      })
    watch('server a', { serverId: 'a' })
    watch('session 2', { sessionId: 'ses_2' })
    watch('a + session 2', { serverId: 'a', sessionId: 'ses_2' })
    watch('all', {})
    hub.publish('a', ev(1, 'ses_1'))
    hub.publish('b', ev(2, 'ses_2'))
    hub.publish('a', ev(3, 'ses_2'))
    // The session of a part event lives inside the part.
    hub.publish('b', { type: 'message.part.updated', properties: { n: 4, part: { id: 'p', sessionID: 'ses_2', messageID: 'm', type: 'text' } } })
    hub.publish('a', { type: 'server.heartbeat', properties: { n: 5 } }) // no session at all
    await tick()
    expect(seen.get('server a')).toEqual(['a/1', 'a/3', 'a/5'])
    expect(seen.get('session 2')).toEqual(['b/2', 'a/3', 'b/4'])
    expect(seen.get('a + session 2')).toEqual(['a/3'])
    expect(seen.get('all')).toEqual(['a/1', 'b/2', 'a/3', 'b/4', 'a/5'])
  })

  it('calls in-engine listeners inline, and stops delivering after close', async () => {
    const hub = new EventHub()
    const inline: number[] = []
    const stop = hub.listen((item) => inline.push(num(item)))
    let woke = 0
    const sub = hub.subscribe({}, () => woke++)
    expect(hub.subscriberCount).toBe(1)
    hub.publish('a', ev(1))
    expect(inline).toEqual([1]) // synchronously, before publish returns
    sub.close()
    await tick()
    expect(woke).toBe(0) // closed before its microtask ran: no wake-up
    expect(hub.subscriberCount).toBe(0)
    hub.publish('a', ev(2))
    expect(sub.queue.size).toBe(1) // only the event from before close
    stop()
    hub.publish('a', ev(3))
    expect(inline).toEqual([1, 2])
  })
})

describe('EventHub task output', () => {
  it('keeps a task-output subscriber that never drains bounded at its capacity, counting the rest as dropped', async () => {
    const hub = new EventHub()
    let readable = 0
    const slow = hub.subscribeOutput({ taskId: 't1' }, () => readable++, 100)
    for (let i = 0; i < 50_000; i++) hub.publishOutput('t1', String(i))
    await tick()
    expect(slow.queue.size).toBe(100)
    expect(slow.queue.dropped).toBe(49_900)
    expect(heldItems(slow.queue)).toBeLessThanOrEqual(100 + 1025) // memory stays bounded too
    expect(readable).toBe(1)
    const { items, dropped } = slow.drain()
    expect(items.map((item) => Number(item.text))).toEqual(Array.from({ length: 100 }, (_, i) => 49_900 + i))
    expect(dropped).toBe(49_900)
  })

  it('routes output to its task\'s subscribers and to every-task subscribers, inline listeners first', async () => {
    const hub = new EventHub()
    const inline: string[] = []
    hub.listenOutput((item) => inline.push(`${item.taskId}:${item.text}`))
    const seen = new Map<string, string[]>()
    const watch = (name: string, taskId?: string) =>
      hub.subscribeOutput({ taskId }, (s) => {
        for (const item of s.drain().items) seen.set(name, [...(seen.get(name) ?? []), `${item.taskId}:${item.text}`])
      })
    watch('t1', 't1')
    const t2 = watch('t2', 't2')
    watch('all')
    expect(hub.subscriberCount).toBe(3)
    hub.publishOutput('t1', 'a')
    hub.publishOutput('t2', 'b')
    expect(inline).toEqual(['t1:a', 't2:b']) // synchronously
    await tick()
    expect(seen.get('t1')).toEqual(['t1:a'])
    expect(seen.get('t2')).toEqual(['t2:b'])
    expect(seen.get('all')).toEqual(['t1:a', 't2:b'])
    t2.close()
    expect(hub.subscriberCount).toBe(2)
    hub.publishOutput('t2', 'c')
    await tick()
    expect(seen.get('t2')).toEqual(['t2:b'])
    expect(seen.get('all')).toEqual(['t1:a', 't2:b', 't2:c'])
  })
})
