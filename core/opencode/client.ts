import { createOpencodeClient, type OpencodeClient as SdkClient } from '@opencode-ai/sdk/v2/client'
import type { z } from 'zod'
import {
  OcFileDiff,
  OcHealth,
  OcMessages,
  OcPermissionRequest,
  OcQuestionRequest,
  OcSession,
  OcSessionStatusMap,
} from '../contract/opencode'
import type { PermissionReply } from '../contract/attention'
import { basicAuthHeader, type ServerAuth } from './auth'
import { unreachableCause } from './reachability'

export interface ClientOptions {
  baseUrl: string
  auth?: ServerAuth
  /** Per-request timeout: a wedged server hangs every request, so none may wait forever. */
  timeoutMs?: number
}

export class ServerRequestError extends Error {
  /** `unreachable`: the request never reached the server, and why ("connection refused", "host not found"…). */
  constructor(message: string, readonly status?: number, readonly unreachable?: string) {
    super(message)
    this.name = 'ServerRequestError'
  }
}

/**
 * REST client for one opencode server: the official SDK for the calls, zod for every answer
 * (a server response is outside input like any other).
 */
export class OpencodeClient {
  readonly baseUrl: string
  private readonly sdk: SdkClient
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '')
    this.headers = basicAuthHeader(options.auth)
    this.timeoutMs = options.timeoutMs ?? 15_000
    const timeoutMs = this.timeoutMs
    const headers = this.headers
    const authedFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init)
      for (const [k, v] of Object.entries(headers)) request.headers.set(k, v)
      return fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) })
    }
    this.sdk = createOpencodeClient({ baseUrl: this.baseUrl, fetch: authedFetch as typeof fetch })
  }

  /** `GET /global/health`, with its own (short) timeout: this is the liveness probe. */
  async health(timeoutMs = 3_000): Promise<z.infer<typeof OcHealth>> {
    const response = await this.raw('GET', '/global/health', undefined, timeoutMs)
    return parse(OcHealth, await response.json(), 'GET /global/health')
  }

  /**
   * `GET /provider` for a folder: opencode boots the folder's instance and loads its providers
   * lazily, on the first request that needs them (1-3 s here, measured: a bare `?directory=`
   * request like /session/status or /config boots the instance in ~0.1 s but leaves the
   * providers for the first prompt). Asked early, a server's first prompt no longer pays for it.
   */
  warmUp(directory: string | undefined, timeoutMs = 15_000): Promise<void> {
    const query = directory === undefined ? '' : `?directory=${encodeURIComponent(directory)}`
    // A failed warm-up costs nothing but the time it would have saved: the prompt loads it then.
    this.warmedUp = this.raw('GET', `/provider${query}`, undefined, timeoutMs).then((r) => r.arrayBuffer()).then(() => {}, () => {})
    return this.warmedUp
  }

  /**
   * Settles once the warm-up has answered (at once if none was asked for). A prompt sent while it
   * runs does not join it: opencode loads the providers a second time beside it (measured), so
   * a task's first request waits for it instead.
   */
  warmedUp: Promise<void> = Promise.resolve()

  async createSession(directory: string | undefined, title?: string): Promise<z.infer<typeof OcSession>> {
    const res = await this.sdk.session.create({ directory, title })
    return parse(OcSession, unwrap(res, 'POST /session'), 'POST /session')
  }

  async promptAsync(
    sessionId: string,
    input: { text: string; directory?: string; agent?: string; model?: string },
  ): Promise<void> {
    const model = input.model ? splitModel(input.model) : undefined
    const res = await this.sdk.session.promptAsync({
      sessionID: sessionId,
      directory: input.directory,
      agent: input.agent,
      model,
      parts: [{ type: 'text', text: input.text }],
    })
    unwrap(res, `POST /session/${sessionId}/prompt_async`, true)
  }

  async abort(sessionId: string, directory?: string): Promise<void> {
    unwrap(await this.sdk.session.abort({ sessionID: sessionId, directory }), `POST /session/${sessionId}/abort`, true)
  }

  async sessionStatus(directory?: string): Promise<z.infer<typeof OcSessionStatusMap>> {
    return parse(OcSessionStatusMap, unwrap(await this.sdk.session.status({ directory }), 'GET /session/status'), 'GET /session/status')
  }

  async messages(sessionId: string, directory?: string): Promise<z.infer<typeof OcMessages>> {
    const what = `GET /session/${sessionId}/message`
    return parse(OcMessages, unwrap(await this.sdk.session.messages({ sessionID: sessionId, directory }), what), what)
  }

  /** Files changed by the turn that answered `messageId` (opencode 1.18 returns [] without it). */
  async diff(sessionId: string, messageId: string | undefined, directory?: string): Promise<z.infer<typeof OcFileDiff>[]> {
    const what = `GET /session/${sessionId}/diff`
    const data = unwrap(await this.sdk.session.diff({ sessionID: sessionId, messageID: messageId, directory }), what)
    return parse(OcFileDiff.array(), data ?? [], what)
  }

  /**
   * `POST /instance/dispose?directory=`: opencode frees a folder's instance (60-140 MB each,
   * measured), which it keeps until told; called when a task's worktree goes.
   */
  async disposeInstance(directory: string, timeoutMs = 10_000): Promise<void> {
    const res = await this.raw('POST', `/instance/dispose?directory=${encodeURIComponent(directory)}`, undefined, timeoutMs)
    await res.arrayBuffer()
  }

  /**
   * Has opencode boot what a folder needs (its file watcher, its project's list of copies) before
   * a prompt there: opencode does it on the first request that needs it, which a first turn
   * waits for (0.6 s at 20k files, measured on 1.18.33). `GET /file?path=.` lists the folder's
   * top level and is such a request; the listing itself is not read.
   */
  async bootFolder(directory: string, timeoutMs = 15_000): Promise<void> {
    const res = await this.raw('GET', `/file?path=.&directory=${encodeURIComponent(directory)}`, undefined, timeoutMs)
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`GET /file in ${directory}: expected 200, got ${res.status}`)
  }

  async permissions(directory?: string): Promise<z.infer<typeof OcPermissionRequest>[]> {
    return parse(OcPermissionRequest.array(), unwrap(await this.sdk.permission.list({ directory }), 'GET /permission'), 'GET /permission')
  }

  async replyPermission(requestId: string, reply: PermissionReply, message?: string, directory?: string): Promise<void> {
    unwrap(await this.sdk.permission.reply({ requestID: requestId, reply, message, directory }), `POST /permission/${requestId}/reply`, true)
  }

  async questions(directory?: string): Promise<z.infer<typeof OcQuestionRequest>[]> {
    return parse(OcQuestionRequest.array(), unwrap(await this.sdk.question.list({ directory }), 'GET /question'), 'GET /question')
  }

  async replyQuestion(requestId: string, answers: string[][], directory?: string): Promise<void> {
    unwrap(await this.sdk.question.reply({ requestID: requestId, answers, directory }), `POST /question/${requestId}/reply`, true)
  }

  async rejectQuestion(requestId: string, directory?: string): Promise<void> {
    unwrap(await this.sdk.question.reject({ requestID: requestId, directory }), `POST /question/${requestId}/reject`, true)
  }

  /** Headers for callers that talk to the server directly (the SSE stream). */
  authHeaders(): Record<string, string> {
    return { ...this.headers }
  }

  private async raw(method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      const unreachable = unreachableCause(error, timeoutMs)
      throw new ServerRequestError(`${method} ${path}: ${unreachable ?? describeFetchError(error, timeoutMs)}`, undefined, unreachable)
    }
    if (!response.ok) throw new ServerRequestError(`${method} ${path}: expected 2xx, got HTTP ${response.status}`, response.status)
    return response
  }
}

