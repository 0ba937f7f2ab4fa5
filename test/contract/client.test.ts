import { describe, expect, it, vi } from 'vitest'
import { ApiError, createApiClient } from '../../core/contract/client'
import { FakeTransport, flush } from '../support/fakeTransport'

const server = (id: string, state = 'ready') => ({ id, name: id, kind: 'local', state, capacity: 1, running: 0, queued: 0, restarts: 0 })

describe('api client', () => {
  it('matches responses to requests by id, whatever order they come back in', async () => {
    const transport = new FakeTransport()
    const sent: Array<{ id: number; method: string }> = []
    transport.send = (m) => void sent.push(m as { id: number; method: string })
    const client = createApiClient(transport)
    const list = client['servers.list']({})
    const strategy = client['scheduler.get']({})
    expect(sent.map((m) => m.method)).toEqual(['servers.list', 'scheduler.get'])
    expect(sent[0]).toMatchObject({ params: {} })
    transport.deliver({ id: sent[1].id, result: { strategy: 'random' } })
    transport.deliver({ id: sent[0].id, result: [server('a')] })
    await expect(strategy).resolves.toEqual({ strategy: 'random' })
    await expect(list).resolves.toEqual([server('a')])
  })

  it('rejects with an Error carrying the engine message and code', async () => {
    const message = 'servers.add: spec.baseUrl: expected an http(s) URL'
    const client = createApiClient(
      new FakeTransport(() => {
        throw new Error(message)
      }),
    )
    const call = client['servers.add']({ spec: { kind: 'url', id: 'x', name: 'x', baseUrl: 'ftp://x' } })
    await expect(call).rejects.toThrow(message)
    await expect(call).rejects.toBeInstanceOf(ApiError)
    await expect(call).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('dispatches valid pushes to their handlers only', async () => {
    const transport = new FakeTransport()
    const client = createApiClient(transport)
    const updated = vi.fn()
    const removed = vi.fn()
    const data = vi.fn()
    client.on('server.updated', updated)
    client.on('server.removed', removed)
    const off = client.on('events.data', data)
    transport.push('server.updated', server('a', 'busy'))
    transport.push('events.data', { subscriptionId: 's1', data: 'hi', dropped: 0 })
    off()
    transport.push('events.data', { subscriptionId: 's1', data: 'again', dropped: 0 })
    expect(updated).toHaveBeenCalledWith(expect.objectContaining({ id: 'a', state: 'busy' }))
    expect(removed).not.toHaveBeenCalled()
    expect(data).toHaveBeenCalledTimes(1)
    expect(data).toHaveBeenCalledWith({ subscriptionId: 's1', data: 'hi', dropped: 0 })
  })

  it('accepts several envelopes batched into one message', async () => {
    const transport = new FakeTransport()
    const client = createApiClient(transport)
    const data = vi.fn()
    client.on('events.data', data)
    transport.deliver([
      { event: 'events.data', payload: { subscriptionId: 's', data: 'a', dropped: 0 } },
      { event: 'events.data', payload: { subscriptionId: 's', data: 'b', dropped: 0 } },
    ])
    expect(data.mock.calls.map((c) => c[0].data)).toEqual(['a', 'b'])
  })

  it('ignores garbage without throwing or resolving anything', async () => {
    const transport = new FakeTransport()
    transport.send = () => {}
    const client = createApiClient(transport)
    const updated = vi.fn()
    const data = vi.fn()
    client.on('server.updated', updated)
    client.on('events.data', data)
    const pending = client['servers.list']({})
    let settled = false
    pending.then(
      () => (settled = true),
      () => (settled = true),
    )
    for (const junk of [null, 42, 'text', [], {}, { id: 999, result: 1 }, { id: 1 }, { id: 1, error: 'nope' }, { id: 1, error: { code: 'x' } }, { event: 7 }]) {
      expect(() => transport.deliver(junk)).not.toThrow()
    }
    transport.push('server.updated', { id: 'a' }) // fails the ServerView schema
    transport.push('server.updated', server('bad id with spaces'))
    transport.push('events.data', { subscriptionId: 1, data: 'x' })
    transport.push('no.such.event', {})
    await flush()
    expect(settled).toBe(false)
    expect(updated).not.toHaveBeenCalled()
    expect(data).not.toHaveBeenCalled()
  })

  it('keeps dispatching when one handler throws', () => {
    const transport = new FakeTransport()
    const client = createApiClient(transport)
    const second = vi.fn()
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    client.on('notice', () => {
      throw new Error('boom')
    })
    client.on('notice', second)
    transport.push('notice', { level: 'info', message: 'hello' })
    expect(second).toHaveBeenCalledWith({ level: 'info', message: 'hello' })
    spy.mockRestore()
  })

  it('keeps requests queued across failed attempts, and rejects those in flight when an open connection drops', async () => {
    const transport = new FakeTransport(() => [], false)
    transport.send = () => {}
    const client = createApiClient(transport)
    let queuedSettled = false
    const queued = client['servers.list']({})
    queued.catch(() => {}).finally(() => (queuedSettled = true))
    transport.setStatus({ state: 'reconnecting', attempt: 1 })
    await flush()
    expect(queuedSettled).toBe(false)
    transport.setStatus({ state: 'open', attempt: 0 })
    const inFlight = client['tasks.list']({})
    transport.setStatus({ state: 'reconnecting', attempt: 1, retryAt: 0 })
    await expect(queued).rejects.toThrow('connection to Flotilla was lost')
    await expect(inFlight).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('reports the connection status to listeners', () => {
    const transport = new FakeTransport(() => [], false)
    const client = createApiClient(transport)
    const seen: string[] = []
    client.onStatus((s) => seen.push(s.state))
    transport.setStatus({ state: 'open', attempt: 0 })
    expect(client.status().state).toBe('open')
    expect(seen).toEqual(['open'])
  })
})
