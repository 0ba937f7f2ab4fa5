import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OcEvent } from '../../core/contract/opencode'
import { ClientStreams, type StreamFrame } from '../../core/host/api/streams'
import { Engine } from '../../core/host/engine'

// A pane frame the transport drops (a client past its pane mark) is not lost silently: its
// subscription's next frame says how many events it missed.
let engine: Engine

beforeAll(async () => {
  engine = await Engine.create({})
  await engine.addServer({ kind: 'url', id: 'u1', name: 'u1', baseUrl: 'http://127.0.0.1:9', capacity: 1 }, { start: false, persist: false })
})
afterAll(async () => {
  await engine?.close()
})

const failure = (n: number): OcEvent => ({ type: 'session.error', properties: { sessionID: 'ses_1', error: { name: 'UnknownError', data: { message: `boom ${n}` } } } })
const nextFrame = () => new Promise((r) => setTimeout(r, 40))

describe('pane frames a transport drops', () => {
  it('are counted into the next frame of the same subscription', async () => {
    const frames: StreamFrame[] = []
    let accept = false
    const streams = new ClientStreams(engine, (frame) => (accept ? void frames.push(frame) : false), 16)
    const { subscriptionId } = streams.subscribe({ kind: 'server', serverId: 'u1' })
    engine.hub.publish('u1', failure(1))
    engine.hub.publish('u1', failure(2))
    await nextFrame() // this frame is refused
    accept = true
    engine.hub.publish('u1', failure(3))
    await nextFrame()
    expect(frames).toHaveLength(1)
    expect(frames[0]).toMatchObject({ subscriptionId, dropped: 2 })
    expect(frames[0]!.data).toContain('boom 3')
    expect(frames[0]!.data).not.toContain('boom 1')
    streams.dispose()
  })
})
