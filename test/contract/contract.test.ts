import { describe, expect, it } from 'vitest'
import { ServerSpec } from '../../core/contract/servers'
import { TaskSpec } from '../../core/contract/tasks'
import { eventSessionId, parseGlobalEvent } from '../../core/contract/opencode'

/** The path and message of the first issue, as the dispatcher reports it. */
function firstIssue(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown) {
  const parsed = schema.safeParse(value)
  expect(parsed.success, `expected ${JSON.stringify(value)} to be rejected`).toBe(false)
  const issue = parsed.error!.issues[0]!
  return { path: issue.path.join('.'), message: issue.message }
}

describe('ServerSpec', () => {
  const base = { id: 'srv-1', name: 'one' }

  it('accepts every kind and fills defaults', () => {
    expect(ServerSpec.parse({ ...base, kind: 'local', directory: '/tmp/x' })).toEqual({ ...base, kind: 'local', directory: '/tmp/x', capacity: 1, demo: false })
    expect(ServerSpec.parse({ ...base, kind: 'local', directory: 'C:\\work', capacity: 4, demo: true })).toMatchObject({ capacity: 4, demo: true })
    expect(ServerSpec.parse({ ...base, kind: 'url', baseUrl: 'https://box:4096/', username: 'u', passwordEnv: 'OC_PASS' })).toMatchObject({ kind: 'url', capacity: 1 })
    expect(ServerSpec.parse({ ...base, kind: 'ssh', host: 'devbox', port: 22, remoteDirectory: '~/src' })).toMatchObject({ kind: 'ssh' })
    expect(ServerSpec.parse({ ...base, kind: 'wezterm', directory: '/w' })).toMatchObject({ domain: 'local' })
    expect(ServerSpec.parse({ ...base, kind: 'tmux', session: 'fleet-1', directory: '/t' })).toMatchObject({ kind: 'tmux' })
    // The name is trimmed: a padded name is the same server name.
    expect(ServerSpec.parse({ ...base, name: '  one  ', kind: 'wezterm', directory: '/w' }).name).toBe('one')
  })

  it.each([
    ['unknown kind', { ...base, kind: 'docker' }, 'kind'],
    ['id with a slash', { ...base, id: 'a/b', kind: 'local', directory: '/x' }, 'id'],
    ['id starting with a dot', { ...base, id: '.hidden', kind: 'local', directory: '/x' }, 'id'],
    ['id longer than 64', { ...base, id: 'x'.repeat(65), kind: 'local', directory: '/x' }, 'id'],
    ['blank name', { ...base, name: '   ', kind: 'local', directory: '/x' }, 'name'],
    ['capacity 0', { ...base, kind: 'local', directory: '/x', capacity: 0 }, 'capacity'],
    ['capacity 1.5', { ...base, kind: 'local', directory: '/x', capacity: 1.5 }, 'capacity'],
    ['capacity 65', { ...base, kind: 'local', directory: '/x', capacity: 65 }, 'capacity'],
    ['relative directory', { ...base, kind: 'local', directory: 'src' }, 'directory'],
    ['missing directory', { ...base, kind: 'local' }, 'directory'],
    ['extra field', { ...base, kind: 'local', directory: '/x', password: 'p' }, ''],
    ['ftp url', { ...base, kind: 'url', baseUrl: 'ftp://box' }, 'baseUrl'],
    ['not a url', { ...base, kind: 'url', baseUrl: 'box:4096' }, 'baseUrl'],
    ['env name with a dash', { ...base, kind: 'url', baseUrl: 'http://box', passwordEnv: 'MY-PASS' }, 'passwordEnv'],
    ['ssh port 0', { ...base, kind: 'ssh', host: 'h', port: 0, remoteDirectory: '/r' }, 'port'],
    ['ssh port 70000', { ...base, kind: 'ssh', host: 'h', port: 70000, remoteDirectory: '/r' }, 'port'],
    ['tmux session with a space', { ...base, kind: 'tmux', session: 'my fleet', directory: '/t' }, 'session'],
    ['tmux session with a dot (tmux reads it as a pane)', { ...base, kind: 'tmux', session: 'fleet.1', directory: '/t' }, 'session'],
  ])('rejects %s at the right path', (_name, value, path) => {
    expect(firstIssue(ServerSpec, value).path).toBe(path)
  })

  it('explains a bad id and a bad URL in words a user can act on', () => {
    expect(firstIssue(ServerSpec, { ...base, id: '-x', kind: 'local', directory: '/x' }).message).toMatch(/^expected 1-64 characters/)
    expect(firstIssue(ServerSpec, { ...base, kind: 'url', baseUrl: 'ftp://box' }).message).toBe('expected an http(s) URL')
    expect(firstIssue(ServerSpec, { ...base, kind: 'local', directory: 'rel' }).message).toBe('expected an absolute path')
  })
})

