// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { createApiClient } from '../../renderer/src/api/client'
import { openPaneStream } from '../../renderer/src/terminal/paneStream'
import { FakeTransport, flush } from '../support/fakeTransport'

function setup(backlog = 'so far\n') {
  let n = 0
  const transport = new FakeTransport((method) => {
    if (method === 'events.subscribe') return { subscriptionId: `s${++n}`, backlog }
    if (method === 'events.unsubscribe') return { ok: true }
    throw new Error(`unexpected ${method}`)
  })
  const out: string[] = []
  const sink = { push: (d: string) => out.push(d), reset: () => out.push('<reset>') }
  return { transport, client: createApiClient(transport), out, sink }
}

describe('pane stream', () => {
  it('subscribes, writes the backlog, then only its own frames', async () => {
    const { transport, client, out, sink } = setup()
    openPaneStream(client, { kind: 'task', taskId: 't1' }, sink)
    expect(transport.sent[0]).toMatchObject({ method: 'events.subscribe', params: { stream: { kind: 'task', taskId: 't1' } } })
    await flush()
    transport.push('events.data', { subscriptionId: 's1', data: 'more\n', dropped: 0 })
    transport.push('events.data', { subscriptionId: 'other', data: 'not mine', dropped: 0 })
    transport.push('events.data', { subscriptionId: 's1', data: 'last', dropped: 2 })
    expect(out.map(stripAnsi)).toEqual(['so far\n', 'more\n', '… 2 events dropped (the pane fell behind) …\n', 'last'])
  })

  it('unsubscribes on close and writes nothing after', async () => {
    const { transport, client, out, sink } = setup('')
    const close = openPaneStream(client, { kind: 'server', serverId: 'a' }, sink)
    await flush()
    close()
    transport.push('events.data', { subscriptionId: 's1', data: 'late', dropped: 0 })
    expect(transport.methods()).toEqual(['events.subscribe', 'events.unsubscribe'])
    expect(transport.sent[1].params).toEqual({ subscriptionId: 's1' })
    expect(out.map(stripAnsi)).toEqual(['Waiting for this server’s events…\n'])
  })

  it('closed before the subscription is answered: unsubscribes when it is', async () => {
    const { transport, client, out, sink } = setup()
    openPaneStream(client, { kind: 'task', taskId: 't1' }, sink)()
    await flush()
    await flush()
    expect(transport.methods()).toEqual(['events.subscribe', 'events.unsubscribe'])
    expect(out).toEqual([])
  })

  it('subscribes again after a reconnect; a task pane redraws from its backlog', async () => {
    const { transport, client, out, sink } = setup('all output\n')
    openPaneStream(client, { kind: 'task', taskId: 't1' }, sink)
    await flush()
    transport.setStatus({ state: 'reconnecting', attempt: 1 })
    transport.push('events.data', { subscriptionId: 's1', data: 'stale', dropped: 0 })
    transport.setStatus({ state: 'open', attempt: 0 })
    await flush()
    transport.push('events.data', { subscriptionId: 's2', data: 'fresh', dropped: 0 })
    expect(out).toEqual(['all output\n', '<reset>', 'all output\n', 'fresh'])
  })

  it('shows a subscription error in the pane', async () => {
    const transport = new FakeTransport(() => {
      throw new Error('expected a known task id, got "nope"')
    })
    const out: string[] = []
    openPaneStream(createApiClient(transport), { kind: 'task', taskId: 'nope' }, { push: (d) => out.push(d), reset: () => {} })
    await flush()
    expect(out.map(stripAnsi)).toEqual(['✗ expected a known task id, got "nope"\n'])
  })
})
