import { readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { EventEmitter } from 'node:events'
import type { ServerSpec, ServerView } from '../contract/servers'
import type { StrategyName, TaskView } from '../contract/tasks'
import type { RemoteExec } from '../workspace/remote/remoteGit'
import type { PushArgs } from '../contract/api'
import type { RepositorySettings } from '../contract/settings'
import { AttentionInbox } from '../fleet/attention'
import { BusySessions } from '../fleet/busySessions'
import { Fleet } from '../fleet/fleet'
import type { SupervisorOptions } from '../fleet/managedServer'
import { LocalLauncher } from '../launchers/local'
import type { Launcher, SshPrompts } from '../launchers/types'
import { SshLauncher, type SshLauncherOptions } from '../launchers/ssh'
import { TmuxLauncher, type TmuxLauncherOptions } from '../launchers/tmux'
import { UrlLauncher } from '../launchers/url'
import { WeztermLauncher, type WeztermLauncherOptions } from '../launchers/wezterm'
import { defaultDomainsFile, WeztermDomainFile } from '../launchers/weztermDomains'
import { OpencodeRunner } from '../scheduler/opencodeRunner'
import type { UnlockedKeys } from '../ssh/sshConnection'
import { RestoredSessionRunner } from '../scheduler/restoredSessionRunner'
import { Scheduler } from '../scheduler/scheduler'
import type { TaskSink } from '../scheduler/types'
import type { SecretStore } from '../store/secretStore'
import { flotillaHome } from '../store/paths'
import { SettingsStore, type SettingsBackend } from '../store/settingsStore'
import { TaskJournal } from '../store/taskJournal'
import { EventHub } from '../stream/hub'
import { redact, SecretSet } from '../view/redact'
import { redactedPush } from './redactedPush'
import { DemoRuntime, type DemoOptions } from '../demo/demoRuntime'
import { TaskOutputs } from '../stream/taskOutputs'
import { Workspaces } from '../workspace/workspaces'
import { commandEnvironment } from '../workspace/commandEnv'

export interface EngineOptions {
  /** Settings folder: saved servers and preferences. Omitted = nothing is persisted (a CLI run). */
  settingsDir?: string
  /** What the settings file is read through (the desktop app passes electron-store). */
  settingsBackend?: SettingsBackend
  /** Where saved servers' passwords are kept (the app: OS keychain); omitted = memory only. */
  secrets?: SecretStore
  /** Task journal file. Omitted = tasks live in memory only. */
  journalPath?: string
  /** Replay the journal at start (the app and the browser host do; a CLI run does not). */
  restoreTasks?: boolean
  demo?: DemoOptions | false
  strategy?: StrategyName
  supervisor?: Partial<SupervisorOptions>
  launchers?: Partial<Record<ServerSpec['kind'], Launcher>>
  /** SSH servers: known_hosts, ~/.ssh/config, the agent, and who accepts a new host key. */
  ssh?: SshLauncherOptions
  /** tmux servers: the socket (default: the user's tmux server) and where reattach state lives. */
  tmux?: Partial<TmuxLauncherOptions>
  /** WezTerm servers: which `wezterm` to drive. */
  wezterm?: WeztermLauncherOptions
  /** The Lua file of managed WezTerm SSH domains; default ~/.config/wezterm/flotilla-domains.lua. */
  weztermDomainsFile?: string
  /** Saved per-repository settings for an engine without a settings file (a CLI run reads the app's, read only). */
  savedRepositories?: Record<string, RepositorySettings>
  /** The project folder of this host (serve's and run's --dir): the prompt bar's tasks get worktrees of its repository. */
  projectDir?: string
  /** Where task worktrees on this machine live; default the state folder's worktrees/. */
  worktreesDir?: string
  /** Fail a running task whose session sends no event for this long (default 10 min; see OpencodeRunner). */
  noProgressMs?: number
  random?: () => number
}

/** The engine's one event: a push for every client, its payload typed by the event name (core/contract/api events). */
export interface EnginePush {
  push: PushArgs
}

/**
 * The engine's composition root: fleet, event hub, scheduler, attention inbox, stores. Every
 * front end (Electron, browser host, CLI) builds exactly one and talks to it through the
 * dispatcher.
 */
export class Engine extends EventEmitter<EnginePush> {
  readonly hub = new EventHub()
  /** The recent tasks' output, for panes opened late; live output goes through `hub`'s task-output topic. */
  readonly outputs = new TaskOutputs()
  /** Every server's password: redacted wherever text leaves the engine (tasks, output, pushes, event panes). */
  readonly secrets = new SecretSet()
  readonly fleet: Fleet
  readonly runner: OpencodeRunner
  /** Task worktrees on this machine (made per attempt, results committed after the turn). */
  readonly workspaces: Workspaces
  readonly scheduler: Scheduler
  readonly attention: AttentionInbox
  readonly journal: TaskJournal | undefined
  readonly weztermDomains: WeztermDomainFile
  readonly warnings: string[] = []
  private readonly passwords = new Map<string, string>()
  /** SSH keys unlocked with a passphrase, shared by ssh servers and WezTerm SSH-domain tunnels (memory only). */
  private readonly unlockedKeys: UnlockedKeys
  /** Sessions busy on each server, ours or not (least-loaded counts the others; resyncs ask their folders). */
  private readonly busy = new BusySessions((serverId, sessionId) => this.taskForSession(serverId, sessionId) !== undefined)
  private closed = false

  private constructor(
    readonly options: EngineOptions,
    readonly settings: SettingsStore | undefined,
    readonly demo: DemoRuntime | undefined,
  ) {
    super()
    this.unlockedKeys = options.ssh?.unlockedKeys ?? new Map()
    this.fleet = new Fleet({
      launchers: {
        local: new LocalLauncher(),
        url: new UrlLauncher(),
        ssh: new SshLauncher({ ...options.ssh, unlockedKeys: this.unlockedKeys, prompts: this.sshPrompts() }),
        tmux: new TmuxLauncher({ stateDir: join(flotillaHome().state, 'tmux'), ...options.tmux }),
        // Lazy: the domain file is read at each start, so a domain added in the app counts at once.
        wezterm: new WeztermLauncher({ sshDomains: () => this.weztermDomains.list(), ssh: { ...options.ssh, unlockedKeys: this.unlockedKeys }, prompts: this.sshPrompts(), ...options.wezterm }),
        ...options.launchers,
      },
      // Each launcher takes from the scripted model what its kind needs (see DemoContext).
      context: (spec) => ({ demo: this.demo?.contextFor(spec.id), password: this.passwords.get(spec.id) }),
      supervisor: options.supervisor,
      random: options.random,
      // The scheduler owns the slots; the fleet only shows them (read when a view is made).
      load: (serverId) => this.scheduler.load(serverId),
    })
    this.journal = options.journalPath ? new TaskJournal(options.journalPath) : undefined
    this.weztermDomains = new WeztermDomainFile(options.weztermDomainsFile ?? defaultDomainsFile())
    this.workspaces = new Workspaces({
      root: options.worktreesDir ?? join(flotillaHome().state, 'worktrees'),
      disposeInstance: async (serverId, directory) => {
        if (this.fleet.has(serverId)) await this.fleet.get(serverId).client?.disposeInstance(directory)
      },
      warmFolder: async (serverId, directory) => {
        if (this.fleet.has(serverId)) await this.fleet.get(serverId).client?.bootFolder(directory)
      },
      commandEnv: () => commandEnvironment(process.env, this.secrets),
      // The user's opencode data (servers started with their own config) and each demo server's own.
      snapshotRoots: () => [userSnapshotRoot(), ...(this.demo ? demoSnapshotRoots(this.demo.root) : [])],
      // A demo server keeps its data in the demo's folder; one with the user's config, in the user's.
      remoteSnapshotRootOf: (serverId) => (this.fleet.has(serverId) ? this.fleet.get(serverId).instance?.snapshotRoot : undefined),
      snapshotRootOf: (serverId) => {
        if (!this.fleet.has(serverId)) return undefined
        const spec = this.fleet.get(serverId).spec
        if (this.fleet.localFolder(spec) === undefined) return undefined
        return 'demo' in spec && spec.demo ? (this.demo ? join(this.demo.root, 'servers', serverId, 'data', 'opencode', 'snapshot') : undefined) : userSnapshotRoot()
      },
      journal: options.journalPath ?? null,
    })
    this.runner = new OpencodeRunner(this.fleet, {
      workspaces: this.workspaces,
      noProgressMs: options.noProgressMs,
      waitingOnUser: (serverId, sessionId) => this.attention.list().some((a) => a.serverId === serverId && a.sessionId === sessionId),
      secrets: this.secrets,
    })
    const sink: TaskSink | undefined = this.journal
    this.scheduler = new Scheduler({
      pool: this.fleet,
      runner: this.runner,
      sink,
      strategy: options.strategy ?? settings?.get().strategy,
      random: options.random,
      defaultMaxAttempts: settings ? () => settings.get().maxAttempts : undefined,
      externalBusy: (serverId) => this.busy.external(serverId),
      redact: (text) => redact(text, this.secrets),
      // A task of a repository with a warm spare worktree takes its folder's name (see Workspaces.claimTaskId).
      taskId: (spec, plan) => this.workspaces.claimTaskId(plan, spec.target),
    })
    this.attention = new AttentionInbox(this.fleet, (serverId, sessionId) => this.taskForSession(serverId, sessionId))
    this.wire()
  }

  static async create(options: EngineOptions = {}): Promise<Engine> {
    let settings: SettingsStore | undefined
    const warnings: string[] = []
    if (options.settingsDir) {
      const opened = SettingsStore.open(options.settingsDir, options.settingsBackend)
      settings = opened.store
      if (opened.warning) warnings.push(opened.warning)
    }
    if (options.secrets?.warning) warnings.push(options.secrets.warning)
    const demo = options.demo ? await DemoRuntime.start(options.demo) : undefined
    const engine = new Engine(options, settings, demo)
    engine.warnings.push(...warnings)
    for (const warning of warnings) engine.push('notice', { level: 'warning', message: warning })
    if (options.restoreTasks && engine.journal) {
      // Compacted first: one line per task, and a torn last line gone before anything is appended.
      const tasks = engine.journal.compact()
      const warning = engine.journal.warning
      if (warning) {
        engine.warnings.push(warning)
        engine.push('notice', { level: 'warning', message: warning })
      }
      engine.scheduler.restore(tasks, new RestoredSessionRunner(engine.fleet, undefined, engine.secrets))
    }
    await engine.tidyWorktrees()
    return engine
  }

  /**
   * At start: restored results find their worktrees again (a vanished one is reported, its branch
   * kept), and worktrees a crash left behind are removed (their branches kept).
   */
  private async tidyWorktrees(): Promise<void> {
    const tasks = this.scheduler.list()
    for (const task of (await this.workspaces.adopt(tasks)).missing) {
      this.scheduler.recordResult(task.id, { worktree: undefined, worktreeMissing: true })
      this.push('notice', { level: 'warning', message: `the worktree of task ${task.id} is gone (${task.result?.worktree}); its result stays on ${task.result?.branch}` })
    }
    const swept = await this.workspaces.sweep({ listed: this.workspaces.heldBy(tasks) }).catch(() => [])
    if (swept.length) {
      const message = `removed ${swept.length} worktree${swept.length === 1 ? '' : 's'} left by an earlier run that ended early (branches kept)`
      this.warnings.push(message)
      this.push('notice', { level: 'info', message })
    }
  }

  /** Saved servers from settings, registered (and started when `start`). */
  async loadSavedServers(start = true): Promise<void> {
    for (const spec of this.settings?.get().servers ?? []) {
      if (this.fleet.has(spec.id)) continue
      try {
        const server = this.fleet.add(spec)
        const password = this.options.secrets?.get(spec.id)
        if (password) this.passwords.set(spec.id, password)
        if (password) this.secrets.add(spec.id, password)
        if (start) void server.start()
      } catch (error) {
        this.push('notice', { level: 'warning', message: `saved server ${spec.id} not loaded: ${(error as Error).message}` })
      }
    }
  }

  async addServer(spec: ServerSpec, options: { password?: string; start?: boolean; persist?: boolean } = {}): Promise<ServerView> {
    const server = this.fleet.add(spec)
    // Only once the id is known to be new: a refused add must not touch another server's secret.
    if (options.password) this.passwords.set(spec.id, options.password)
    if (options.password) this.secrets.add(spec.id, options.password)
    if (options.persist && this.settings) {
      try {
        this.settings.saveServer(spec)
        if (options.password) this.options.secrets?.set(spec.id, options.password)
      } catch (error) {
        this.passwords.delete(spec.id)
        await this.fleet.remove(spec.id)
        this.secrets.drop(spec.id)
        throw error
      }
    }
    if (options.start !== false) await server.start()
    return this.fleet.view(spec.id)
  }

  async removeServer(id: string): Promise<void> {
    await this.fleet.remove(id)
    this.passwords.delete(id)
    // Only now: what the server printed while it stopped was still redacted.
    this.secrets.drop(id)
    this.settings?.removeServer(id)
    this.options.secrets?.delete(id)
  }

  /**
   * Who answers SSH questions: the front end when it decides itself (the CLI's terminal or
   * flags), else the attention inbox, as an item of the server that asked.
   */
  private sshPrompts(): SshPrompts {
    const own = this.options.ssh
    return {
      confirmHostKey: (spec, q) => (own?.confirmHostKey ? own.confirmHostKey(q) : this.attention.askHostKey(spec.id, q)),
      passphrase: (spec, keyPath, retry) => (own?.passphrase ? own.passphrase(keyPath, retry) : this.attention.askPassphrase(spec.id, { keyPath, host: sshHostOf(spec), retry })),
      confirmInstall: (spec, q) => (own?.confirmInstall ? own.confirmInstall(q) : this.attention.askInstall(spec.id, q)),
    }
  }

  /** A repository's saved setup, copy and verify: the settings file's, else what the engine was given. */
  repositorySettings(root: string): RepositorySettings | undefined {
    return this.settings ? this.settings.get().repositories[root] : this.options.savedRepositories?.[root]
  }

  /**
   * The link to the machine a task's result keeps its worktree on: its server's, while that
   * server runs and is on that machine (a restarted app's way there); else undefined.
   */
  linkToWorktreeHost(task: Readonly<TaskView>): RemoteExec | undefined {
    const host = task.result?.worktreeHost
    const serverId = task.serverId ?? task.attempts.at(-1)?.serverId
    if (!host || !serverId || !this.fleet.has(serverId)) return undefined
    const instance = this.fleet.get(serverId).instance
    const remote = instance?.remote
    return remote && (instance.machine ?? remote.host) === host ? remote : undefined
  }

  /** The task whose current attempt runs this session, if any (events arrive by session). */
  taskForSession(serverId: string, sessionId: string): string | undefined {
    return this.scheduler.taskForSession(serverId, sessionId)
  }

  /** Every push leaves redacted: a server's error, a notice or an attention item may quote a password. */
  push(...push: PushArgs): void {
    this.emit('push', ...redactedPush(push, (text) => redact(text, this.secrets)))
  }

  /** Cancels what runs, stops every server this engine started, and the scripted model. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Restored tasks whose session was not read yet stay journalled as running: the next start reads it.
    this.scheduler.stopRestoring()
    for (const task of this.scheduler.list()) if (this.scheduler.isActive(task.id)) this.scheduler.cancel(task.id)
    // Give cancelled attempts a moment to abort their sessions before the servers go away.
    await waitFor(() => this.scheduler.list().every((t) => !this.scheduler.isActive(t.id)), 3_000)
    // Without a journal no later start knows its results: their worktrees go (a remote one while its server's connection is still up).
    if (!this.journal) await this.workspaces.discardAll().catch(() => [])
    await this.fleet.stopAll()
    // Spare worktrees are this process's cache only: none outlives it (results keep theirs).
    await this.workspaces.removeSpares().catch(() => [])
    await this.demo?.close()
  }

  private wire(): void {
    this.fleet.on('event', (serverId, event, at, directory) => {
      this.hub.publish(serverId, event, at, directory)
    })
    this.hub.listen(({ serverId, event, directory }) => {
      this.runner.onEvent(serverId, event)
      this.attention.onEvent(serverId, event, directory)
      if (this.fleet.has(serverId)) this.busy.onEvent(serverId, event, directory)
    })
    this.fleet.onResync((server) => this.attention.resync(server, this.liveDirectories(server.id)))
    this.fleet.onResync((server) => this.runner.resync(server))
    this.fleet.on('changed', (view) => {
      // Known before anything the new instance says is shown: it changes state to ready first.
      const password = this.fleet.get(view.id).instance?.auth?.password
      if (password) this.secrets.add(view.id, password)
      this.push('server.updated', view)
      // Ready: work can bind. Down or stopped: work that only it could take fails with its reason.
      if (view.state !== 'busy' && view.state !== 'starting') this.scheduler.pump()
    })
    this.fleet.on('removed', (id) => this.push('server.removed', { id }))
    this.fleet.on('lost', (serverId) => {
      this.busy.dropServer(serverId)
      this.attention.dropServer(serverId)
      this.scheduler.serverLost(serverId)
    })
    this.fleet.on('notice', (level, message) => this.push('notice', { level, message }))
    this.fleet.on('output', (id, line) => this.push('server.output', { id, line: line.slice(0, 2_000) }))
    this.scheduler.on('task', (task) => this.push('task.updated', task))
    // Task output is a hub topic: the backlog log is one inline reader; panes and the CLI subscribe, bounded, as to events.
    this.scheduler.on('output', (taskId, text) => this.hub.publishOutput(taskId, text))
    this.hub.listenOutput(({ taskId, text }) => this.outputs.append(taskId, text))
    this.attention.on('added', (item) => this.push('attention.added', item))
    this.attention.on('resolved', (id) => this.push('attention.resolved', { id }))
  }

  private liveDirectories(serverId: string): string[] {
    return uniqueDirectories(this.runner.directoriesOn(serverId), this.busy.directories(serverId))
  }
}

/**
 * The folders of a server that have live sessions: where our tasks run and where sessions were
 * last seen busy (a TUI user's, another client's). A resync after a reconnect asks each of them,
 * because opencode answers status, permissions and questions per folder.
 */
function uniqueDirectories(...lists: Array<Iterable<string | undefined>>): string[] {
  const dirs = new Set<string>()
  for (const list of lists) for (const dir of list) if (dir) dirs.add(dir)
  return [...dirs]
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
}

/** How a server's SSH host is named in questions about it: user@host as typed (the alias, if one), or the WezTerm domain. */
function sshHostOf(spec: ServerSpec): string {
  if (spec.kind === 'wezterm') return `WezTerm domain ${spec.domain}`
  if (spec.kind !== 'ssh') return spec.name
  return spec.user ? `${spec.user}@${spec.host}` : spec.host
}

/** Where opencode run with the user's own environment keeps its snapshots. */
function userSnapshotRoot(): string {
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'opencode', 'snapshot')
}

/** The snapshot folders of the demo's servers (each has its own data folder under the demo's root). */
function demoSnapshotRoots(root: string): string[] {
  try {
    return readdirSync(join(root, 'servers')).map((id) => join(root, 'servers', id, 'data', 'opencode', 'snapshot'))
  } catch {
    return []
  }
}
