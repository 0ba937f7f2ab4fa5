import type { OcMessageWithParts } from '../contract/opencode'
import type { ChangedFile } from '../contract/tasks'
import { errorMessage } from '../lib/errors'
import { ServerRequestError, type OpencodeClient } from '../opencode/client'
import { NO_SECRETS, type Secrets } from '../view/redact'
import { SessionRenderer } from '../view/sessionRenderer'
import { turnError, turnFinished, turnResult } from './sessionResult'
import { resolveTaskDirectory, type ServerPlace } from './taskDirectory'
import type { AttemptHandle, AttemptOutcome, AttemptRunner } from './types'

/** The servers a restored session may be on (the fleet satisfies it). */
export interface SessionServers {
  get(serverId: string): { readonly client: OpencodeClient | undefined; readonly instance?: ServerPlace | undefined; readonly spec: { readonly name: string } }
}

/**
 * Finishes the attempt a restored task was running when Flotilla stopped, from its session on
 * the server (`GET /session/:id/message`) instead of sending the prompt again: a session whose
 * turn ended gives the task's result; one still busy is followed until it ends; one that never
 * got the prompt runs it anew; one the server no longer has, or whose turn the server cut off,
 * is a server lost under the task (the scheduler's policy decides what follows).
 */
export class RestoredSessionRunner implements AttemptRunner {
  constructor(
    private readonly servers: SessionServers,
    private readonly pollMs = 1_000,
    /** Known secrets, redacted from the output its renderer produces. */
    private readonly secrets: Secrets = NO_SECRETS,
  ) {}

  async run(handle: AttemptHandle): Promise<AttemptOutcome> {
    const task = handle.task
    const sessionId = task.sessionId
    const server = this.servers.get(handle.serverId)
    const client = server.client
    if (!client || !sessionId) return { kind: 'server-lost', error: 'server not running' }
    let directory: string | undefined
    try {
      // The folder the session was created in, resolved as the runner resolved it.
      directory = resolveTaskDirectory(task.directory, server.instance ?? {}, server.spec.name)
    } catch (error) {
      return { kind: 'failed', error: errorMessage(error) }
    }
    const renderer = new SessionRenderer(this.secrets)
    try {
      for (;;) {
        if (handle.signal.aborted) return await this.aborted(handle, client, sessionId, directory)
        // Status first: when it says idle, the messages read after it hold the whole turn.
        const status = (await client.sessionStatus(directory))[sessionId]?.type ?? 'idle'
        const messages = await client.messages(sessionId, directory)
        for (const message of messages) handle.output(renderer.replay(message))
        if (status === 'idle') {
          handle.output(renderer.finish())
          return await this.settled(client, sessionId, messages, directory, handle.serverId)
        }
        await sleep(this.pollMs, handle.signal)
      }
    } catch (error) {
      if (handle.signal.aborted) return await this.aborted(handle, client, sessionId, directory)
      if (error instanceof ServerRequestError && error.status === 404) {
        return { kind: 'server-lost', error: `session ${sessionId} is no longer on ${handle.serverId} (the server was restarted without its state)` }
      }
      if (error instanceof ServerRequestError && error.status !== undefined) return { kind: 'failed', error: `could not read its session after a restart: ${errorMessage(error)}` }
      return { kind: 'server-lost', error: `could not reach ${handle.serverId} to read its session: ${errorMessage(error)}` }
    }
  }

  /** What an idle session says about the attempt. */
  private async settled(client: OpencodeClient, sessionId: string, messages: readonly OcMessageWithParts[], directory: string | undefined, serverId: string): Promise<AttemptOutcome> {
    const prompt = messages.findLast((m) => m.info.role === 'user')
    // The prompt is sent only after the session is journalled; a crash between the two leaves an empty session.
    if (!prompt) return { kind: 'not-started' }
    if (!turnFinished(messages)) return { kind: 'server-lost', error: `its turn on ${serverId} was cut off (the server stopped mid-task)` }
    const error = turnError(messages)
    if (error) return { kind: 'failed', error }
    const diff = await client.diff(sessionId, prompt.info.id, directory).catch(() => [])
    const files: ChangedFile[] = diff.map((f) => ({ file: f.file ?? f.path ?? '?', additions: f.additions, deletions: f.deletions }))
    const ended = messages.at(-1)?.info.time.completed ?? Date.now()
    return { kind: 'completed', result: turnResult(messages, Math.max(0, ended - prompt.info.time.created), files) }
  }

  private async aborted(handle: AttemptHandle, client: OpencodeClient, sessionId: string, directory: string | undefined): Promise<AttemptOutcome> {
    if (handle.abortReason() === 'server-lost') return { kind: 'server-lost', error: 'server lost mid-task' }
    await client.abort(sessionId, directory).catch(() => {})
    return { kind: 'cancelled' }
  }
}

/** Waits `ms`, or less if the signal fires; leaves no listener behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
