// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, createWsTransport, defaultWsUrl, type SocketLike } from '../../renderer/src/api/wsTransport'

class FakeSocket implements SocketLike {
  readyState = 0
  sent: string[] = []
  closed = false
  onopen: ((e: unknown) => void) | null = null
  onclose: ((e: unknown) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  onmessage: ((e: { data: unknown }) => void) | null = null
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.closed = true
  }
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  drop() {
    this.readyState = 3
    this.onclose?.({})
  }
}

describe('WebSocket transport', () => {
  let sockets: FakeSocket[]
  const make = (options = {}) =>
    createWsTransport({ url: 'ws://host/ws', createSocket: (url) => (sockets.push(new FakeSocket(url)), sockets.at(-1)!), random: () => 0.5, ...options })

  beforeEach(() => {
    sockets = []
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('derives ws:// or wss:// from the page', () => {
    expect(defaultWsUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws')
    expect(defaultWsUrl({ protocol: 'https:', host: 'fleet.example' })).toBe('wss://fleet.example/ws')
  })

  it('queues sends while connecting and flushes them in order on open', () => {
    const t = make()
    t.send({ id: 1 })
    t.send({ id: 2 })
    expect(sockets[0].sent).toEqual([])
    sockets[0].open()
    expect(sockets[0].sent).toEqual(['{"id":1}', '{"id":2}'])
    t.send({ id: 3 })
    expect(sockets[0].sent).toHaveLength(3)
    expect(t.status!().state).toBe('open')
  })

  it('decodes JSON messages and ignores what is not JSON', () => {
    const t = make()
    const got: unknown[] = []
    t.onMessage((m) => got.push(m))
    sockets[0].open()
    sockets[0].onmessage!({ data: '{"event":"notice"}' })
    sockets[0].onmessage!({ data: 'not json{' })
    sockets[0].onmessage!({ data: new ArrayBuffer(2) })
    expect(got).toEqual([{ event: 'notice' }])
  })

  it('reconnects with growing backoff and reports each state', () => {
    const t = make({ initialDelayMs: 100, maxDelayMs: 1000 })
    const states: string[] = []
    t.onStatus!((s) => states.push(`${s.state}:${s.attempt}`))
    sockets[0].drop()
    expect(states).toEqual(['reconnecting:1'])
    vi.advanceTimersByTime(99)
    expect(sockets).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(2)
    sockets[1].drop()
    vi.advanceTimersByTime(199)
    expect(sockets).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(3)
    sockets[2].open()
    expect(states).toEqual(['reconnecting:1', 'reconnecting:2', 'open:0'])
  })

  it('caps the backoff and the queue', () => {
    expect(backoffDelay(1, 250, 10_000, () => 0.5)).toBe(250)
    expect(backoffDelay(20, 250, 10_000, () => 0.5)).toBe(10_000)
    expect(backoffDelay(3, 250, 10_000, () => 1)).toBe(1200)
    const t = make({ maxQueued: 2 })
    for (let i = 0; i < 5; i++) t.send({ i })
    sockets[0].open()
    expect(sockets[0].sent).toEqual(['{"i":3}', '{"i":4}'])
  })

  it('stops for good on close', () => {
    const t = make()
    sockets[0].open()
    t.close!()
    expect(sockets[0].closed).toBe(true)
    expect(t.status!().state).toBe('closed')
    vi.advanceTimersByTime(60_000)
    expect(sockets).toHaveLength(1)
  })
})
