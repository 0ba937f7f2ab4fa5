import { eventSessionId, type OcEvent, type OcMessageWithParts } from '../contract/opencode'
import type { Fleet } from '../fleet/fleet'
import type { ManagedServer } from '../fleet/managedServer'
import { errorMessage } from '../lib/errors'
import { ServerRequestError, type OpencodeClient } from '../opencode/client'
import type { ChangedFile } from '../contract/tasks'
import { NO_SECRETS, type Secrets } from '../view/redact'
import { SessionRenderer } from '../view/sessionRenderer'
import { turnError, turnFinished, turnResult } from './sessionResult'
import { sessionKey } from './sessionKey'
import { resolveTaskDirectory } from './taskDirectory'
import type { AttemptHandle, AttemptOutcome, AttemptRunner } from './types'
import type { PreparedWorkspace, Workspaces } from '../workspace/workspaces'
import type { RemoteExec } from '../workspace/remote/remoteGit'
import { ansi } from '../view/ansi'
import { redact } from '../view/redact'
import { sanitizeTerminalText } from '../view/terminalText'

interface Watch {
  handle: AttemptHandle
  renderer: SessionRenderer
  directory?: string
  /** Settles when the session's turn ends (idle) or errors. */
  done: (end: { error?: string }) => void
  error?: string
  /** Called when a `session.error` arrives (it can come just after the idle). */
  onError?: () => void
  ended: boolean
  /** When an event of this session last arrived: the no-progress watchdog's clock. */
  lastEventAt: number
}

export interface OpencodeRunnerOptions {
  /**
   * A running task whose session stays busy with no event for this long is failed (and its
   * session aborted): a wedged agent must not hold a slot forever. A silent long tool (a big
   * build) sends nothing either, hence the generous default. Time spent waiting on a user's
   * answer does not count.
   */
  noProgressMs?: number
  /** Whether a session waits on a person (a permission or a question in the inbox). */
  waitingOnUser?: (serverId: string, sessionId: string) => boolean
  /** Known secrets (the servers' passwords), redacted from the task output its renderers produce. */
  secrets?: Secrets
  /** Git worktrees for tasks that ask for one (see core/workspace); omitted = every task shares its server's folder. */
  workspaces?: Workspaces
  now?: () => number
}

export const DEFAULT_NO_PROGRESS_MS = 10 * 60_000
/** How long to wait after an idle without an answer for opencode's `session.error` (it follows the idle). */
const ERROR_AFTER_IDLE_MS = 1_000


/**
 * Runs one attempt on a real opencode server: create a session, send the prompt
 * (`prompt_async`), follow the event stream to the end of the turn, collect the result.
 */
export class OpencodeRunner implements AttemptRunner {
  private readonly watches = new Map<string, Watch>()
  private readonly noProgressMs: number
  private readonly now: () => number

  constructor(
    private readonly fleet: Fleet,
    private readonly options: OpencodeRunnerOptions = {},
  ) {
    this.noProgressMs = options.noProgressMs ?? DEFAULT_NO_PROGRESS_MS
    this.now = options.now ?? Date.now
  }

  /** The folders this runner's live sessions on a server run in (what a resync must ask about). */
  directoriesOn(serverId: string): string[] {
    const dirs = new Set<string>()
    for (const watch of this.watches.values()) if (watch.handle.serverId === serverId && !watch.ended && watch.directory) dirs.add(watch.directory)
    return [...dirs]
  }

  /** Route one server event to the attempt it belongs to (called inline by the hub). */
  onEvent(serverId: string, event: OcEvent): void {
    const sessionId = eventSessionId(event)
    if (!sessionId) return
    const watch = this.watches.get(sessionKey(serverId, sessionId))
    if (!watch) return
    if (event.type === 'session.error') {
      // Taken even after the idle: opencode sends the reason a turn never ran just after it.
      const e = event.properties.error
      watch.error ??= e ? `${e.name}${e.data?.message ? `: ${e.data.message}` : ''}` : 'session error'
      watch.handle.output(watch.renderer.render(event))
      watch.onError?.()
      return
    }
    if (watch.ended) return
    watch.lastEventAt = this.now()
    watch.handle.output(watch.renderer.render(event))
    if (event.type === 'session.idle') watch.done({ error: watch.error })
    else if (event.type === 'session.status') {
      const status = event.properties.status
      if (status.type === 'idle') watch.done({ error: watch.error })
    }
  }

