import { describe, expect, it } from 'vitest'
import type { ServerView } from '../../core/contract/servers'
import type { TaskView } from '../../core/contract/tasks'
import { fleetSummary, listRows, matchesFilter, serverHost, showsList } from '../../renderer/src/servers/fleetList'
import { taskResult, taskView } from '../support/taskViews'

const server = (id: string, over: Partial<ServerView> = {}): ServerView => ({ id, name: id, kind: 'url', state: 'ready', capacity: 1, running: 0, queued: 0, restarts: 0, ...over })
const tokens = { input: 100, output: 20, reasoning: 5, cacheRead: 0, cacheWrite: 0 }
const task = (id: string, state: TaskView['state'], cost?: number) =>
  taskView(id, { prompt: id, state, ...(cost === undefined ? {} : { result: taskResult({ tokens, cost }) }) })

describe('serverHost', () => {
  it('drops the port, keeps a bare IPv6 address, calls local kinds this machine', () => {
    expect(serverHost({ kind: 'url', host: '127.0.0.2:4096' })).toBe('127.0.0.2')
    expect(serverHost({ kind: 'url', host: '[::1]:4096' })).toBe('::1')
    expect(serverHost({ kind: 'ssh', host: 'build-box' })).toBe('build-box')
    expect(serverHost({ kind: 'url', host: 'fe80::1' })).toBe('fe80::1')
    expect(serverHost({ kind: 'local', host: '127.0.0.1' })).toBe('this machine')
    expect(serverHost({ kind: 'tmux', host: undefined })).toBe('this machine')
    expect(serverHost({ kind: 'url', host: undefined })).toBe('unknown host')
  })
})

describe('matchesFilter', () => {
  const gpu = server('gpu-1', { kind: 'ssh', host: 'gpu-box', state: 'failed' })
  const web = server('web-2', { kind: 'url', host: '10.0.0.5:4096', state: 'busy' })
  it('matches every word in any field, case-insensitively, in any order', () => {
    expect(matchesFilter(gpu, '')).toBe(true)
    expect(matchesFilter(gpu, 'GPU')).toBe(true)
    expect(matchesFilter(gpu, 'failed ssh')).toBe(true)
    expect(matchesFilter(gpu, 'failed url')).toBe(false)
    expect(matchesFilter(web, '10.0.0')).toBe(true)
  })
  it('scopes a word to one field with field:, any of a comma list, and excludes with -', () => {
    expect(matchesFilter(gpu, 'name:box')).toBe(false)
    expect(matchesFilter(gpu, 'host:box')).toBe(true)
    expect(matchesFilter(gpu, 'state:failed,unhealthy')).toBe(true)
    expect(matchesFilter(web, 'state:failed,unhealthy')).toBe(false)
    expect(matchesFilter(web, 'kind:url -busy')).toBe(false)
    expect(matchesFilter(gpu, 'kind:ssh -busy')).toBe(true)
    // An unknown field is an ordinary word (a host name with a colon still matches).
    expect(matchesFilter(web, '5:4096')).toBe(true)
  })
  it('narrows as the user types: each longer prefix keeps a subset', () => {
    const fleet = Array.from({ length: 60 }, (_, i) => server(`fake-${String(i + 1).padStart(3, '0')}`))
    const counts = ['f', 'fake-', 'fake-0', 'fake-05', 'fake-059'].map((q) => fleet.filter((s) => matchesFilter(s, q)).length)
    expect(counts).toEqual([60, 60, 60, 10, 1])
  })
})

describe('listRows', () => {
  const fleet = [
    server('a', { host: '127.0.0.10:1' }),
    server('b', { host: '127.0.0.2:1', state: 'unhealthy' }),
    server('c', { kind: 'local', host: '127.0.0.1' }),
    server('d', { host: '127.0.0.2:2' }),
  ]
  it('lists the filtered servers in fleet order when not grouped', () => {
    expect(listRows(fleet, '', false).map((r) => r.key)).toEqual(['a', 'b', 'c', 'd'])
    expect(listRows(fleet, 'host:127.0.0.2', false).map((r) => r.key)).toEqual(['b', 'd'])
  })
  it('groups by host: this machine first, then hosts in natural order, with counts and trouble', () => {
    const rows = listRows(fleet, '', true)
    expect(rows.map((r) => (r.type === 'group' ? `[${r.host} ${r.count}/${r.unhealthy}]` : r.key))).toEqual(['[this machine 1/0]', 'c', '[127.0.0.2 2/1]', 'b', 'd', '[127.0.0.10 1/0]', 'a'])
  })
  it('leaves out a group whose servers are all filtered away', () => {
    expect(listRows(fleet, 'state:unhealthy', true).map((r) => r.key)).toEqual(['host:127.0.0.2', 'b'])
    expect(listRows(fleet, 'nothing', true)).toEqual([])
  })
})

describe('fleetSummary', () => {
  it('counts servers by state (restarting is unhealthy), tasks running and queued, tokens and cost of results', () => {
    const servers = [server('a'), server('b', { state: 'busy' }), server('c', { state: 'restarting' }), server('d', { state: 'unhealthy' }), server('e', { state: 'failed' }), server('f', { state: 'stopped' })]
    const tasks = [task('1', 'queued'), task('2', 'queued'), task('3', 'running'), task('4', 'dispatched'), task('5', 'completed', 0.25), task('6', 'failed', 0.05)]
    expect(fleetSummary(servers, tasks)).toEqual({ servers: 6, ready: 1, busy: 1, unhealthy: 2, failed: 1, starting: 0, stopped: 1, running: 2, queued: 2, tokens: 250, cost: 0.3 })
  })
})

describe('showsList', () => {
  it('shows rows above six servers unless the user chose', () => {
    expect(showsList('auto', 6)).toBe(false)
    expect(showsList('auto', 7)).toBe(true)
    expect(showsList('cards', 60)).toBe(false)
    expect(showsList('list', 2)).toBe(true)
  })
})
