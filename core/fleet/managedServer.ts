import type { ServerSpec, ServerState, ServerView } from '../contract/servers'
import type { OcEvent } from '../contract/opencode'
import { errorMessage, PermanentError } from '../lib/errors'
import type { LaunchContext, Launcher, RunningServer } from '../launchers/types'
import type { ServerLoad } from '../scheduler/types'
import { OpencodeClient, ServerRequestError } from '../opencode/client'
import { ServerEventStream } from '../opencode/eventStream'
import { UnreachableError } from '../opencode/reachability'
import { cpuPercent, sampleProcess, type ProcessSample } from './processStats'
import { decideRestart, DEFAULT_RECONNECT_POLICY, DEFAULT_RESTART_POLICY, type RestartPolicyOptions } from './restartPolicy'

export interface SupervisorOptions {
  healthIntervalMs: number
  healthTimeoutMs: number
  /** Consecutive failed probes before a server counts as unhealthy (one slow answer is not a wedge). */
  unhealthyAfter: number
  /** How long a freshly started server may take to answer its first health probe. */
  readyTimeoutMs: number
  watchdogMs: number
  restart: RestartPolicyOptions
  /** Reconnects to servers Flotilla does not own (default DEFAULT_RECONNECT_POLICY). */
  reconnect?: RestartPolicyOptions
}

// A busy server can be silent for seconds (its first prompt loads a lot): three missed probes
// of 5 s each, not one, make it unhealthy, so only a real wedge (~25 s of silence) restarts it.
export const DEFAULT_SUPERVISOR_OPTIONS: SupervisorOptions = {
  healthIntervalMs: 3_000,
  healthTimeoutMs: 5_000,
  unhealthyAfter: 3,
  readyTimeoutMs: 20_000,
  watchdogMs: 30_000,
  restart: DEFAULT_RESTART_POLICY,
}

export interface ManagedServerHooks {
  /** `directory`: the opencode instance (folder) the event came from; none for server-wide events. */
  onEvent(server: ManagedServer, event: OcEvent, at: number, directory: string | undefined): void
  /** After every stream (re)connect: re-read what the stream cannot replay. */
  onResync(server: ManagedServer): Promise<void>
  onChange(server: ManagedServer): void
  /** The server can no longer run its sessions (crashed, restarting, stopped, removed). */
  onLost(server: ManagedServer, reason: string): void
  onNotice(level: 'info' | 'warning' | 'error', message: string): void
  /** A line its launcher printed while bringing it up (install progress, reattach notes); never a secret. */
  onOutput(server: ManagedServer, line: string): void
}

/**
 * One server under supervision: starting → ready ⇄ busy → unhealthy → restarting → stopped | failed.
 * Health = `GET /global/health` with a timeout on an interval, plus the SSE heartbeat watchdog.
 */
export class ManagedServer {
  state: ServerState = 'stopped'
  restarts = 0
  lastError: string | undefined
  startedAt: number | undefined
  readyAt: number | undefined
  lastEventAt: number | undefined
  cpuPercent: number | undefined
  memoryBytes: number | undefined
  private lastSample: ProcessSample | undefined
  version: string | undefined
  client: OpencodeClient | undefined
  instance: RunningServer | undefined
  private launchAbort: AbortController | undefined

  private stream: ServerEventStream | undefined
  private incarnation = 0
  private healthTimer: NodeJS.Timeout | undefined
  private restartTimer: NodeJS.Timeout | undefined
  private failedProbes = 0
  private failures: number[] = []
  private consecutiveFailures = 0
  private starting: Promise<void> | undefined

  constructor(
    public spec: ServerSpec,
    private readonly launcher: Launcher,
    private readonly context: () => Promise<LaunchContext> | LaunchContext,
    private readonly hooks: ManagedServerHooks,
    private readonly options: SupervisorOptions = DEFAULT_SUPERVISOR_OPTIONS,
    private readonly random: () => number = Math.random,
  ) {}

  get id(): string {
    return this.spec.id
  }

  get owned(): boolean {
    return this.launcher.owns
  }

  /**
   * Why no work should wait for this server: it failed (the supervisor stopped trying), or it is
   * one Flotilla does not own and cannot reach now (reconnecting, or failing its probes).
   */
  get unavailable(): string | undefined {
    if (this.state === 'failed') return this.lastError ?? 'failed'
    if (!this.owned && (this.state === 'restarting' || this.state === 'unhealthy')) return this.lastError ?? 'server unreachable'
    return undefined
  }

