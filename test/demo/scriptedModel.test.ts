import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startScriptedModel, type ScriptedModel } from '../../core/demo/scriptedModel'
import { DEMO_MODEL, demoOpencodeConfig, demoServerEnv } from '../../core/demo/opencodeConfig'

// A tool list like the one opencode sends with every agent step (only its presence matters).
const TOOLS = [{ type: 'function', function: { name: 'bash', parameters: { type: 'object' } } }]
const TITLE_SYSTEM = 'You are a title generator. You output ONLY a thread title. Nothing else.'

let model: ScriptedModel

beforeAll(async () => {
  model = await startScriptedModel()
})
afterAll(async () => {
  await model.close()
})

interface Reply {
  status: number
  contentType: string | null
  text: string
  ms: number
}

async function post(body: unknown, raw?: string): Promise<Reply> {
  const t0 = Date.now()
  const res = await fetch(`${model.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, contentType: res.headers.get('content-type'), text, ms: Date.now() - t0 }
}

/** The data payloads of an SSE body, in order; "[DONE]" stays a string. */
function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)))
}

type Chunk = { object: string; choices: { index: number; delta: Record<string, any>; finish_reason: string | null }[]; usage?: any }

function chunks(text: string): Chunk[] {
  const data = sseData(text)
  expect(data.at(-1)).toBe('[DONE]')
  return data.slice(0, -1) as Chunk[]
}

function streamedText(cs: Chunk[]): string {
  return cs.map((c) => c.choices[0]?.delta.content ?? '').join('')
}

function user(text: string) {
  return { role: 'user', content: text }
}

function main(...messages: unknown[]) {
  return { model: 'scripted', stream: true, stream_options: { include_usage: true }, tools: TOOLS, messages: [{ role: 'system', content: 'You are opencode' }, ...messages] }
}

const toolTurn = (id: string, name: string, args: unknown, result: string) => [
  { role: 'assistant', content: '', tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }] },
  { role: 'tool', tool_call_id: id, content: result },
]

describe('scripted model over HTTP', () => {
  it('streams a reply in OpenAI chunk format with a final usage chunk and [DONE]', async () => {
    const r = await post(main(user('Greet.\n@reply Hello there, friend.')))
    expect(r.status).toBe(200)
    expect(r.contentType).toBe('text/event-stream')
    const cs = chunks(r.text)
    expect(cs.every((c) => c.object === 'chat.completion.chunk')).toBe(true)
    expect(cs[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
    expect(cs.slice(1, 4).map((c) => c.choices[0].delta.content)).toEqual(['Hello', ' there,', ' friend.'])
    expect(streamedText(cs)).toBe('Hello there, friend.')
    const finish = cs.at(-2)!
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop' })
    const usage = cs.at(-1)!
    expect(usage.choices).toEqual([])
    expect(usage.usage.completion_tokens).toBe(3)
    expect(usage.usage.prompt_tokens).toBeGreaterThan(0)
    expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + 3)
  })

  it('answers with the default reply when the prompt has no script', async () => {
    const cs = chunks((await post(main(user('Refactor the parser please')))).text)
    expect(streamedText(cs)).toBe('Done: Refactor the parser please')
  })

  it('streams a tool call as index/id/name first, then argument pieces, finish tool_calls', async () => {
    const args = { command: 'echo hi > out.txt', description: 'write file' }
    const r = await post(main(user(`Go.\n@reply Working on it.\n@tool bash ${JSON.stringify(args)}\n@reply Finished.`)))
    const cs = chunks(r.text)
    expect(streamedText(cs)).toBe('Working on it.')
    const toolDeltas = cs.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(toolDeltas.length).toBeGreaterThan(2)
    const [first, ...rest] = toolDeltas
    expect(first).toMatchObject({ index: 0, type: 'function', function: { name: 'bash', arguments: '' } })
    expect(first.id).toMatch(/^call_[0-9a-f]{24}$/)
    expect(rest.every((d: any) => d.index === 0 && d.id === undefined && d.function.name === undefined)).toBe(true)
    expect(JSON.parse(toolDeltas.map((d: any) => d.function.arguments).join(''))).toEqual(args)
    expect(cs.at(-2)!.choices[0].finish_reason).toBe('tool_calls')
  })

  it('counts tool results after the last user message to find the turn', async () => {
    const script = 'Two steps.\n@tool write {"filePath":"a.txt","content":"x"}\n@tool bash {"command":"cat a.txt"}\n@reply All done.'
    const second = chunks((await post(main(user(script), ...toolTurn('call_1', 'write', {}, 'Wrote file successfully.')))).text)
    const call = second.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(call[0].function.name).toBe('bash')
    expect(JSON.parse(call.map((d: any) => d.function.arguments).join(''))).toEqual({ command: 'cat a.txt' })

    const third = chunks(
      (await post(main(user(script), ...toolTurn('call_1', 'write', {}, 'ok'), ...toolTurn('call_2', 'bash', {}, 'x')))).text,
    )
    expect(streamedText(third)).toBe('All done.')
    expect(third.at(-2)!.choices[0].finish_reason).toBe('stop')

    // A new user message starts its own script at turn 0, whatever came before it.
    const next = chunks(
      (await post(main(user(script), ...toolTurn('call_1', 'write', {}, 'ok'), { role: 'assistant', content: 'All done.' }, user('@reply Second prompt.')))).text,
    )
    expect(streamedText(next)).toBe('Second prompt.')
  })

  it('reads the script from text content parts too', async () => {
    const r = await post(main({ role: 'user', content: [{ type: 'text', text: 'Hi.' }, { type: 'text', text: '@reply From parts.' }] }))
    expect(streamedText(chunks(r.text))).toBe('From parts.')
  })

  it('answers @fail with that status and an error body, on every request', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await post(main(user('Break.\n@fail 500')))
      expect(r.status).toBe(500)
      expect(JSON.parse(r.text)).toEqual({ error: { message: 'scripted failure: HTTP 500', type: 'server_error', code: 500 } })
    }
  })

  it('fails only the first n requests of a turn with "@fail <status> <n>"', async () => {
    const body = main(user('Flaky.\n@fail 503 2\n@reply Recovered.'))
    expect((await post(body)).status).toBe(503)
    expect((await post(body)).status).toBe(503)
    const ok = await post(body)
    expect(ok.status).toBe(200)
    expect(streamedText(chunks(ok.text))).toBe('Recovered.')
  })

  it('waits @delay ms before answering', async () => {
    const r = await post(main(user('@delay 300\n@reply late')))
    expect(r.ms).toBeGreaterThanOrEqual(290)
    expect(streamedText(chunks(r.text))).toBe('late')
  })

  it('streams at @rate tokens per second', async () => {
    // 5 tokens at 20/s: a 50 ms gap before each one.
    const r = await post(main(user('@rate 20\n@reply one two three four five')))
    expect(r.ms).toBeGreaterThanOrEqual(240)
    expect(streamedText(chunks(r.text))).toBe('one two three four five')
  })

  it('answers an invalid script with a text reply listing the errors', async () => {
    const r = await post(main(user('@tool bash {oops}')))
    expect(r.status).toBe(200)
    expect(streamedText(chunks(r.text))).toMatch(/^Script error:\n- line 1: @tool bash: arguments are not valid JSON/)
  })

  it('answers a title request with a short title and never runs the script', async () => {
    const before = { main: model.requestCount('main'), title: model.requestCount('title') }
    const prompt = 'Say hello slowly.\n@delay 5000\n@fail 500\n@tool bash {"command":"touch x"}'
    const r = await post({
      model: 'scripted',
      stream: true,
      messages: [{ role: 'system', content: TITLE_SYSTEM }, user('Generate a title for this conversation:\n'), user(prompt)],
    })
    expect(r.status).toBe(200)
    expect(r.ms).toBeLessThan(2000)
    const cs = chunks(r.text)
    expect(streamedText(cs)).toBe('Say hello slowly.')
    expect(cs.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false)
    expect(model.requestCount('title')).toBe(before.title + 1)
    expect(model.requestCount('main')).toBe(before.main)
  })

  it('answers other tool-less side requests with text and no tool call', async () => {
    const r = await post({ stream: true, messages: [{ role: 'system', content: 'Summarize' }, user('Work.\n@tool bash {"command":"x"}')] })
    const cs = chunks(r.text)
    expect(streamedText(cs)).toBe('Summary: Work.')
    expect(cs.at(-2)!.choices[0].finish_reason).toBe('stop')
  })

  it('answers non-streaming requests with a chat.completion object', async () => {
    const r = await post({ ...main(user('@reply Plain.\n@tool write {"filePath":"a","content":"b"}')), stream: false })
    expect(r.contentType).toBe('application/json')
    const body = JSON.parse(r.text)
    expect(body.object).toBe('chat.completion')
    expect(body.choices[0].finish_reason).toBe('tool_calls')
    expect(body.choices[0].message.content).toBe('Plain.')
    expect(body.choices[0].message.tool_calls[0]).toMatchObject({ type: 'function', function: { name: 'write', arguments: '{"filePath":"a","content":"b"}' } })
    expect(body.usage.completion_tokens).toBeGreaterThan(0)
  })

  it('rejects bad bodies with 400 and a clear message, without counting them', async () => {
    const count = model.requestCount()
    const bad = await post(undefined, '{"messages": [')
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.text).error.message).toMatch(/^request body is not valid JSON/)
    const noMessages = await post({ stream: true })
    expect(noMessages.status).toBe(400)
    expect(JSON.parse(noMessages.text).error.message).toBe('"messages" must be a non-empty array')
    const badRole = await post({ messages: [{ content: 'x' }] })
    expect(JSON.parse(badRole.text).error.message).toBe('messages[0] must be an object with a string "role"')
    expect(model.requestCount()).toBe(count)
  })

  it('lists the model, and answers unknown routes and methods with 404/405', async () => {
    const models = await fetch(`${model.baseURL}/models`)
    expect(await models.json()).toMatchObject({ object: 'list', data: [{ id: 'scripted', object: 'model' }] })
    expect((await fetch(`${model.baseURL}/embeddings`, { method: 'POST' })).status).toBe(404)
    expect((await fetch(`${model.baseURL}/chat/completions`)).status).toBe(405)
  })
})

describe('startScriptedModel lifecycle', () => {
  it('listens on 127.0.0.1 and close() cuts open streams', async () => {
    const m = await startScriptedModel()
    expect(m.baseURL).toBe(`http://127.0.0.1:${m.port}/v1`)
    // A request held open by @delay: close() must not wait for it.
    const pending = new Promise<string>((resolve) => {
      const req = request(`${m.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume()
        res.on('end', () => resolve('ended'))
        res.on('error', () => resolve('error'))
      })
      req.on('error', () => resolve('error'))
      req.end(JSON.stringify(main(user('@delay 20000\n@reply never'))))
    })
    await new Promise((r) => setTimeout(r, 100))
    expect(m.requestCount('main')).toBe(1)
    const t0 = Date.now()
    await m.close()
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(await pending).toBe('error')
  })
})

describe('demo opencode config', () => {
  it('makes the scripted model the default and small model of the only provider', () => {
    const cfg = demoOpencodeConfig('http://127.0.0.1:1234/v1', { permission: { bash: 'ask' } }) as any
    expect(DEMO_MODEL).toBe('flotilla-demo/scripted')
    expect(cfg.model).toBe(DEMO_MODEL)
    expect(cfg.small_model).toBe(DEMO_MODEL)
    expect(cfg.enabled_providers).toEqual(['flotilla-demo'])
    expect(cfg.provider['flotilla-demo']).toMatchObject({ npm: '@ai-sdk/openai-compatible', options: { baseURL: 'http://127.0.0.1:1234/v1' } })
    expect(Object.keys(cfg.provider['flotilla-demo'].models)).toEqual(['scripted'])
    expect(cfg.permission).toEqual({ bash: 'ask' })
    expect(cfg.autoupdate).toBe(false)
    expect(cfg.share).toBe('disabled')
    expect('permission' in (demoOpencodeConfig('http://x/v1') as any)).toBe(false)
  })

  it('keeps every state directory inside stateDir', () => {
    const env = demoServerEnv('/tmp/s/opencode.json', '/tmp/s')
    expect(env.OPENCODE_CONFIG).toBe('/tmp/s/opencode.json')
    for (const key of ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'HOME']) {
      expect(env[key].startsWith('/tmp/s/')).toBe(true)
    }
    expect(env.OPENCODE_DISABLE_AUTOUPDATE).toBe('1')
    expect(env.OPENCODE_DISABLE_MODELS_FETCH).toBe('1')
    expect(env.OPENCODE_DISABLE_EMBEDDED_WEB_UI).toBeUndefined()
  })
})
