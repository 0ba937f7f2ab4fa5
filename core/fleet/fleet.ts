import { EventEmitter } from 'node:events'
import type { OcEvent } from '../contract/opencode'
import type { ServerSpec, ServerView } from '../contract/servers'
import { FlotillaError } from '../lib/errors'
import type { LaunchContext, Launcher } from '../launchers/types'
import type { ServerLoad } from '../scheduler/types'
import { DEFAULT_SUPERVISOR_OPTIONS, ManagedServer, type SupervisorOptions } from './managedServer'

export interface FleetEvents {
  changed: [view: ServerView]
  removed: [id: string]
  event: [serverId: string, event: OcEvent, at: number, directory: string | undefined]
  resync: [server: ManagedServer]
  lost: [serverId: string, reason: string]
  notice: [level: 'info' | 'warning' | 'error', message: string]
  output: [serverId: string, line: string]
}

export interface FleetOptions {
  launchers: Partial<Record<ServerSpec['kind'], Launcher>>
  /** Per-server launch context (scripted-model env, secrets). */
  context: (spec: ServerSpec) => Promise<LaunchContext> | LaunchContext
  supervisor?: Partial<SupervisorOptions>
  random?: () => number
  /** A server's load, from whoever owns the slots (the scheduler); none by default. */
  load?: (serverId: string) => ServerLoad
}

const NO_LOAD: ServerLoad = { running: 0, queued: 0 }

/** The registry of servers. Resync listeners run in order and are awaited before new events flow. */
export class Fleet extends EventEmitter<FleetEvents> {
  private readonly servers = new Map<string, ManagedServer>()
  private readonly resyncHandlers: Array<(server: ManagedServer) => Promise<void>> = []
  private readonly supervisor: SupervisorOptions

  constructor(private readonly options: FleetOptions) {
    super()
    this.supervisor = { ...DEFAULT_SUPERVISOR_OPTIONS, ...options.supervisor }
  }

  /** Resync steps (attention, scheduler) to run after each stream (re)connect, in order. */
  onResync(handler: (server: ManagedServer) => Promise<void>): void {
    this.resyncHandlers.push(handler)
  }

  add(spec: ServerSpec): ManagedServer {
    if (this.servers.has(spec.id)) throw new FlotillaError(`expected a new server id, got "${spec.id}" which exists`, 'conflict')
    const launcher = this.options.launchers[spec.kind]
    if (!launcher) {
      throw new FlotillaError(`servers of kind "${spec.kind}" cannot be started yet (supported: ${Object.keys(this.options.launchers).join(', ')})`, 'bad_request')
    }
    const server: ManagedServer = new ManagedServer(
      spec,
      launcher,
      (): Promise<LaunchContext> | LaunchContext => this.options.context(server.spec),
      {
        onEvent: (s, event, at, directory) => this.emit('event', s.id, event, at, directory),
        onResync: async (s) => {
          for (const handler of this.resyncHandlers) await handler(s)
        },
        onChange: (s) => this.servers.get(s.id) === s && this.emit('changed', this.viewOf(s)),
        onLost: (s, reason) => this.emit('lost', s.id, reason),
        onNotice: (level, message) => this.emit('notice', level, message),
        onOutput: (s, line) => this.servers.get(s.id) === s && this.emit('output', s.id, line),
      },
      this.supervisor,
      this.options.random,
    )
    this.servers.set(spec.id, server)
    this.emit('changed', this.viewOf(server))
    return server
  }

  get(id: string): ManagedServer {
    const server = this.servers.get(id)
    if (!server) throw new FlotillaError(`expected a known server id, got "${id}"`, 'not_found')
    return server
  }

  has(id: string): boolean {
    return this.servers.has(id)
  }

  list(): ManagedServer[] {
    return [...this.servers.values()]
  }

  /** The folder on this machine a server of this spec would run in, if it runs here (its launcher knows). */
  localFolder(spec: ServerSpec): string | undefined {
    const launcher = this.options.launchers[spec.kind] as Launcher<typeof spec> | undefined
    return launcher?.localFolder?.(spec)
  }

  views(): ServerView[] {
    return this.list().map((s) => this.viewOf(s))
  }

  view(id: string): ServerView {
    return this.viewOf(this.get(id))
  }

  async remove(id: string): Promise<void> {
    const server = this.get(id)
    await server.stop('removed')
    this.servers.delete(id)
    this.emit('removed', id)
  }

  /** Announces a change the fleet cannot see by itself (the load, kept by the scheduler). */
  loadChanged(serverId: string): void {
    const server = this.servers.get(serverId)
    if (server) this.emit('changed', this.viewOf(server))
  }

  private viewOf(server: ManagedServer): ServerView {
    return server.view(this.options.load?.(server.id) ?? NO_LOAD)
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((s) => s.stop('shutting down')))
  }
}