  /**
   * The server's view. Its load comes from the scheduler, which owns the slots: this is the one
   * place a ServerView is made, from the server's own facts and that load.
   */
  view(load: ServerLoad): ServerView {
    const state: ServerState = this.state === 'ready' && load.running >= this.spec.capacity ? 'busy' : this.state
    return {
      id: this.spec.id,
      name: this.spec.name,
      kind: this.spec.kind,
      state,
      capacity: this.spec.capacity,
      running: load.running,
      queued: load.queued,
      baseUrl: this.instance?.baseUrl,
      directory: this.instance?.directory ?? ('directory' in this.spec ? this.spec.directory : undefined),
      host: this.instance?.host,
      version: this.version,
      pid: this.instance?.pid,
      restarts: this.restarts,
      lastError: this.lastError,
      startedAt: this.startedAt,
      readyAt: this.readyAt,
      lastEventAt: this.lastEventAt,
      cpuPercent: this.cpuPercent,
      memoryBytes: this.memoryBytes,
    }
  }

  /** Starts (or re-attaches) the server; resolves once it is ready or has failed to start. */
  start(): Promise<void> {
    if (this.state === 'ready' || this.state === 'starting') return this.starting ?? Promise.resolve()
    clearTimeout(this.restartTimer)
    this.failures = []
    this.consecutiveFailures = 0
    return this.launch()
  }

  async stop(reason = 'stopped'): Promise<void> {
    this.incarnation++
    this.launchAbort?.abort()
    clearTimeout(this.restartTimer)
    const wasActive = this.state !== 'stopped' && this.state !== 'failed'
    this.setState('stopped')
    if (wasActive) this.hooks.onLost(this, reason)
    await this.teardown()
  }

  async restart(): Promise<void> {
    await this.stop('restarted by user')
    this.restarts++
    await this.start()
  }

  private launch(): Promise<void> {
    const incarnation = ++this.incarnation
    this.setState(this.state === 'restarting' ? 'restarting' : 'starting')
    const run = this.bringUp(incarnation).finally(() => {
      if (this.starting === run) this.starting = undefined
    })
    this.starting = run
    return run
  }

  private async bringUp(incarnation: number): Promise<void> {
    this.startedAt = Date.now()
    this.readyAt = undefined
    // A stop during the start cancels it: the launcher stops polling and cleans up what it made.
    this.launchAbort?.abort()
    const abort = (this.launchAbort = new AbortController())
    let instance: RunningServer
    try {
      const onOutput = (line: string) => incarnation === this.incarnation && this.hooks.onOutput(this, line)
      instance = await this.launcher.start(this.spec, { ...(await this.context()), signal: abort.signal, onOutput })
    } catch (error) {
      if (incarnation !== this.incarnation) return
      // Some failures will not go away by retrying (a refused host key, opencode not installed).
      if (error instanceof PermanentError) this.giveUp(`start failed: ${errorMessage(error)}`)
      else if (error instanceof UnreachableError) this.fail(error.message)
      else this.fail(`start failed: ${errorMessage(error)}`)
      return
    }
    if (incarnation !== this.incarnation) {
      await instance.stop()
      return
    }
    this.instance = instance
    this.client = new OpencodeClient({ baseUrl: instance.baseUrl, auth: instance.auth })
    void instance.exited.then((exit) => {
      if (incarnation !== this.incarnation) return
      this.fail(`server process exited (${exit.signal ?? `code ${exit.code}`})`)
    })
    try {
      this.version = await this.waitHealthy(incarnation)
    } catch (error) {
      if (incarnation !== this.incarnation) return
      if (error instanceof RefusedError) this.giveUp(error.message)
      else if (error instanceof UnreachableError) this.fail(error.message)
      else this.fail(`not healthy after start: ${errorMessage(error)}`)
      return
    }
    if (incarnation !== this.incarnation) return
    // opencode loads the launch folder's instance and providers on the first request that needs
    // them (1-3 s): begin now, beside 'ready', not before it; tasks wait for it (opencodeRunner).
    void this.client.warmUp(instance.directory)
    this.openStream(incarnation)
    this.readyAt = Date.now()
    this.failedProbes = 0
    this.setState('ready')
    this.scheduleProbe(incarnation)
  }

  private async waitHealthy(incarnation: number): Promise<string> {
    const deadline = Date.now() + this.options.readyTimeoutMs
    let last: unknown
    while (Date.now() < deadline && incarnation === this.incarnation) {
      try {
        const health = await this.client!.health(this.options.healthTimeoutMs)
        if (health.healthy) return health.version
        last = new Error('server reports healthy: false')
      } catch (error) {
        // Wrong credentials will not fix themselves: stop waiting at once.
        if (error instanceof ServerRequestError && (error.status === 401 || error.status === 403)) {
          throw new RefusedError(`the server refused our credentials (HTTP ${error.status}): check the password`)
        }
        // A server someone else runs is up already or not: say so now, not after the ready timeout
        // (the supervisor's reconnects, with backoff, give it time to come back).
        if (!this.owned) throw error instanceof ServerRequestError && error.unreachable ? new UnreachableError(error.unreachable) : error
        last = error
      }
      await sleep(100)
    }
    throw last ?? new Error('stopped')
  }