  /**
   * After a stream (re)connect: events may have been missed. Replay each running session's
   * messages through its renderer (which never prints a part twice) and finish sessions whose
   * turn ended while we were not listening.
   */
  async resync(server: ManagedServer): Promise<void> {
    const client = server.client
    if (!client) return
    const mine = [...this.watches.values()].filter((w) => w.handle.serverId === server.id && !w.ended)
    if (mine.length === 0) return
    const statusByDir = new Map<string | undefined, Record<string, { type: string }>>()
    for (const watch of mine) {
      const sessionId = watch.handle.task.sessionId
      if (!sessionId) continue
      if (!statusByDir.has(watch.directory)) statusByDir.set(watch.directory, await client.sessionStatus(watch.directory))
      const messages = await client.messages(sessionId, watch.directory)
      this.replay(watch, messages)
      const status = statusByDir.get(watch.directory)![sessionId]?.type ?? 'idle'
      if (status === 'idle' && turnFinished(messages)) watch.done({ error: turnError(messages) })
    }
  }

  async run(handle: AttemptHandle): Promise<AttemptOutcome> {
    const server = this.fleet.get(handle.serverId)
    const client = server.client
    const baseUrl = server.instance?.baseUrl
    if (!client || !baseUrl) return { kind: 'server-lost', error: 'server not running' }
    const task = handle.task
    let directory: string | undefined
    try {
      directory = resolveTaskDirectory(task.directory, server.instance ?? {}, server.spec.name)
    } catch (error) {
      return { kind: 'failed', error: errorMessage(error) }
    }
    let prepared: PreparedWorkspace | undefined
    let sharedReason: string | undefined
    if (task.workspace && this.options.workspaces) {
      // A worktree here, or on the server's machine over the connection Flotilla holds; a server reached only by URL shares its folder.
      const here = this.fleet.localFolder(server.spec) !== undefined
      const remote = here ? undefined : this.remoteOf(server)
      if (!here && !remote) {
        sharedReason = `Flotilla holds no connection to ${server.spec.name}'s machine (a server attached by URL, a WezTerm domain Flotilla has no SSH link to) to make a worktree there: the task works in that server's folder`
        handle.output(ansi.yellow(`shared folder: ${sharedReason}`) + '\n')
      } else {
        try {
          if (remote) handle.output(ansi.dim(`sending ${task.workspace.baseSha.slice(0, 10)} to ${server.spec.name}…`) + '\n')
          if (task.workspace.setup) handle.output(ansi.dim(`$ ${sanitizeTerminalText(task.workspace.setup)}`) + '\n')
          prepared = await this.options.workspaces.prepare(task, server.id, this.commandContext(handle), remote)
        } catch (error) {
          return { kind: 'failed', error: `could not make the task's worktree${remote ? ` on ${server.spec.name}` : ''}: ${errorMessage(error)}` }
        }
        directory = prepared.directory
        const where = prepared.remote ? `${server.spec.name}:${prepared.root}${prepared.remote.shippedBytes ? ` (${prepared.remote.shippedBytes} bytes sent)` : ''}` : prepared.root
        handle.output(ansi.dim(`worktree ${where} on ${prepared.branch} from ${task.workspace.baseSha.slice(0, 10)}`) + '\n')
      }
    }
    const outcome = await this.session(handle, server, directory, prepared)
    if (!prepared) return outcome.kind === 'completed' && task.workspace ? { kind: 'completed', result: { ...outcome.result, isolation: 'shared', sharedReason } } : outcome
    return this.collect(handle, server, prepared, outcome)
  }

  /**
   * After the turn, outside the agent's slot: the worktree's changes become a commit on the
   * task's branch. A task that did not complete keeps what it changed on its branch too (said
   * in its error), and its worktree goes; a completed one's stays for follow-ups and landing.
   */
  private async collect(handle: AttemptHandle, server: ManagedServer, prepared: PreparedWorkspace, outcome: AttemptOutcome): Promise<AttemptOutcome> {
    const workspaces = this.options.workspaces!
    const task = handle.task
    // The title, else the prompt's first line of prose (a scripted-model directive is no subject), else its first line.
    const lines = task.prompt.split('\n').filter((l) => l.trim())
    const subject = task.title ?? lines.find((l) => !/^@(reply|rate|chunk|tool|delay|fail)\b/.test(l.trim())) ?? lines[0] ?? task.prompt
    try {
      const verify = outcome.kind === 'completed' ? task.workspace?.verify : undefined
      if (verify) handle.output(ansi.dim(`$ ${sanitizeTerminalText(verify)}`) + '\n')
      const collected = await workspaces.collect(prepared, { subject, serverName: server.spec.name, capacity: server.spec.capacity }, verify ? this.commandContext(handle) : undefined)
      if (outcome.kind === 'completed') {
        const { files, branch, baseSha, headSha, worktree } = collected
        const checked = collected.verify && { ...collected.verify, output: this.safeText(collected.verify.output) }
        // A worktree on another machine is kept there like a local one here (a shell, a TUI, a follow-up use it), and says which machine.
        const worktreeHost = prepared.remote ? (server.instance?.machine ?? prepared.remote.exec.host) : undefined
        if (checked) handle.output((checked.passed ? ansi.green(`✔ verify passed`) : ansi.red(`✘ verify failed (${checked.timedOut ? 'timed out' : `exit ${checked.exitCode ?? 'signal'}`})`)) + '\n')
        return { kind: 'completed', result: { ...outcome.result, files, isolation: 'worktree', branch, baseSha, headSha, worktree, ...(worktreeHost ? { worktreeHost } : {}), ...(checked ? { verify: checked } : {}) } }
      }
      await workspaces.discardWorktree(task.id)
      if (outcome.kind === 'failed' && collected.headSha) return { kind: 'failed', error: `${outcome.error} (what it changed is on branch ${collected.branch})` }
      return outcome
    } catch (error) {
      await workspaces.discardWorktree(task.id).catch(() => {})
      if (outcome.kind !== 'completed') return outcome
      return { kind: 'failed', error: `could not commit the task's result: ${errorMessage(error)}` }
    }
  }

