import type { ServerSpec } from '../contract/servers'
import type { ServerAuth } from '../opencode/auth'
import type { HostKeyConfirm } from '../ssh/sshConnection'
import type { TerminalSession } from '../stream/terminalSession'
import type { RemoteExec } from '../workspace/remote/remoteGit'

export interface ServerExit {
  code: number | null
  signal: string | null
}

/** A server a launcher made reachable. */
export interface RunningServer {
  baseUrl: string
  auth?: ServerAuth
  /** The opencode process, where Flotilla started it (shown on the card; used by tests). */
  pid?: number
  /** A process on this machine whose CPU and memory are the server's (shown on its card); none for remote ones. */
  sampledPid?: number
  /** The opencode binary on this machine that runs it, for a TUI pane to use too; none when it runs elsewhere. */
  localBinary?: string
  /** The folder opencode serves by default, absolute, as a path on the server's machine. */
  directory?: string
  /**
   * The home folder on the server's machine, where Flotilla knows it (it started the server
   * there): `~` in a task's folder means this, never this machine's home. Unknown for url servers.
   */
  home?: string
  host?: string
  /** Settles when the server process ends; never settles for servers Flotilla does not own. */
  exited: Promise<ServerExit>
  /** Stops what this launcher started (SIGTERM, then SIGKILL); detaches from what it did not. */
  stop(): Promise<void>
  /** Commands on the server's machine over the connection Flotilla holds (SSH servers): task worktrees there use it. */
  remote?: RemoteExec
  /** The server's machine as people name it (`user@host`), for a server on another machine Flotilla reaches over SSH. */
  machine?: string
  /**
   * Where this server's opencode keeps its snapshot repositories, as a path on its machine, for
   * a server on another machine Flotilla started (its worktrees' snapshots are seeded and removed
   * there); undefined when Flotilla does not know it.
   */
  snapshotRoot?: string
  /** A shell on the server's machine, in its directory or in `directory` there (a task's worktree); remote servers (local shells use a pty). */
  openShell?(size: { cols: number; rows: number }, onData: (data: string) => void, onExit: (code: number | null) => void, directory?: string): Promise<TerminalSession>
}

export interface LaunchContext {
  /** Extra environment for the server process (e.g. the scripted model's config). */
  env?: Record<string, string>
  /** Secrets the spec refers to but does not contain (url servers' passwords). */
  password?: string
  /** Lines the server prints, for the server's log view; never includes secrets. */
  onOutput?: (line: string) => void
  signal?: AbortSignal
  /**
   * Demo servers on other machines: the scripted model's local port (carried to them by a
   * reverse tunnel) and the opencode config that points at the tunnel's end.
   */
  demo?: DemoContext
}

/**
 * Who answers the questions an SSH login asks, for the server being started (the attention
 * inbox in the app, the terminal in `flotilla run`). Given to the launchers that log in over
 * SSH when they are built.
 */
export interface SshPrompts {
  /** A host key seen for the first time. */
  confirmHostKey(spec: ServerSpec, question: Parameters<HostKeyConfirm>[0]): ReturnType<HostKeyConfirm>
  /** An encrypted key's passphrase (`retry` after a wrong one); undefined skips the key. */
  passphrase(spec: ServerSpec, keyPath: string, retry: boolean): Promise<string | undefined>
  /** May opencode be installed on a host that lacks it (by running `command` there)? */
  confirmInstall(spec: ServerSpec, question: { host: string; command: string }): Promise<boolean>
}

/**
 * The scripted model, for the launcher of a demo server (`spec.demo`) to use as its kind needs:
 * a server on this machine takes `env()` (its config and a state folder of its own); one on
 * another machine reaches the model's port through a reverse tunnel and gets `config(url)`.
 */
export interface DemoContext {
  env(): Record<string, string>
  modelPort: number
  config(modelBaseURL: string): Record<string, unknown>
}

export interface Launcher<S extends ServerSpec = ServerSpec> {
  /**
   * Whether Flotilla starts (and so owns) the servers it makes: a crashed or wedged one is
   * restarted. One it only attaches to is reconnected to, and no work waits while it is away.
   */
  readonly owns: boolean
  start(spec: S, context: LaunchContext): Promise<RunningServer>
  /** The folder on this machine such a server would run in (checked before it is added); none when it runs elsewhere. */
  localFolder?(spec: S): string | undefined
}
