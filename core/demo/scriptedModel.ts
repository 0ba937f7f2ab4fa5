/**
 * The scripted model: an OpenAI-compatible chat-completions server on loopback that answers
 * opencode's requests by running the script found in the prompt (see ./script.ts).
 *
 * Endpoints: POST /v1/chat/completions (streaming SSE or plain JSON), GET /v1/models.
 * Requests are classified as:
 *   - main: the agent's step; it always offers tools. Runs the current turn of the script.
 *   - title: opencode's session-title request to the small model. It offers no tools, its system
 *     prompt starts "You are a title generator", and its messages are a user message
 *     "Generate a title for this conversation:" followed by the conversation's user message(s),
 *     so the last user message is the prompt itself. Answered with the first words of the
 *     prompt's text; the script is never run (else a @tool, @delay or @fail would fire twice).
 *   - side: any other request without tools (e.g. a compaction summary). Answered with plain
 *     text and no script, because a tool call could not be run.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { errorReply, parseScript, tokenize, turnAt, type ToolCallStep } from './script'

export type RequestKind = 'main' | 'title' | 'side'

export interface ScriptedModel {
  /** e.g. http://127.0.0.1:PORT/v1 — what opencode's provider options.baseURL needs. */
  baseURL: string
  port: number
  /** Valid chat-completion requests served so far, optionally only those of one kind. */
  requestCount(kind?: RequestKind): number
  /** Stops listening and destroys every open socket (in-flight streams are cut). */
  close(): Promise<void>
}

export const SCRIPTED_MODEL_ID = 'scripted'
const MAX_BODY_BYTES = 32 * 1024 * 1024 // long sessions re-send the whole history every step
const TITLE_MARKERS = [/you are a title generator/i, /^\s*generate a title for this conversation/i]

interface ChatMessage {
  role: string
  content?: unknown
  tool_calls?: unknown
}

interface ChatRequest {
  messages: ChatMessage[]
  stream?: boolean
  tools?: unknown[]
  model?: string
}

/** What one request is answered with. */
interface Answer {
  text: string
  tool?: ToolCallStep
  rate?: number
  chunk?: number
  delayMs: number
  failStatus?: number
}

class BadRequest extends Error {}