  /**
   * Commands on the server's machine for its task worktrees there, over the connection its
   * current instance holds: a worktree kept after the task is still reached (and removed) after
   * the server was restarted; while it is stopped, a clear error.
   */
  private remoteOf(server: ManagedServer): RemoteExec | undefined {
    const first = server.instance?.remote
    if (!first) return undefined
    const { id, spec } = server
    return {
      host: first.host,
      run: (command, options) => {
        const current = this.fleet.has(id) ? this.fleet.get(id).instance?.remote : undefined
        return current ? current.run(command, options) : Promise.reject(new Error(`${spec.name} is not running, so its machine cannot be reached: start it`))
      },
    }
  }

  /** A --setup or --verify command's lines reach the task's output as tool output does: made safe, secrets out. */
  private commandContext(handle: AttemptHandle): { onLine: (line: string) => void; signal: AbortSignal } {
    return { onLine: (line) => handle.output(`${ansi.dim('  │')} ${this.safeText(line)}\n`), signal: handle.signal }
  }

  private safeText(text: string): string {
    return redact(sanitizeTerminalText(text), this.options.secrets ?? NO_SECRETS)
  }

  /** The session part of an attempt: create, prompt, follow the events to the end of the turn, read the answer. */
  private async session(handle: AttemptHandle, server: ManagedServer, directory: string | undefined, prepared: PreparedWorkspace | undefined): Promise<AttemptOutcome> {
    const client = server.client!
    const baseUrl = server.instance!.baseUrl
    const task = handle.task
    const started = Date.now()
    let sessionId: string
    try {
      // A fresh server may still be loading its folder's providers: a prompt sent meanwhile would
      // load them a second time beside it (measured), so wait for that (at most its timeout).
      await client.warmedUp
      // A follow-up goes on in the session it continues (its worktree is the same folder).
      const resumed = task.workspace?.continues?.sessionId
      sessionId = resumed ?? (await client.createSession(directory, task.title ?? task.prompt.slice(0, 60))).id
    } catch (error) {
      return this.failure(handle, 'could not create a session', error)
    }
    const ended = new Promise<{ error?: string }>((resolve) => {
      const watch: Watch = {
        handle,
        renderer: new SessionRenderer(this.options.secrets ?? NO_SECRETS),
        directory,
        ended: false,
        lastEventAt: this.now(),
        done: (end) => {
          if (watch.ended) return
          watch.ended = true
          resolve(end)
        },
      }
      this.watches.set(sessionKey(handle.serverId, sessionId), watch)
    })
    handle.started(sessionId, baseUrl)
    const aborted = new Promise<'aborted'>((resolve) => {
      if (handle.signal.aborted) resolve('aborted')
      handle.signal.addEventListener('abort', () => resolve('aborted'), { once: true })
    })
    try {
      try {
        await client.promptAsync(sessionId, { text: task.prompt, directory, agent: task.agent, model: task.model })
      } catch (error) {
        return this.failure(handle, 'could not send the prompt', error)
      }
      const watch = this.watches.get(sessionKey(handle.serverId, sessionId))!
      const stall = this.watchProgress(watch, sessionId)
      const end = await Promise.race([ended, aborted, stall.stalled]).finally(stall.stop)
      if (end === 'stalled') {
        watch.ended = true
        await client.abort(sessionId, directory).catch(() => {})
        handle.output(watch.renderer.finish())
        return { kind: 'failed', error: `no progress: the session stayed busy with no event for ${Math.round(this.noProgressMs / 1000)} s` }
      }
      if (end === 'aborted') {
        watch.ended = true
        const reason = handle.abortReason()
        if (reason !== 'server-lost') await client.abort(sessionId, directory).catch(() => {})
        handle.output(watch.renderer.finish())
        if (reason === 'server-lost') return { kind: 'server-lost', error: 'server lost mid-task' }
        return { kind: 'cancelled' }
      }
      // The session is idle: the server's slot is free for the next task while this one's result is read.
      handle.turnOver()
      const messages = await client.messages(sessionId, directory)
      this.replay(watch, messages)
      // An idle without a finished answer is a turn opencode accepted but did not run (a folder
      // it cannot open, say): its reason arrives as a session.error just after the idle.
      const finished = turnFinished(messages)
      if (!finished && !watch.error) await errorWithin(watch, ERROR_AFTER_IDLE_MS)
      handle.output(watch.renderer.finish())
      const error = watch.error ?? end.error ?? turnError(messages) ?? (finished ? undefined : 'opencode ended the turn without an answer')
      if (error) return { kind: 'failed', error }
      // A worktree's files are read from git once its result is committed.
      const files = prepared ? [] : await this.changedFiles(client, sessionId, messages, directory)
      return { kind: 'completed', result: turnResult(messages, Date.now() - started, files) }
    } catch (error) {
      return this.failure(handle, 'lost track of the session', error)
    } finally {
      this.watches.delete(sessionKey(handle.serverId, sessionId))
    }
  }

