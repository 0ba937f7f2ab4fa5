// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { watchForNotifications } from '../../renderer/src/notifications'
import { FakeTransport } from '../support/fakeTransport'

// jsdom has no Notification: this stand-in records what the renderer would show. The browser's
// own permission prompt and OS delivery are out of reach here.
const shown: Array<{ title: string; body?: string; tag?: string }> = []
class RecordingNotification {
  static permission: NotificationPermission = 'granted'
  constructor(title: string, options: NotificationOptions = {}) {
    shown.push({ title, body: options.body, tag: options.tag })
  }
}

const task = (id: string, state: string) => ({ id, prompt: `prompt ${id}`, state, target: { kind: 'any' }, priority: 0, maxAttempts: 3, attempts: [], createdAt: 1 })
const flush = () => new Promise((r) => setTimeout(r, 0))

let transport: FakeTransport
let stop: () => void
let focused: boolean

beforeEach(() => {
  shown.length = 0
  focused = false
  RecordingNotification.permission = 'granted'
  vi.stubGlobal('Notification', RecordingNotification)
  vi.spyOn(document, 'hasFocus').mockImplementation(() => focused)
  transport = new FakeTransport()
  stop = watchForNotifications(createApiClient(transport), (id) => (id === 'local-1' ? 'First server' : id))
})

afterEach(() => {
  stop()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('desktop notifications', () => {
  it('tells when a task it saw running finishes while the window is unfocused', async () => {
    transport.push('task.updated', task('t1', 'running'))
    transport.push('task.updated', task('t1', 'completed'))
    await flush()
    expect(shown).toEqual([{ title: 'Task completed', body: 'prompt t1', tag: 'task-t1' }])
  })

  it('says nothing while the window has focus, or for a task first seen already finished', async () => {
    focused = true
    transport.push('task.updated', task('t1', 'running'))
    transport.push('task.updated', task('t1', 'failed'))
    focused = false
    transport.push('task.updated', task('t2', 'completed'))
    await flush()
    expect(shown).toEqual([])
  })

  it('tells when a server needs attention, by the server name', async () => {
    transport.push('attention.added', { id: 'p1', requestId: 'p1', kind: 'permission', serverId: 'local-1', sessionId: 's', title: 'bash: make', createdAt: 1 })
    await flush()
    expect(shown).toEqual([{ title: 'First server needs attention', body: 'bash: make', tag: 'attention-p1' }])
  })

  it('shows nothing without permission, and nothing after it is stopped', async () => {
    RecordingNotification.permission = 'denied'
    transport.push('task.updated', task('t1', 'running'))
    transport.push('task.updated', task('t1', 'cancelled'))
    await flush()
    RecordingNotification.permission = 'granted'
    stop()
    transport.push('attention.added', { id: 'p2', requestId: 'p2', kind: 'permission', serverId: 'local-1', sessionId: 's', title: 'x', createdAt: 1 })
    await flush()
    expect(shown).toEqual([])
  })
})
