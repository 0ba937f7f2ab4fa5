// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { applyPush, initialState, MAX_NOTICES } from '../../renderer/src/state/fleetState'
import { createFleetStore } from '../../renderer/src/state/store'
import { FakeTransport, flush } from '../support/fakeTransport'

const server = (id: string, state = 'ready') => ({ id, name: id, kind: 'local', state, capacity: 1, running: 0, queued: 0, restarts: 0 })
const task = (id: string, state = 'queued', createdAt = 1) => ({ id, prompt: `do ${id}`, state, target: { kind: 'any' }, priority: 0, maxAttempts: 3, attempts: [], createdAt })
const item = (id: string) => ({ id, requestId: id, kind: 'permission', serverId: 'a', sessionId: 'ses', title: 'bash: ls', createdAt: 1 })

function engine(overrides: Record<string, unknown> = {}) {
  const data: Record<string, unknown> = {
    'servers.list': [server('a')],
    'tasks.list': [task('t1')],
    'attention.list': [],
    'scheduler.get': { strategy: 'round-robin' },
    'settings.get': { version: 1, strategy: 'round-robin', servers: [], maxAttempts: 3, theme: 'dark' },
    ...overrides,
  }
  return (method: string) => {
    if (!(method in data)) throw new Error(`unexpected ${method}`)
    return data[method]
  }
}

const sync = (callback: () => void) => callback()

describe('fleet state', () => {
  it('keeps the last line each server’s launcher printed, until the server goes', () => {
    let s = initialState({ state: 'open', attempt: 0 })
    s = applyPush(s, 'server.updated', server('a', 'starting') as never)
    s = applyPush(s, 'server.output', { id: 'a', line: '[npm on me@box] added 1 package' })
    s = applyPush(s, 'server.output', { id: 'a', line: 'installed opencode on me@box' })
    s = applyPush(s, 'server.output', { id: 'b', line: 'reattaching' })
    expect(s.serverOutput).toEqual({ a: 'installed opencode on me@box', b: 'reattaching' })
    s = applyPush(s, 'server.removed', { id: 'a' })
    expect(s.serverOutput).toEqual({ b: 'reattaching' })
  })

  it('applies pushes: upsert, remove, newest task first, bounded notices', () => {
    let s = initialState({ state: 'open', attempt: 0 })
    s = applyPush(s, 'server.updated', server('a') as never)
    s = applyPush(s, 'server.updated', server('b') as never)
    s = applyPush(s, 'server.updated', server('a', 'busy') as never)
    expect(s.servers.map((x) => `${x.id}:${x.state}`)).toEqual(['a:busy', 'b:ready'])
    s = applyPush(s, 'server.removed', { id: 'a' })
    expect(s.servers.map((x) => x.id)).toEqual(['b'])
    s = applyPush(s, 'task.updated', task('old', 'queued', 1) as never)
    s = applyPush(s, 'task.updated', task('new', 'queued', 2) as never)
    s = applyPush(s, 'task.updated', task('old', 'running', 1) as never)
    expect(s.tasks.map((t) => `${t.id}:${t.state}`)).toEqual(['new:queued', 'old:running'])
    s = applyPush(s, 'attention.added', item('p1') as never)
    s = applyPush(s, 'attention.added', item('p1') as never)
    expect(s.attention).toHaveLength(1)
    s = applyPush(s, 'attention.resolved', { id: 'p1' })
    expect(s.attention).toHaveLength(0)
    for (let i = 0; i < 10; i++) s = applyPush(s, 'notice', { level: 'info', message: `n${i}` })
    expect(s.notices.map((n) => n.message)).toEqual(['n5', 'n6', 'n7', 'n8', 'n9'].slice(-MAX_NOTICES))
  })
})

describe('fleet store', () => {
  it('reloads everything when the host says it dropped pushes for this client (resync)', async () => {
    const transport = new FakeTransport(engine())
    const store = createFleetStore(createApiClient(transport), { schedule: sync })
    await flush()
    expect(store.getState().servers.map((x) => x.id)).toEqual(['a'])
    transport.respondWith(engine({ 'servers.list': [server('a'), server('b')] })) // b was added while its push was dropped
    transport.push('resync', { dropped: 3 })
    await flush()
    expect(store.getState().servers.map((x) => x.id)).toEqual(['a', 'b'])
    store.dispose()
  })

  it('loads servers, tasks, attention and the strategy when the connection opens', async () => {
    const transport = new FakeTransport(engine(), false)
    const store = createFleetStore(createApiClient(transport), { schedule: sync })
    expect(store.getState().loaded).toBe(false)
    transport.setStatus({ state: 'open', attempt: 0 })
    await flush()
    const s = store.getState()
    expect(s.loaded).toBe(true)
    expect(s.servers.map((x) => x.id)).toEqual(['a'])
    expect(s.tasks.map((x) => x.id)).toEqual(['t1'])
    expect(s.strategy).toBe('round-robin')
    expect(s.theme).toBe('dark')
    expect(s.connection.state).toBe('open')
  })

  it('keeps pushes that arrive while loading (the snapshot may be older than they are)', async () => {
    const transport = new FakeTransport(engine())
    const store = createFleetStore(createApiClient(transport), { schedule: sync })
    transport.push('server.updated', server('a', 'busy'))
    transport.push('server.updated', server('b'))
    await flush()
    expect(store.getState().servers.map((x) => `${x.id}:${x.state}`)).toEqual(['a:busy', 'b:ready'])
  })

  it('reloads after a reconnect and notifies subscribers once per batch', async () => {
    const transport = new FakeTransport(engine())
    const scheduled: Array<() => void> = []
    const store = createFleetStore(createApiClient(transport), { schedule: (cb) => scheduled.push(cb) })
    let renders = 0
    store.subscribe(() => renders++)
    await flush()
    for (let i = 0; i < 50; i++) transport.push('server.updated', server('a', i % 2 ? 'busy' : 'ready'))
    scheduled.splice(0).forEach((cb) => cb())
    expect(renders).toBe(1)
    transport.respondWith(engine({ 'servers.list': [server('z')] }))
    transport.setStatus({ state: 'reconnecting', attempt: 1 })
    transport.setStatus({ state: 'open', attempt: 0 })
    await flush()
    expect(store.getState().servers.map((x) => x.id)).toEqual(['z'])
  })

  it('shows a notice when loading fails on an open connection', async () => {
    const transport = new FakeTransport(() => {
      throw new Error('internal trouble')
    })
    const store = createFleetStore(createApiClient(transport), { schedule: sync })
    await flush()
    expect(store.getState().notices.map((n) => n.message)).toEqual(['Could not load the fleet: internal trouble'])
  })
})
