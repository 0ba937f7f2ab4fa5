import { EventSource } from 'eventsource'
import { parseGlobalEvent, type OcEvent } from '../contract/opencode'
import { fullJitterDelay, type BackoffPolicy } from '../lib/backoff'

export interface EventStreamOptions {
  baseUrl: string
  headers: Record<string, string>
  /** opencode sends a heartbeat about every 10 s; silence much longer than that means a dead link. */
  watchdogMs?: number
  backoff?: BackoffPolicy
  random?: () => number
}

export interface EventStreamHandlers {
  /** `directory`: the instance (project folder or worktree) the event came from, as opencode resolved it. */
  onEvent(event: OcEvent, receivedAt: number, directory: string | undefined): void
  /**
   * After every (re)connect. opencode's stream cannot resume (no SSE ids), so the caller
   * re-reads state here; events that arrive meanwhile are held and applied after it settles.
   */
  onOpen?(info: { reconnect: boolean }): Promise<void> | void
  onDown?(reason: string): void
  /** A payload that was not a valid event (counted, dropped). */
  onMalformed?(data: string): void
}

type Phase = 'idle' | 'connecting' | 'resyncing' | 'open' | 'waiting' | 'closed'

/**
 * The one SSE stream Flotilla keeps per server, `GET /global/event`: `/event` carries only the
 * launch folder's instance, so a task in any other folder (a worktree, `--dir`) would never be
 * seen to end. Heartbeat watchdog, reconnect with
 * exponential backoff and full jitter, resync hook after every connect, and a clean close
 * (an abandoned stream makes the server leak memory).
 */
export class ServerEventStream {
  private source: EventSource | undefined
  private phase: Phase = 'idle'
  private attempt = 0
  private everOpened = false
  private watchdog: NodeJS.Timeout | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private held: Array<[OcEvent, number, string | undefined]> = []
  private generation = 0
  readonly stats = { connects: 0, events: 0, ignored: 0, malformed: 0, drops: 0 }

  constructor(
    private readonly options: EventStreamOptions,
    private readonly handlers: EventStreamHandlers,
  ) {}

  get connected(): boolean {
    return this.phase === 'open' || this.phase === 'resyncing'
  }

  start(): void {
    if (this.phase !== 'idle') return
    this.connect()
  }

  close(): void {
    this.phase = 'closed'
    this.generation++
    clearTimeout(this.watchdog)
    clearTimeout(this.retryTimer)
    this.source?.close()
    this.source = undefined
    this.held = []
  }

  private connect(): void {
    const generation = ++this.generation
    this.phase = 'connecting'
    const headers = this.options.headers
    const source = new EventSource(`${this.options.baseUrl.replace(/\/$/, '')}/global/event`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
    })
    this.source = source
    this.armWatchdog(generation)
    source.onopen = () => {
      if (generation !== this.generation) return
      this.stats.connects++
      void this.resync(generation)
    }
    source.onmessage = (message) => {
      if (generation !== this.generation) return
      this.armWatchdog(generation)
      const parsed = parseGlobalEvent(String(message.data))
      if (parsed.kind === 'malformed') {
        this.stats.malformed++
        this.handlers.onMalformed?.(String(message.data).slice(0, 500))
        return
      }
      // A connection that delivered an event is healthy: later failures start backoff afresh.
      this.attempt = 0
      if (parsed.kind === 'ignored') {
        this.stats.ignored++
        return
      }
      this.stats.events++
      const now = Date.now()
      if (this.phase === 'resyncing' || this.phase === 'connecting') this.held.push([parsed.event, now, parsed.directory])
      else this.handlers.onEvent(parsed.event, now, parsed.directory)
    }
    source.onerror = (error) => {
      if (generation !== this.generation) return
      this.down(error.message ? `stream error: ${error.message}` : `stream error${error.code ? ` (HTTP ${error.code})` : ''}`)
    }
  }

  private async resync(generation: number): Promise<void> {
    this.phase = 'resyncing'
    const reconnect = this.everOpened
    this.everOpened = true
    try {
      await this.handlers.onOpen?.({ reconnect })
    } catch {
      // Resync failed (server half-up): treat like a drop so we reconnect and try again.
      if (generation === this.generation) this.down('resync failed')
      return
    }
    if (generation !== this.generation) return
    this.phase = 'open'
    const held = this.held
    this.held = []
    for (const [event, at, directory] of held) this.handlers.onEvent(event, at, directory)
  }

  private armWatchdog(generation: number): void {
    clearTimeout(this.watchdog)
    const ms = this.options.watchdogMs ?? 30_000
    this.watchdog = setTimeout(() => {
      if (generation === this.generation) this.down(`no event for ${Math.round(ms / 1000)} s (heartbeat missed)`)
    }, ms)
    this.watchdog.unref()
  }

  private down(reason: string): void {
    if (this.phase === 'closed') return
    this.stats.drops++
    this.generation++
    clearTimeout(this.watchdog)
    this.source?.close()
    this.source = undefined
    this.held = []
    this.phase = 'waiting'
    this.handlers.onDown?.(reason)
    const delay = fullJitterDelay(this.attempt++, this.options.backoff ?? { baseMs: 250, capMs: 10_000 }, this.options.random)
    this.retryTimer = setTimeout(() => {
      if (this.phase === 'waiting') this.connect()
    }, delay)
    this.retryTimer.unref()
  }
}