describe('TaskSpec', () => {
  it('fills defaults: any server, priority 0; attempts are left to the settings (test/scheduler/defaultMaxAttempts)', () => {
    expect(TaskSpec.parse({ prompt: 'fix the tests' })).toEqual({ prompt: 'fix the tests', target: { kind: 'any' }, priority: 0 })
  })

  it('accepts every target kind and the optional fields', () => {
    const full = {
      prompt: 'p',
      title: 't',
      target: { kind: 'broadcast', serverIds: ['a', 'b'] },
      directory: '/repo',
      agent: 'build',
      model: 'openai/gpt-4.1',
      priority: -100,
      timeoutMs: 1_000,
      maxAttempts: 10,
    }
    expect(TaskSpec.parse(full)).toEqual(full)
    expect(TaskSpec.parse({ prompt: 'p', target: { kind: 'server', serverId: 'a' } }).target).toEqual({ kind: 'server', serverId: 'a' })
    expect(TaskSpec.parse({ prompt: 'p', target: { kind: 'broadcast' } }).target).toEqual({ kind: 'broadcast' })
  })

  it.each([
    ['empty prompt', { prompt: '' }, 'prompt'],
    ['whitespace prompt', { prompt: '  \n ' }, 'prompt'],
    ['missing prompt', {}, 'prompt'],
    ['prompt over 100k', { prompt: 'x'.repeat(100_001) }, 'prompt'],
    ['unknown target kind', { prompt: 'p', target: { kind: 'all' } }, 'target.kind'],
    ['server target without id', { prompt: 'p', target: { kind: 'server' } }, 'target.serverId'],
    ['empty broadcast list', { prompt: 'p', target: { kind: 'broadcast', serverIds: [] } }, 'target.serverIds'],
    ['relative directory', { prompt: 'p', directory: 'repo' }, 'directory'],
    ['model without provider', { prompt: 'p', model: 'gpt-4' }, 'model'],
    ['agent with a space', { prompt: 'p', agent: 'my agent' }, 'agent'],
    ['priority 101', { prompt: 'p', priority: 101 }, 'priority'],
    ['fractional priority', { prompt: 'p', priority: 0.5 }, 'priority'],
    ['NaN priority', { prompt: 'p', priority: NaN }, 'priority'],
    ['timeout under 1 s', { prompt: 'p', timeoutMs: 999 }, 'timeoutMs'],
    ['Infinity timeout', { prompt: 'p', timeoutMs: Infinity }, 'timeoutMs'],
    ['0 attempts', { prompt: 'p', maxAttempts: 0 }, 'maxAttempts'],
    ['extra field', { prompt: 'p', server: 'a' }, ''],
  ])('rejects %s at the right path', (_name, value, path) => {
    expect(firstIssue(TaskSpec, value).path).toBe(path)
  })

  it('says what a prompt must be', () => {
    expect(firstIssue(TaskSpec, { prompt: ' ' }).message).toBe('expected a non-empty prompt')
    expect(firstIssue(TaskSpec, { prompt: 'p', model: 'x' }).message).toBe('expected provider/model')
  })
})

