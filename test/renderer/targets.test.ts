// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest'
import { cycleTarget, FOLLOW_SETTINGS, resolveTarget, splitPrompts, submitPrompts, targetOptions } from '../../renderer/src/prompt/targets'
import { buildAddParams, fieldOfError, slugify } from '../../renderer/src/servers/specForm'

const servers = [{ id: 'local-1', name: 'local-1' }, { id: 'local-2', name: 'Second' }] as never

describe('prompt targets', () => {
  it('offers the strategies, each server, then broadcast, and cycles through them', () => {
    const options = targetOptions(servers)
    expect(options.map((o) => o.label)).toEqual(['round-robin', 'least-loaded', 'random', 'local-1', 'Second', 'broadcast'])
    expect(options[3].target).toEqual({ kind: 'server', serverId: 'local-1' })
    expect(options[5].target).toEqual({ kind: 'broadcast' })
    expect(cycleTarget(options, 'strategy:random')).toBe('server:local-1')
    expect(cycleTarget(options, 'broadcast')).toBe('strategy:round-robin')
    expect(cycleTarget(options, 'strategy:round-robin', -1)).toBe('broadcast')
  })

  it('broadcasts to the ticked servers by name, and to nobody is no target', () => {
    const options = targetOptions(servers)
    const broadcast = options[5]
    expect(resolveTarget(broadcast, servers, new Set())).toEqual({ kind: 'broadcast', serverIds: ['local-1', 'local-2'] })
    expect(resolveTarget(broadcast, servers, new Set(['local-1']))).toEqual({ kind: 'broadcast', serverIds: ['local-2'] })
    expect(resolveTarget(broadcast, servers, new Set(['local-1', 'local-2']))).toBeNull()
    // Only broadcast reads the ticks.
    expect(resolveTarget(options[3], servers, new Set(['local-1']))).toEqual({ kind: 'server', serverId: 'local-1' })
  })

  it('splits one prompt per non-empty line only when asked', () => {
    expect(splitPrompts('  a\n\nb  \n', true)).toEqual(['a', 'b'])
    expect(splitPrompts('  a\nb ', false)).toEqual(['a\nb'])
    expect(splitPrompts('  \n ', false)).toEqual([])
  })

  it('submits to the target, a chosen strategy inside it (never through the settings)', async () => {
    const api = { 'tasks.submit': vi.fn(async () => []) }
    const [, , random, one, , broadcast] = targetOptions(servers)
    await submitPrompts(api, ['a', 'b'], random.target)
    expect(api['tasks.submit']).toHaveBeenLastCalledWith({ tasks: [{ prompt: 'a', target: { kind: 'any', strategy: 'random' } }, { prompt: 'b', target: { kind: 'any', strategy: 'random' } }] })
    await submitPrompts(api, ['c'], FOLLOW_SETTINGS)
    expect(api['tasks.submit']).toHaveBeenLastCalledWith({ tasks: [{ prompt: 'c', target: { kind: 'any' } }] })
    await submitPrompts(api, ['d'], one.target)
    expect(api['tasks.submit']).toHaveBeenLastCalledWith({ tasks: [{ prompt: 'd', target: { kind: 'server', serverId: 'local-1' } }] })
    await submitPrompts(api, ['e'], broadcast.target)
    expect(api['tasks.submit']).toHaveBeenLastCalledWith({ tasks: [{ prompt: 'e', target: { kind: 'broadcast' } }] })
    await submitPrompts(api, [], one.target)
    expect(api['tasks.submit']).toHaveBeenCalledTimes(4)
  })
})

describe('add-server form', () => {
  it('builds servers.add params, leaving empty fields out', () => {
    expect(buildAddParams('url', { name: 'Remote One', baseUrl: ' http://h:4096 ', username: '', password: 'pw', capacity: '2' }, { start: true, persist: false })).toEqual({
      spec: { kind: 'url', name: 'Remote One', id: 'remote-one', baseUrl: 'http://h:4096', capacity: 2 },
      password: 'pw',
      start: true,
      persist: false,
    })
    expect(buildAddParams('local', { id: 'l3', directory: '/tmp', demo: true }, { start: false, persist: true }).spec).toEqual({
      kind: 'local',
      id: 'l3',
      name: 'l3',
      directory: '/tmp',
      demo: true,
    })
  })

  it('finds the field an engine error names', () => {
    expect(fieldOfError('servers.add: spec.baseUrl: expected an http(s) URL', 'url')).toBe('baseUrl')
    expect(fieldOfError('servers.add: password: too long', 'url')).toBe('password')
    expect(fieldOfError('servers.add: spec.baseUrl: x', 'local')).toBeUndefined()
    expect(fieldOfError('a server with id "a" exists', 'local')).toBeUndefined()
  })

  it('slugifies names into ids', () => {
    expect(slugify('My Server #2')).toBe('my-server-2')
    expect(slugify('..x')).toBe('x')
  })
})