  private openStream(incarnation: number): void {
    const instance = this.instance!
    this.stream = new ServerEventStream(
      { baseUrl: instance.baseUrl, headers: this.client!.authHeaders(), watchdogMs: this.options.watchdogMs, random: this.random },
      {
        onEvent: (event, at, directory) => {
          if (incarnation !== this.incarnation) return
          this.lastEventAt = at
          this.hooks.onEvent(this, event, at, directory)
        },
        onOpen: () => (incarnation === this.incarnation ? this.hooks.onResync(this) : undefined),
        onDown: (reason) => {
          if (incarnation === this.incarnation) this.hooks.onNotice('info', `${this.spec.name}: event stream dropped (${reason}); reconnecting`)
        },
      },
    )
    this.stream.start()
  }

  private scheduleProbe(incarnation: number): void {
    clearTimeout(this.healthTimer)
    this.healthTimer = setTimeout(() => void this.probe(incarnation), this.options.healthIntervalMs)
    this.healthTimer.unref()
  }

  private async probe(incarnation: number): Promise<void> {
    if (incarnation !== this.incarnation) return
    let error: string | undefined
    try {
      const health = await this.client!.health(this.options.healthTimeoutMs)
      if (!health.healthy) error = 'server reports healthy: false'
      else this.version = health.version
    } catch (e) {
      error = errorMessage(e)
    }
    if (incarnation !== this.incarnation) return
    if (!error) {
      await this.sampleResources()
      if (incarnation !== this.incarnation) return
      this.failedProbes = 0
      if (this.state === 'unhealthy') {
        this.lastError = undefined
        this.setState('ready')
      }
    } else if (++this.failedProbes >= this.options.unhealthyAfter) {
      this.lastError = `health probe failed ${this.failedProbes}× (${error})`
      if (this.owned) {
        this.fail(this.lastError)
        return
      }
      if (this.state !== 'unhealthy') this.setState('unhealthy')
    }
    this.scheduleProbe(incarnation)
  }

  /** CPU and memory of a local server's process, refreshed with each health probe. */
  private async sampleResources(): Promise<void> {
    const pid = this.instance?.sampledPid
    if (pid === undefined) return
    const sample = await sampleProcess(pid)
    if (!sample) return
    const previous = this.lastSample
    this.lastSample = sample
    this.memoryBytes = sample.rssBytes
    if (previous) this.cpuPercent = Math.round(cpuPercent(previous, sample) * 10) / 10
    this.hooks.onChange(this)
  }

  /**
   * A crash, a wedge or a failed start: restart with backoff (re-attach, for servers Flotilla
   * does not own), or give up and say so after too many failures in the window.
   */
  private fail(reason: string): void {
    const incarnation = ++this.incarnation
    this.lastError = reason
    const wasUp = this.state === 'ready' || this.state === 'unhealthy'
    this.setState('unhealthy')
    if (wasUp) this.hooks.onLost(this, reason)
    void this.teardown()
    const policy = this.owned ? this.options.restart : (this.options.reconnect ?? DEFAULT_RECONNECT_POLICY)
    const { decision, failures, consecutive } = decideRestart(this.failures, Date.now(), this.consecutiveFailures, this.readyAt, policy, this.random)
    this.failures = failures
    this.consecutiveFailures = consecutive
    if (decision.kind === 'give-up') {
      this.giveUp(`${reason}; gave up after ${decision.failures} failures in ${Math.round(policy.windowMs / 1000)} s`)
      return
    }
    this.setState('restarting')
    const verb = this.owned ? 'restarting' : 'reconnecting'
    this.hooks.onNotice('warning', `${this.spec.name}: ${reason}; ${verb} in ${(decision.delayMs / 1000).toFixed(1)} s (attempt ${decision.attempt})`)
    this.restartTimer = setTimeout(() => {
      if (incarnation !== this.incarnation) return
      this.restarts++
      void this.launch()
    }, decision.delayMs)
    this.restartTimer.unref()
  }

  /** The supervisor stops trying: the server stays failed until a user starts it again. */
  private giveUp(reason: string): void {
    this.incarnation++
    clearTimeout(this.restartTimer)
    const wasUp = this.state === 'ready' || this.state === 'unhealthy'
    this.lastError = reason
    this.setState('failed')
    if (wasUp) this.hooks.onLost(this, reason)
    void this.teardown()
    this.hooks.onNotice('error', `${this.spec.name} failed: ${reason}`)
  }

  private async teardown(instance = this.instance): Promise<void> {
    clearTimeout(this.healthTimer)
    this.stream?.close()
    this.stream = undefined
    if (instance === this.instance) {
      this.instance = undefined
      this.client = undefined
    }
    this.lastSample = undefined
    this.cpuPercent = undefined
    this.memoryBytes = undefined
    // A wedged (stopped) process ignores SIGTERM; the launcher's SIGKILL after its grace period ends it.
    if (instance) await instance.stop()
  }

  private setState(state: ServerState): void {
    if (this.state === state) return
    this.state = state
    this.hooks.onChange(this)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The server answered, and said no: retrying cannot help. */
class RefusedError extends Error {}
