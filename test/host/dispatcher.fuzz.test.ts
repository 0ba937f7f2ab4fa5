import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, methods, ResponseEnvelope, type MethodName, type PushArgs } from '../../core/contract/api'
import { ServerSpec } from '../../core/contract/servers'
import type { TaskSpec } from '../../core/contract/tasks'
import { createDispatcher, type Dispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'
import type { Launcher } from '../../core/launchers/types'
import { mulberry32 } from '../support/random'

const SEED = 20_240_611
const ROUNDS = 10_000
const KNOWN_ID = 'remote1' // registered, never started: nothing is ever contacted
const METHODS = Object.keys(methods) as MethodName[]
const HUGE = 'x'.repeat(1_000_000)
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']
const KEYS = [...NASTY_KEYS, 'id', 'method', 'params', 'spec', 'tasks', 'prompt', 'target', 'kind', 'serverId', 'strategy', 'patch', 'answer', 'stream', '']

/** Own enumerable property even for "__proto__" (as JSON.parse makes it; a plain assignment would set the prototype). */
function put(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

function makeFuzzer(rnd: () => number) {
  const int = (n: number) => Math.floor(rnd() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const numbers = [0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53) - 2, 2 ** 31, -(2 ** 31), 1e308, 5e-324, 64, 65, 101, -101]
  const strings = () => pick(['', ' ', 'a', 'remote1', 'ghost', '../etc/passwd', 'ünï©ødé', '\u0000', 'http://127.0.0.1:9', '/abs', 'x'.repeat(101), HUGE, ...NASTY_KEYS])
  function deep(depth: number): unknown {
    let v: unknown = pick([null, 1, 'leaf'])
    for (let i = 0; i < depth; i++) v = rnd() < 0.5 ? [v] : { a: v }
    return v
  }
  function value(depth = 0): unknown {
    const r = rnd()
    if (r < 0.1) return pick([null, undefined, true, false])
    if (r < 0.3) return pick(numbers)
    if (r < 0.5) return strings()
    if (r < 0.52) return deep(1_000 + int(4_000))
    if (depth > 3) return {}
    if (r < 0.7) return Array.from({ length: int(4) }, () => value(depth + 1))
    const obj: Record<string, unknown> = rnd() < 0.1 ? Object.create(null) : {}
    for (let i = int(4); i > 0; i--) put(obj, rnd() < 0.8 ? pick(KEYS) : strings().slice(0, 50), value(depth + 1))
    return obj
  }
  /** Valid (or nearly valid) params for each method, for mutation. */
  const template = (m: MethodName): Record<string, unknown> =>
    ({
      'servers.add': { spec: { id: pick(['new1', KNOWN_ID]), name: 'n', kind: pick(['url', 'local', 'ssh']), baseUrl: 'http://127.0.0.1:9', directory: '/tmp' }, start: false, persist: false },
      'servers.remove': { id: pick([KNOWN_ID, 'ghost']) },
      'servers.start': { id: pick([KNOWN_ID, 'ghost']) },
      'servers.stop': { id: pick([KNOWN_ID, 'ghost']) },
      'servers.restart': { id: pick([KNOWN_ID, 'ghost']) },
      'tasks.submit': { tasks: [{ prompt: 'hi', target: pick([{ kind: 'any' }, { kind: 'server', serverId: 'ghost' }, { kind: 'broadcast' }]) }] },
      'tasks.list': { states: ['queued'] },
      'tasks.get': { id: 't1' },
      'tasks.cancel': { id: 't1' },
      'tasks.retry': { id: 't1' },
      'scheduler.setStrategy': { strategy: pick(['round-robin', 'least-loaded', 'random']) },
      'attention.answer': { id: `${KNOWN_ID}/per_1`, answer: { kind: 'permission', reply: 'once' } },
      'events.subscribe': { stream: pick([{ kind: 'server', serverId: KNOWN_ID }, { kind: 'task', taskId: 't1' }]) },
      'events.unsubscribe': { subscriptionId: 's1' },
      'settings.update': { patch: { theme: 'dark', strategy: 'random' } },
      'terminals.open': { kind: pick(['shell', 'tui']), serverId: pick([KNOWN_ID, 'ghost']), cols: 80, rows: 24 },
      'terminals.write': { terminalId: 'p1', data: 'echo hi\r' },
      'terminals.resize': { terminalId: 'p1', cols: 100, rows: 30 },
      'terminals.close': { terminalId: 'p1' },
      'terminals.ack': { terminalId: 'p1', chars: 1024 },
    })[m as string] ?? {}
  /** Every [parent, key] inside a value, so a mutation can hit any depth. */
  function slots(v: unknown, out: Array<[Record<string, unknown>, string]> = []) {
    if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push([v as Record<string, unknown>, k]), slots((v as Record<string, unknown>)[k], out)
    return out
  }
  function mutate(params: Record<string, unknown>): unknown {
    const r = rnd()
    if (r < 0.05) return value() // params of the wrong type altogether
    if (r < 0.1) return [params] // an array instead of an object
    for (let n = 1 + int(3); n > 0; n--) {
      const all = slots(params)
      const [parent, key] = all.length ? pick(all) : [params, 'x']
      const op = rnd()
      if (op < 0.3) delete parent[key]
      else if (op < 0.7) parent[key] = value()
      else put(parent, rnd() < 0.5 ? pick(NASTY_KEYS) : 'extra', value())
    }
    return params
  }
  function message(): { message: unknown; kind: 'junk' | 'envelope' | 'unknown' | 'call' } {
    const r = rnd()
    const id = rnd() < 0.9 ? int(1e6) : `req-${int(1e6)}`
    if (r < 0.1) return { message: value(), kind: 'junk' }
    if (r < 0.2) {
      const env: Record<string, unknown> = { id, method: pick(METHODS), params: {} }
      const field = pick(['id', 'method', 'params', 'extra'])
      if (field === 'params') put(env, pick(NASTY_KEYS), value())
      else put(env, field, field === 'id' ? pick([1.5, NaN, null, {}, [], HUGE, true]) : field === 'method' ? pick([1, null, [], 'm'.repeat(101), {}]) : value())
      if (rnd() < 0.3) delete env.method
      return { message: env, kind: 'envelope' }
    }
    if (r < 0.35) {
      const method = pick(['servers.List', 'servers.list ', 'tasks', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'evil.exec', 'm'.repeat(100)])
      return { message: { id, method, params: value() }, kind: 'unknown' }
    }
    const method = pick(METHODS)
    const params = rnd() < 0.15 ? template(method) : mutate(template(method))
    return { message: rnd() < 0.05 ? { id, method } : { id, method, params }, kind: 'call' }
  }
  return { message }
}

/** Whether JSON carries a value faithfully: no NaN or Infinity (they become null), no bigint or functions. */
function isJsonSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value)
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (Array.isArray(value)) return value.every((v) => v !== undefined && isJsonSafe(v))
  // An undefined property is simply left out by JSON: fine for optional fields.
  if (typeof value === 'object') return Object.values(value).every((v) => v === undefined || isJsonSafe(v))
  return false
}
function describeShort(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}…(${v.length})` : v))?.slice(0, 140) ?? String(value)
  } catch {
    return String(value)
  }
}

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort()
const READS = new Set<MethodName>(['servers.list', 'tasks.list', 'tasks.get', 'scheduler.get', 'attention.list', 'settings.get'])

describe('dispatcher under 10,000 random and malformed payloads', () => {
  let engine: Engine
  let dispatcher: Dispatcher
  const pushes: string[] = []

  beforeAll(async () => {
    engine = await Engine.create({})
    await engine.addServer(ServerSpec.parse({ id: KNOWN_ID, name: 'Remote', kind: 'url', baseUrl: 'http://127.0.0.1:9' }), { start: false, persist: false })
    dispatcher = createDispatcher(engine, (...[event]: PushArgs) => void pushes.push(event))
  })
  afterAll(async () => {
    dispatcher?.dispose()
    await engine?.close()
  })

  const snapshot = async () =>
    JSON.stringify({
      servers: engine.fleet.views(),
      tasks: engine.scheduler.list(),
      settings: await dispatcher.call('settings.get', {}),
      attention: engine.attention.list(),
      strategy: engine.scheduler.strategy,
    })

  /**
   * Whether a call could legitimately change state: valid params for a mutating method that
   * names something that exists. The generator turns those into invalid ones (an extra key:
   * every mutating method's params are strict objects).
   */
  function couldMutate(method: MethodName, params: unknown): boolean {
    const parsed = methods[method].params.safeParse(params)
    if (!parsed.success || READS.has(method)) return false
    const p = parsed.data as { id: string; strategy: string; patch: { strategy?: string }; tasks: TaskSpec[] }
    const has = (id: string) => engine.fleet.has(id)
    switch (method) {
      case 'terminals.open':
        return true // a valid open starts a process
      case 'servers.add':
        return true // even a rejected add stores its password first (see the targeted test below)
      case 'servers.remove':
      case 'servers.start':
      case 'servers.stop':
      case 'servers.restart':
        return has(p.id)
      case 'tasks.submit': // a batch naming one unknown server is rejected as a whole
        return !p.tasks.some(({ target: t }) => (t.kind === 'server' && !has(t.serverId)) || (t.kind === 'broadcast' && t.serverIds?.some((id) => !has(id))))
      case 'scheduler.setStrategy':
        return p.strategy !== engine.scheduler.strategy
      case 'settings.update':
        return p.patch.strategy !== undefined && p.patch.strategy !== engine.scheduler.strategy
      default:
        return false // no tasks or attention items exist; subscriptions are per client and undone by dispose()
    }
  }

  it('answers every payload with a contract envelope and changes nothing', async () => {
    const before = await snapshot()
    const listeners = engine.listenerCount('push')
    const fuzz = makeFuzzer(mulberry32(SEED))
    const codes: Record<string, number> = {}
    // Every broken rule, with its first example and count: one run shows every class of problem.
    const problems: Record<string, { count: number; first: string }> = {}
    const check = (ok: boolean, rule: string, example: () => string) => {
      if (ok) return
      const p = (problems[rule] ??= { count: 0, first: example().slice(0, 300) })
      p.count++
    }
    let results = 0
    for (let i = 0; i < ROUNDS; i++) {
      let { message, kind } = fuzz.message()
      const m = message as { method?: MethodName; params?: unknown }
      if (kind === 'call' && couldMutate(m.method!, m.params)) {
        message = { ...m, params: { ...(m.params as object), zzExtra: 1 } }
        expect(methods[m.method!].params.safeParse((message as typeof m).params).success).toBe(false)
      }
      let response: ResponseEnvelope
      try {
        response = await dispatcher.handle(message)
      } catch (error) {
        throw new Error(`round ${i} (seed ${SEED}, ${kind}): handle() threw ${String(error)}`)
      }
      const show = () => `round ${i} (${kind}): ${String(describeShort(message))} -> ${describeShort(response)}`
      check(ResponseEnvelope.safeParse(response).success, 'response matches the ResponseEnvelope schema', show)
      check(isJsonSafe(response), 'response survives JSON (WebSocket transport) unchanged', show)
      if ('error' in response) {
        check(ErrorCode.options.includes(response.error.code), 'error code is in ErrorCode', show)
        check(response.error.message.length > 0, 'error message is non-empty', show)
        check(response.error.message.length < 2_000, 'error message does not echo huge input', show)
        codes[response.error.code] = (codes[response.error.code] ?? 0) + 1
        if (kind === 'unknown') check(response.error.code === 'unknown_method', 'unknown method gives unknown_method', show)
        if (kind === 'envelope') check(response.error.code === 'bad_request', 'bad envelope gives bad_request', show)
        // Junk is almost always not an envelope; by chance it may be one naming no real method.
        if (kind === 'junk') check(['bad_request', 'unknown_method'].includes(response.error.code), 'junk gives bad_request', show)
      } else {
        results++
        check(kind === 'call' && methods[m.method!].params.safeParse(m.params).success, 'only valid calls get a result', show)
      }
      if (kind === 'call' || kind === 'unknown') check(response.id === (message as { id: unknown }).id, 'the request id is echoed', show)
    }
    // The run exercised every class of answer, not just one.
    expect(codes.bad_request).toBeGreaterThan(ROUNDS / 3)
    expect(codes.unknown_method).toBeGreaterThan(ROUNDS / 20)
    expect(codes.not_found).toBeGreaterThan(0)
    expect(results).toBeGreaterThan(0)

    expect(await snapshot()).toBe(before)
    // "__proto__" and "constructor" keys were data, never merged into a prototype.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS)
    dispatcher.dispose() // closes any subscription the fuzz opened
    expect(engine.hub.subscriberCount).toBe(0)
    expect(engine.listenerCount('push')).toBe(listeners - 1)
    expect(pushes.filter((e) => e !== 'events.data')).toEqual([]) // nothing was announced as changed
    dispatcher = createDispatcher(engine, (...[event]: PushArgs) => void pushes.push(event))
    expect(problems).toEqual({}) // last, so the state checks above run even when this fails
  })

  it('names the bad field and what it expected', async () => {
    const bad = await dispatcher.call('tasks.submit', { tasks: [{ prompt: 'hi', priority: 'high' }] }, 3)
    expect(bad).toMatchObject({ id: 3, error: { code: 'bad_request' } })
    expect('error' in bad && bad.error.message).toMatch(/^tasks\.submit: tasks\.0\.priority: .*expected number/)
    const url = await dispatcher.handle({ id: 'a', method: 'servers.add', params: { spec: { id: 'x', name: 'x', kind: 'url', baseUrl: 'ftp://h' } } })
    expect(url).toEqual({ id: 'a', error: { code: 'bad_request', message: 'servers.add: spec.baseUrl: expected an http(s) URL' } })
    expect(await dispatcher.handle('hello')).toEqual({ id: null, error: { code: 'bad_request', message: 'expected {id, method, params}, got a string' } })
  })

  it('never echoes an id the contract does not allow (NaN, Infinity) on a rejected envelope', async () => {
    for (const id of [NaN, Infinity, -Infinity]) {
      const res = await dispatcher.handle({ id, method: 'servers.list', params: {}, extra: 1 })
      expect(ResponseEnvelope.safeParse(res).success, `id ${id} -> ${String(res.id)}`).toBe(true)
    }
  })

  it('names an unknown method', async () => {
    const res = await dispatcher.handle({ id: 7, method: 'servers.explode', params: {} })
    expect(res).toMatchObject({ id: 7, error: { code: 'unknown_method' } })
    expect('error' in res && res.error.message).toContain('"servers.explode"')
  })
})

describe('a rejected servers.add', () => {
  it('does not replace the password of the existing server with the same id', async () => {
    const seen: Array<string | undefined> = []
    // Records the password it is started with, then fails: nothing is contacted.
    const url: Launcher = { owns: false, start: async (_spec, context) => (seen.push(context.password), Promise.reject(new Error('not in tests'))) }
    const engine = await Engine.create({ launchers: { url } })
    try {
      const spec = ServerSpec.parse({ id: KNOWN_ID, name: 'Remote', kind: 'url', baseUrl: 'http://127.0.0.1:9' })
      await engine.addServer(spec, { password: 'right', start: false, persist: false })
      const dispatcher = createDispatcher(engine, () => {})
      const res = await dispatcher.call('servers.add', { spec, password: 'attacker', start: false, persist: false })
      expect(res).toMatchObject({ error: { code: 'conflict' } })
      await dispatcher.call('servers.start', { id: KNOWN_ID })
      expect(seen).toEqual(['right'])
      dispatcher.dispose()
    } finally {
      await engine.close()
    }
  })
})