type SdkResult = { data?: unknown; error?: unknown; response?: Response }

function unwrap(result: SdkResult, what: string, allowEmpty = false): unknown {
  const status = result.response?.status
  if (result.error !== undefined || !result.response || !result.response.ok) {
    const detail = result.error ? errorText(result.error) : 'no response'
    throw new ServerRequestError(`${what}: expected 2xx, got ${status ? `HTTP ${status}` : 'no response'} (${detail})`, status)
  }
  if (!allowEmpty && result.data === undefined) throw new ServerRequestError(`${what}: expected a JSON body, got none`, status)
  return result.data
}

function parse<T extends z.ZodType>(schema: T, data: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ServerRequestError(`${what}: unexpected response (${issue?.path.join('.') || 'body'}: ${issue?.message})`)
  }
  return parsed.data
}

function errorText(error: unknown): string {
  if (error instanceof Error) return describeFetchError(error, 0)
  if (typeof error === 'object' && error) {
    const e = error as { data?: { message?: string }; message?: string; name?: string }
    return e.data?.message ?? e.message ?? e.name ?? JSON.stringify(error).slice(0, 200)
  }
  return String(error)
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`
    return error.message
  }
  return String(error)
}

function splitModel(model: string): { providerID: string; modelID: string } {
  const slash = model.indexOf('/')
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) }
}