  /**
   * The files the turn changed, with line counts. opencode computes the turn's diff just after
   * the turn ends, so right at idle it can still be empty; the turn's `patch` parts say whether
   * files changed, and while they say so and the diff is empty we ask again (briefly).
   * No patch part, no diff: then opencode's diff is empty too, in git folders and others alike
   * (measured, 1.18.33), so it is not asked for.
   */
  private async changedFiles(client: OpencodeClient, sessionId: string, messages: readonly OcMessageWithParts[], directory?: string): Promise<ChangedFile[]> {
    const prompt = messages.findLast((m) => m.info.role === 'user')?.info.id
    const patched = new Set(messages.flatMap((m) => m.parts.flatMap((p) => (p.type === 'patch' ? (p.files ?? []) : []))))
    if (patched.size === 0) return []
    for (let attempt = 0; ; attempt++) {
      const diff = await client.diff(sessionId, prompt, directory).catch(() => [])
      if (diff.length > 0 || attempt >= 20) {
        return diff.map((f) => ({ file: f.file ?? f.path ?? '?', additions: f.additions, deletions: f.deletions }))
      }
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  }

  /**
   * The no-progress watchdog of one attempt: settles with 'stalled' once the session has sent no
   * event for `noProgressMs` while nobody owes it an answer.
   */
  private watchProgress(watch: Watch, sessionId: string): { stalled: Promise<'stalled'>; stop: () => void } {
    let timer: NodeJS.Timeout | undefined
    const stalled = new Promise<'stalled'>((resolve) => {
      const check = () => {
        const now = this.now()
        // Waiting on a person is not a stall: the clock starts again when they answer.
        if (this.options.waitingOnUser?.(watch.handle.serverId, sessionId)) watch.lastEventAt = now
        const left = watch.lastEventAt + this.noProgressMs - now
        if (left <= 0) return resolve('stalled')
        timer = setTimeout(check, Math.min(left, 5_000))
        timer.unref()
      }
      check()
    })
    return { stalled, stop: () => clearTimeout(timer) }
  }

  /** The turn's messages (from its prompt on: a follow-up's session also holds the turns before it). */
  private replay(watch: Watch, messages: readonly OcMessageWithParts[]): void {
    const turn = Math.max(0, messages.findLastIndex((m) => m.info.role === 'user'))
    for (const message of messages.slice(turn)) watch.handle.output(watch.renderer.replay(message))
  }

  /**
   * A request failed. If the server went away (the fleet said so, or the request got no HTTP
   * answer at all), the task should move to another server rather than fail.
   */
  private failure(handle: AttemptHandle, what: string, cause: unknown): AttemptOutcome {
    const error = `${what}: ${errorMessage(cause)}`
    if (handle.signal.aborted && handle.abortReason() !== 'server-lost') return { kind: 'cancelled' }
    const unreachable = cause instanceof ServerRequestError ? cause.status === undefined : true
    if (handle.abortReason() === 'server-lost' || unreachable) return { kind: 'server-lost', error }
    return { kind: 'failed', error }
  }
}


/** Resolves once the watch has an error, or after `ms`. */
function errorWithin(watch: Watch, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      watch.onError = undefined
      resolve()
    }
    watch.onError = done
  })
}