describe('parseGlobalEvent', () => {
  const part = { id: 'prt_1', sessionID: 'ses_1', messageID: 'msg_1', type: 'text', text: 'hello' }
  const wrap = (payload: unknown, directory?: string) => JSON.stringify({ directory, project: 'p1', payload })
  const eventOf = (data: string) => {
    const parsed = parseGlobalEvent(data)
    if (parsed.kind !== 'event') throw new Error(`expected an event, got ${parsed.kind}`)
    return parsed
  }

  it('parses known events with their directory and keeps fields a newer opencode adds', () => {
    const parsed = eventOf(wrap({ type: 'message.part.updated', properties: { part: { ...part, extra: 1 }, future: true } }, '/work/b'))
    expect(parsed).toEqual({ kind: 'event', directory: '/work/b', event: { type: 'message.part.updated', properties: { part: { ...part, extra: 1 }, future: true } } })
    expect(eventSessionId(parsed.event)).toBe('ses_1')
    const status = eventOf(wrap({ type: 'session.status', properties: { sessionID: 'ses_2', status: { type: 'busy' } } }, '/a'))
    expect(status.event).toEqual({ type: 'session.status', properties: { sessionID: 'ses_2', status: { type: 'busy' } } })
    expect(eventSessionId(status.event)).toBe('ses_2')
    // permission.asked fills default patterns.
    expect(eventOf(wrap({ type: 'permission.asked', properties: { id: 'per_1', sessionID: 'ses_1', permission: 'bash' } })).event).toMatchObject({ properties: { patterns: [] } })
    // server.connected and the heartbeat come without a directory.
    expect(parseGlobalEvent('{"payload":{"type":"server.connected","properties":{}}}')).toEqual({ kind: 'event', event: { type: 'server.connected', properties: {} } })
  })

  it('ignores unknown event types and the sync copies of durable events, quietly', () => {
    expect(parseGlobalEvent(wrap({ type: 'todo.updated', properties: { sessionID: 'ses_3', todos: [] } }, '/a'))).toEqual({ kind: 'ignored', type: 'todo.updated' })
    expect(parseGlobalEvent(wrap({ type: 'sync', syncEvent: { type: 'session.updated.1' } }, '/a'))).toEqual({ kind: 'ignored', type: 'sync' })
    expect(parseGlobalEvent(wrap({ type: 'plugin.added' }, '/a'))).toEqual({ kind: 'ignored', type: 'plugin.added' })
  })

  it.each([
    ['not JSON', 'data: {'],
    ['empty', ''],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['an array', '[{"payload":{"type":"session.idle"}}]'],
    ['a bare /event message (no envelope)', '{"type":"session.idle","properties":{"sessionID":"s"}}'],
    ['a directory that is not a string', wrap({ type: 'server.connected', properties: {} }).replace('"project"', '"directory":7,"project"')],
    ['no type', wrap({ properties: {} })],
    ['empty type', wrap({ type: '', properties: {} })],
    ['numeric type', wrap({ type: 7, properties: {} })],
    ['properties not an object', wrap({ type: 'x.y', properties: 'nope' })],
    ['known type missing a field', wrap({ type: 'session.idle', properties: {} })],
    ['known type with a wrong field type', wrap({ type: 'message.part.delta', properties: { sessionID: 's', messageID: 'm', partID: 'p', field: 'text', delta: 5 } })],
    ['bad session status', wrap({ type: 'session.status', properties: { sessionID: 's', status: { type: 'sleeping' } } })],
    ['bad tool state', wrap({ type: 'message.part.updated', properties: { part: { ...part, type: 'tool', state: { status: 'done' } } } })],
  ])('calls %s malformed', (_name, data) => {
    expect(parseGlobalEvent(data)).toEqual({ kind: 'malformed' })
  })
})
