import { describe, expect, it } from 'vitest'
import { addNotice, applyPush, initialState, MAX_NOTICES, type FleetState } from '../../renderer/src/state/fleetState'
import { expiredToasts, MAX_NOTICE_LOG, noticeIdentity, TOAST_LIFETIME_MS } from '../../renderer/src/state/notices'

const server = (id: string, state = 'ready') => ({ id, name: id, kind: 'url', state, capacity: 1, running: 0, queued: 0, restarts: 0 }) as never

function fleet(...ids: string[]): FleetState {
  let s = initialState({ state: 'open', attempt: 0 })
  for (const id of ids) s = applyPush(s, 'server.updated', server(id))
  return s
}

describe('noticeIdentity', () => {
  const servers = [{ id: 'g1', name: 'gpu-1' }, { id: 'g10', name: 'gpu-10' }]
  it('names the server and the kind of trouble, numbers aside', () => {
    const a = noticeIdentity('warning', 'gpu-1: exited (code 137); restarting in 1.2 s (attempt 2)', servers)
    const b = noticeIdentity('warning', 'gpu-1: exited (code 1); restarting in 4.8 s (attempt 3)', servers)
    expect(a.serverId).toBe('g1')
    expect(a.key).toBe(b.key)
    expect(noticeIdentity('warning', 'gpu-10: exited (code 1); restarting in 1 s (attempt 1)', servers).serverId).toBe('g10')
    expect(noticeIdentity('error', 'gpu-1 failed: exited; gave up after 5 failures in 60 s', servers)).toMatchObject({ serverId: 'g1' })
  })
  it('keeps different kinds and levels apart', () => {
    const dropped = noticeIdentity('info', 'gpu-1: event stream dropped (remote-closed); reconnecting', servers).key
    expect(noticeIdentity('info', 'gpu-1: event stream dropped (timeout); reconnecting', servers).key).toBe(dropped)
    expect(noticeIdentity('warning', 'gpu-1: exited (code 1); restarting in 1 s (attempt 1)', servers).key).not.toBe(dropped)
    expect(noticeIdentity('error', 'gpu-1 failed: x', servers).key).not.toBe(noticeIdentity('warning', 'gpu-1 failed: x', servers).key)
  })
  it('keys a notice about no server by its whole text', () => {
    const one = noticeIdentity('info', 'tasks share their folder: /x is not in a git repository', servers)
    expect(one.serverId).toBeUndefined()
    expect(noticeIdentity('info', 'tasks share their folder: /y is not in a git repository', servers).key).not.toBe(one.key)
    // "gpu-1x: ..." is no notice about gpu-1.
    expect(noticeIdentity('info', 'gpu-1x: hello', servers).serverId).toBeUndefined()
  })
})

describe('toasts in the fleet state', () => {
  it('shows one toast per server and kind (counting repeats); the log keeps every notice', () => {
    let s = fleet('a', 'b')
    s = addNotice(s, 'info', 'a: event stream dropped (remote-closed); reconnecting', 1)
    s = addNotice(s, 'info', 'a: event stream dropped (remote-closed); reconnecting', 2)
    s = addNotice(s, 'info', 'a: event stream dropped (timeout); reconnecting', 3)
    s = addNotice(s, 'info', 'b: event stream dropped (remote-closed); reconnecting', 4)
    expect(s.notices.map((n) => [n.serverId, n.repeats, n.at])).toEqual([['a', 3, 3], ['b', 1, 4]])
    expect(s.noticeLog).toHaveLength(4)
  })

  it('drops a server’s toasts when it is removed, and when it is back up; not on a mere update while up', () => {
    let s = fleet('a', 'b')
    s = addNotice(s, 'info', 'a: event stream dropped (remote-closed); reconnecting')
    s = applyPush(s, 'server.updated', server('a', 'ready'))
    expect(s.notices).toHaveLength(1) // it never went down
    s = applyPush(s, 'server.updated', server('a', 'restarting'))
    s = addNotice(s, 'warning', 'a: exited (code 137); restarting in 1.0 s (attempt 1)')
    s = addNotice(s, 'warning', 'b: exited (code 137); restarting in 1.0 s (attempt 1)')
    s = applyPush(s, 'server.updated', server('a', 'ready'))
    expect(s.notices.map((n) => n.serverId)).toEqual(['b'])
    s = applyPush(s, 'server.removed', { id: 'b' })
    expect(s.notices).toEqual([])
    expect(s.noticeLog).toHaveLength(3)
  })

  it('bounds the toasts and the log', () => {
    let s = fleet()
    for (let i = 0; i < MAX_NOTICE_LOG + 10; i++) s = addNotice(s, 'info', `n${i}`)
    expect(s.notices).toHaveLength(MAX_NOTICES)
    expect(s.noticeLog).toHaveLength(MAX_NOTICE_LOG)
    expect(s.noticeLog.at(-1)!.message).toBe(`n${MAX_NOTICE_LOG + 9}`)
  })
})

describe('expiredToasts', () => {
  const toasts = [
    { id: 1, level: 'info' as const, at: 0 },
    { id: 2, level: 'warning' as const, at: 0 },
    { id: 3, level: 'error' as const, at: 0 },
  ]
  it('expires info first, then warnings, errors last', () => {
    expect(expiredToasts(toasts, TOAST_LIFETIME_MS.info - 1)).toEqual([])
    expect(expiredToasts(toasts, TOAST_LIFETIME_MS.info + 1).map((t) => t.id)).toEqual([1])
    expect(expiredToasts(toasts, TOAST_LIFETIME_MS.warning + 1).map((t) => t.id)).toEqual([1, 2])
    expect(expiredToasts(toasts, TOAST_LIFETIME_MS.error + 1).map((t) => t.id)).toEqual([1, 2, 3])
  })
  it('expires nothing while held (pointer or focus on the toasts), then what is past its time', () => {
    expect(expiredToasts(toasts, 60_000, Infinity)).toEqual([])
    expect(expiredToasts(toasts, 60_000, 60_001)).toEqual([])
    expect(expiredToasts(toasts, 60_002, 60_001)).toHaveLength(3)
  })
})