export async function startScriptedModel(opts: { host?: string; port?: number } = {}): Promise<ScriptedModel> {
  const host = opts.host ?? '127.0.0.1'
  const sockets = new Set<Socket>()
  const counts: Record<RequestKind, number> = { main: 0, title: 0, side: 0 }
  // How many times each (prompt, turn) has been failed by a counted "@fail <status> <n>".
  const failures = new Map<string, number>()

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy()
      else if (err instanceof BadRequest) sendError(res, 400, err.message, 'invalid_request_error')
      else sendError(res, 500, `scripted model: ${(err as Error).message}`, 'server_error')
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '')
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      sendJson(res, 200, { object: 'list', data: [{ id: SCRIPTED_MODEL_ID, object: 'model', created: 0, owned_by: 'flotilla-demo' }] })
      return
    }
    if (path !== '/v1/chat/completions' && path !== '/chat/completions') {
      sendError(res, 404, `scripted model: no route ${req.method} ${path}`, 'not_found')
      return
    }
    if (req.method !== 'POST') {
      sendError(res, 405, 'scripted model: use POST for chat completions', 'invalid_request_error')
      return
    }
    const body = validateChatRequest(await readJson(req))
    const kind = classify(body)
    counts[kind]++
    const answer = answerFor(kind, body)

    // A client that goes away must stop the delay and the stream, not leave timers running.
    const aborted = new AbortController()
    res.on('close', () => aborted.abort())
    if (answer.delayMs > 0) await sleep(answer.delayMs, aborted.signal)
    if (aborted.signal.aborted) return
    if (answer.failStatus !== undefined) {
      sendError(res, answer.failStatus, `scripted failure: HTTP ${answer.failStatus}`, answer.failStatus >= 500 ? 'server_error' : 'invalid_request_error')
      return
    }
    const usage = usageFor(body, answer)
    if (body.stream) await streamAnswer(res, answer, usage, aborted.signal)
    else sendJson(res, 200, completion(answer, usage))
  }

  function answerFor(kind: RequestKind, body: ChatRequest): Answer {
    const lastUser = lastUserIndex(body.messages)
    const userText = lastUser >= 0 ? messageText(body.messages[lastUser]) : ''
    if (kind === 'title') return { text: titleFor(userText), delayMs: 0 }
    const script = parseScript(userText)
    if (kind === 'side') return { text: `Summary: ${script.text.slice(0, 200) || 'scripted session'}`, delayMs: 0 }
    if (script.errors.length > 0) return { text: errorReply(script), delayMs: 0 }
    const toolResults = body.messages.slice(lastUser + 1).filter((m) => m.role === 'tool').length
    const { turn, index } = turnAt(script, toolResults)
    let failStatus = turn.fail?.status
    if (turn.fail?.times !== undefined) {
      const key = `${index}\u0000${userText}`
      const done = failures.get(key) ?? 0
      if (done < turn.fail.times) failures.set(key, done + 1)
      else failStatus = undefined
    }
    return { text: turn.reply ?? '', tool: turn.tool, rate: script.rate, chunk: script.chunk, delayMs: turn.delayMs, failStatus }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('scripted model: no TCP address')
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    baseURL: `http://${urlHost}:${address.port}/v1`,
    port: address.port,
    requestCount: (kind) => (kind ? counts[kind] : counts.main + counts.title + counts.side),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

// ---------- request parsing ----------

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new BadRequest(`request body larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  const raw = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(raw)
  } catch (err) {
    throw new BadRequest(`request body is not valid JSON: ${(err as Error).message}`)
  }
}

function validateChatRequest(body: unknown): ChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('request body must be a JSON object')
  const { messages, stream, tools } = body as Record<string, unknown>
  if (!Array.isArray(messages) || messages.length === 0) throw new BadRequest('"messages" must be a non-empty array')
  messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || typeof (m as ChatMessage).role !== 'string') {
      throw new BadRequest(`messages[${i}] must be an object with a string "role"`)
    }
  })
  if (stream !== undefined && typeof stream !== 'boolean') throw new BadRequest('"stream" must be a boolean')
  if (tools !== undefined && !Array.isArray(tools)) throw new BadRequest('"tools" must be an array')
  return body as ChatRequest
}

/** The text of a message whose content is a string or an array of content parts. */
export function messageText(message: ChatMessage): string {
  const { content } = message
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .filter((p): p is { type: string; text: string } => typeof p?.text === 'string' && (p.type === 'text' || p.type === undefined))
    .map((p) => p.text)
    .join('\n')
}

function lastUserIndex(messages: ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') return i
  return -1
}

export function classify(body: ChatRequest): RequestKind {
  // Tools first: the agent step always offers tools, so a prompt that merely quotes the title
  // generator's words is still run as a script.
  if (body.tools && body.tools.length > 0) return 'main'
  const texts = body.messages.filter((m) => m.role === 'system' || m.role === 'user').map(messageText)
  return texts.some((t) => TITLE_MARKERS.some((re) => re.test(t))) ? 'title' : 'side'
}

/** A short title from the conversation text, ignoring script directives. */
function titleFor(userText: string): string {
  const body = userText.replace(/^\s*generate a title for this conversation:?/i, '')
  const words = parseScript(body).text.split(/\s+/).filter(Boolean).slice(0, 6).join(' ')
  return (words || 'Scripted session').slice(0, 50)
}

// ---------- responses ----------

interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

function usageFor(body: ChatRequest, answer: Answer): Usage {
  // Rough but stable: ~4 characters per token, so opencode records non-zero token counts.
  const prompt = Math.ceil(JSON.stringify(body.messages).length / 4)
  const args = answer.tool ? Math.ceil(JSON.stringify(answer.tool.args).length / 4) : 0
  const completionTokens = tokenize(answer.text).length + args
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens }
}

function completion(answer: Answer, usage: Usage): Record<string, unknown> {
  const toolCalls = answer.tool
    ? [{ id: callId(), type: 'function', function: { name: answer.tool.name, arguments: JSON.stringify(answer.tool.args) } }]
    : undefined
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: SCRIPTED_MODEL_ID,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.text || null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage,
  }
}

async function streamAnswer(res: ServerResponse, answer: Answer, usage: Usage, signal: AbortSignal): Promise<void> {
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const send = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
    if (!signal.aborted) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: SCRIPTED_MODEL_ID, choices, ...extra })}\n\n`)
  }
  const delta = (d: Record<string, unknown>, finish: string | null = null): void => send([{ index: 0, delta: d, finish_reason: finish }])
  const gapMs = answer.rate ? 1000 / answer.rate : 0

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  delta({ role: 'assistant', content: '' })
  for (const token of answer.chunk ? piecesOf(answer.text, answer.chunk) : tokenize(answer.text)) {
    if (gapMs > 0) await sleep(gapMs, signal)
    if (signal.aborted) return
    delta({ content: token })
  }
  if (answer.tool) {
    // The first tool delta carries index, id, type and name; later ones only argument pieces,
    // which the client concatenates by index (so we split them to exercise that path).
    delta({ tool_calls: [{ index: 0, id: callId(), type: 'function', function: { name: answer.tool.name, arguments: '' } }] })
    for (const piece of splitInPieces(JSON.stringify(answer.tool.args), 3)) {
      delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] })
    }
  }
  delta({}, answer.tool ? 'tool_calls' : 'stop')
  send([], { usage })
  if (!signal.aborted) res.end('data: [DONE]\n\n')
}

/** Text in pieces of `size` characters (code points, so no surrogate pair is cut). */
function piecesOf(text: string, size: number): string[] {
  const chars = [...text]
  const out: string[] = []
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''))
  return out
}

function splitInPieces(s: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(s.length / n))
  const out: string[] = []
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size))
  return out
}

function callId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  sendJson(res, status, { error: { message, type, code: status } })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
