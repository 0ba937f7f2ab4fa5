import { homedir } from 'node:os'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { z } from 'zod'
import { localDirectoryProblem } from './localDirectory'
import type { WeztermSpec } from '../contract/servers'
import { DEFAULT_USERNAME } from '../opencode/auth'
import { PermanentError } from '../lib/errors'
import { randomPassword } from '../lib/random'
import { shQuote } from '../ssh/shell'
import { resolveOpencodeBinary } from './opencodeBinary'
import { remotePluginEnv } from './plugin/remotePlugin'
import { localPluginEnv } from './plugin/serverPlugins'
import type { WeztermDomain } from '../contract/wezterm'
import { PersistentLink, type PersistentLinkOptions } from '../ssh/persistentLink'
import type { SshConnectOptions } from '../ssh/sshConnection'
import { resolveSshTarget, type ResolveOptions } from '../ssh/sshConfig'
import { execOverLink, remoteAbsoluteFolder, shellsOverLink } from './overLink'
import { sshAnswers } from './sshAnswers'
import type { LaunchContext, Launcher, RunningServer, ServerExit, SshPrompts } from './types'

const run = promisify(execFile)
const LISTEN = /opencode server listening on (https?:\/\/\S+)/

export interface WeztermLauncherOptions {
  /** The `wezterm` executable (tests use a stand-in). */
  binary?: string
  startTimeoutMs?: number
  /** How often the pane list is read to notice the server's pane closing. */
  pollMs?: number
  /**
   * The SSH domains Flotilla manages: a server spawned in one runs on that host, and is reached
   * through an SSH tunnel of ours to its loopback. Other domains are taken to be on this machine.
   */
  sshDomains?: () => WeztermDomain[]
  /** Where server passwords come from (tests pin one; default: random). */
  password?: () => string
  /** How that tunnel connects (known_hosts, ~/.ssh/config, agent, reconnect backoff). */
  ssh?: SshConnectOptions & { config?: ResolveOptions; link?: PersistentLinkOptions }
  /** Who answers that tunnel's SSH questions, per server. */
  prompts?: SshPrompts
}

/** Shown in the pane once its tty stops echoing: only then is the password typed. */
const PASSWORD_PROMPT = 'flotilla: waiting for the server password (not echoed)'

/** The fields of `wezterm cli list --format json` that are read (WezTerm 20240203-110809-5046fc22). */
const PaneEntry = z.object({ pane_id: z.number().int(), window_id: z.number().int(), tab_id: z.number().int(), title: z.string(), cwd: z.string() })

/**
 * Runs `opencode serve` visibly in a WezTerm pane (`wezterm cli spawn`): locally, in a domain on
 * this machine, or in a managed SSH domain, where it runs on that host and is reached through an
 * SSH tunnel of ours. The password is typed into the pane with `send-text` once the pane's tty
 * has stopped echoing, so it is on no command line and never on screen. The port is read from
 * the pane's text (`get-text`); stop is `kill-pane`.
 */
export class WeztermLauncher implements Launcher<WeztermSpec> {
  readonly owns = true

  constructor(private readonly options: WeztermLauncherOptions = {}) {}

  /** On this machine unless the pane runs in a managed SSH domain (an unreadable domain file: its start says so). */
  localFolder(spec: WeztermSpec): string | undefined {
    if (spec.domain === 'local') return spec.directory
    try {
      return this.options.sshDomains?.().some((d) => d.name === spec.domain) ? undefined : spec.directory
    } catch {
      return undefined
    }
  }

  async start(spec: WeztermSpec, context: LaunchContext): Promise<RunningServer> {
    const sshDomain = spec.domain === 'local' ? undefined : this.sshDomain(spec.domain)
    if (sshDomain && spec.demo) {
      throw new PermanentError(`${spec.name}: the scripted model is not reachable from the SSH domain ${spec.domain}; run demo servers there as ssh servers (they get a reverse tunnel)`)
    }
    // A folder on this machine unless the pane runs on an SSH domain's host.
    const folderProblem = sshDomain ? undefined : localDirectoryProblem(spec.directory)
    if (folderProblem) throw new PermanentError(folderProblem)
    const password = (this.options.password ?? randomPassword)()
    // On an SSH domain's host the embedded binary does not exist: opencode is looked up there.
    const binary = sshDomain ? (spec.binary ?? 'opencode') : resolveOpencodeBinary(spec.binary)
    // An SSH domain's host is reached through a link of our own, opened first: the plugin travels
    // over it before the pane starts, and the tunnel to the server goes through it afterwards.
    const link = sshDomain ? await this.tunnelTo(spec, sshDomain, context) : undefined
    try {
      return await this.startPane(spec, context, { password, binary, link, sshDomain })
    } catch (error) {
      link?.close()
      throw error
    }
  }

  private async startPane(
    spec: WeztermSpec,
    context: LaunchContext,
    { password, binary, link, sshDomain }: { password: string; binary: string; link: PersistentLink | undefined; sshDomain: WeztermDomain | undefined },
  ): Promise<RunningServer> {
    // The pane's shell has WezTerm's environment, not ours: the plugin config is set explicitly.
    const connection = link?.connection
    if (link && !connection) throw new Error(`the SSH link to domain ${spec.domain} is down`)
    const remote = connection ? await remotePluginEnv(connection) : undefined
    // The runner needs the server's folder as an absolute path there (a task's folder, its worktrees); as given when it is not there.
    const remoteDirectory = connection ? ((await remoteAbsoluteFolder(connection, spec.directory)) ?? spec.directory) : undefined
    // (A demo server never runs in an SSH domain: refused above, the model is not reachable there.)
    const extra = { ...context.env, ...(spec.demo && !remote ? context.demo?.env() : undefined) }
    const plugin = remote ? remote.env : localPluginEnv({ ...process.env, ...extra })
    const env = { ...extra, ...plugin, OPENCODE_SERVER_USERNAME: DEFAULT_USERNAME }
    const program = [
      // No prompt (so no password) unless echo really went off.
      `{ stty -echo && echo ${shQuote(PASSWORD_PROMPT)}; } || { echo 'flotilla: cannot turn echo off in this pane; not sending the password'; exit 1; }`,
      'IFS= read -r OPENCODE_SERVER_PASSWORD',
      'stty echo 2>/dev/null',
      'export OPENCODE_SERVER_PASSWORD',
      ...Object.entries(env).map(([k, v]) => `export ${k}=${shQuote(v)}`),
      `exec ${shQuote(binary)} serve --port 0 --hostname 127.0.0.1`,
    ].join('; ')
    const domain = spec.domain === 'local' ? [] : ['--domain-name', spec.domain]
    // --new-window: spawning into "the current window" fails when no WezTerm window is open.
    const spawned = await this.cli(['spawn', '--new-window', ...domain, '--cwd', spec.directory, '--', 'sh', '-c', program])
    const paneId = Number(spawned.trim())
    if (!Number.isInteger(paneId) || paneId < 0) throw new Error(`wezterm cli spawn: expected a pane id, got "${spawned.trim().slice(0, 100)}"`)
    const where = `wezterm pane ${paneId} · ${spec.domain}`
    try {
      // Typed only once echo is off (the prompt shows after stty), so it never reaches the screen.
      await this.waitForText(paneId, (text) => text.includes(PASSWORD_PROMPT), 'the password prompt', context.signal)
      // '--': a password may begin with '-', which clap would take for a flag.
      await this.cli(['send-text', '--pane-id', String(paneId), '--no-paste', '--', `${password}\n`])
      const remotePort = await this.waitForText(paneId, (text) => { const m = LISTEN.exec(text); return m ? Number(new URL(m[1]!).port) : undefined }, 'a listen line', context.signal)
      context.onOutput?.(`opencode serve listening in ${where}`)
      let port = remotePort
      if (link && sshDomain) {
        port = await link.tunnel('127.0.0.1', remotePort)
        context.onOutput?.(`reached through an SSH tunnel to ${link.connection?.target.hostName ?? sshDomain.remoteAddress}`)
      }
      const watch = this.watchPane(paneId)
      const linkDone = link?.done.then((reason): ServerExit => ({ code: null, signal: `ssh tunnel to domain ${spec.domain}: ${reason}` }))
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        auth: { username: DEFAULT_USERNAME, password },
        directory: remoteDirectory ?? spec.directory,
        // `~` in a task's folder is the home of the machine the pane runs on.
        home: remote ? remote.home : homedir(),
        host: where,
        exited: linkDone ? Promise.race([watch.exited, linkDone]) : watch.exited,
        openShell: link && shellsOverLink(link, remoteDirectory ?? spec.directory, `for domain ${spec.domain}`),
        // Task worktrees on the domain's host, over the same link as the tunnel.
        ...(link && { remote: execOverLink(link, spec.name), machine: connection ? `${connection.target.user}@${connection.target.hostName}` : spec.domain }),
        stop: async () => {
          // Polling must end with the server: a `wezterm cli` call starts a mux server when none runs.
          watch.cancel()
          await this.cli(['kill-pane', '--pane-id', String(paneId)]).catch(() => {})
          link?.close()
        },
      }
    } catch (error) {
      await this.cli(['kill-pane', '--pane-id', String(paneId)]).catch(() => {})
      throw error
    }
  }

  /** The managed SSH domain of that name, if it is one. A damaged domain file will not heal by retrying. */
  private sshDomain(name: string): WeztermDomain | undefined {
    try {
      return this.options.sshDomains?.().find((d) => d.name === name)
    } catch (error) {
      throw new PermanentError(`cannot tell whether ${name} is an SSH domain: ${(error as Error).message}`)
    }
  }

  /** Our own SSH connection to an SSH domain's host (WezTerm's is not ours to forward ports on). */
  private tunnelTo(spec: WeztermSpec, domain: WeztermDomain, context: LaunchContext): Promise<PersistentLink> {
    const ssh = this.options.ssh ?? {}
    const [host, port] = domain.remoteAddress.split(':') as [string, string | undefined]
    const resolved = resolveSshTarget(host, ssh.config)
    const target = { ...resolved, user: domain.username ?? resolved.user, port: port ? Number(port) : resolved.port }
    return PersistentLink.open(
      target,
      { ...ssh, ...sshAnswers(spec, this.options.prompts, ssh) },
      { onConnected: async () => {}, onNotice: (message) => context.onOutput?.(message) },
      ssh.link,
    )
  }

  /** The panes WezTerm has now. */
  async panes(): Promise<Array<z.infer<typeof PaneEntry>>> {
    const text = await this.cli(['list', '--format', 'json'])
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new Error(`wezterm cli list: expected JSON, got "${text.slice(0, 100)}"`)
    }
    const parsed = z.array(PaneEntry).safeParse(json)
    if (!parsed.success) throw new Error(`wezterm cli list: unexpected JSON (${parsed.error.issues[0]?.message})`)
    return parsed.data
  }

  /** Reads the pane until `found` gives a value; fails when the pane closes or time runs out. */
  private async waitForText<T>(paneId: number, found: (text: string) => T | undefined | false, what: string, signal: AbortSignal | undefined): Promise<T> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000)
    let text = ''
    while (Date.now() < deadline) {
      if (signal?.aborted) throw new Error('start cancelled')
      text = await this.cli(['get-text', '--pane-id', String(paneId)]).catch(() => '')
      const value = found(text)
      if (value !== undefined && value !== false) return value
      if (!(await this.panes()).some((p) => p.pane_id === paneId)) break
      await new Promise((r) => setTimeout(r, 150))
    }
    const tail = text.trim().split('\n').slice(-5).join(' | ')
    throw new Error(`opencode serve in wezterm pane ${paneId} ${Date.now() < deadline ? 'exited' : `showed no ${what} in time`}${tail ? `: ${tail}` : ''}`)
  }

  private watchPane(paneId: number): { exited: Promise<ServerExit>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined
    let busy = false
    const exited = new Promise<ServerExit>((resolve) => {
      timer = setInterval(() => {
        if (busy) return
        busy = true
        void this.panes()
          .then(
            (panes) => {
              if (!timer || panes.some((p) => p.pane_id === paneId)) return
              clearInterval(timer)
              timer = undefined
              resolve({ code: null, signal: `wezterm pane ${paneId} closed` })
            },
            () => {}, // wezterm not answering for a moment: the health probe will say if the server is gone
          )
          .finally(() => (busy = false))
      }, this.options.pollMs ?? 2_000)
      timer.unref()
    })
    return {
      exited,
      cancel: () => {
        clearInterval(timer)
        timer = undefined
      },
    }
  }

  private async cli(args: string[]): Promise<string> {
    // Only spawn may start a WezTerm mux server; a poll or a stop must never bring one up.
    const autoStart = args[0] === 'spawn' ? [] : ['--no-auto-start']
    try {
      const { stdout } = await run(this.options.binary ?? 'wezterm', ['cli', ...autoStart, ...args], { timeout: 15_000 })
      return stdout
    } catch (error) {
      const e = error as { code?: string; stderr?: string; message: string }
      if (e.code === 'ENOENT') throw new PermanentError('wezterm is not installed (https://wezterm.org/install)')
      // wezterm wraps the mux server's answer in a debug print: keep just its reason.
      const raw = (e.stderr || e.message).trim()
      const reason = /reason: "((?:[^"\\]|\\.)*)"/.exec(raw)?.[1]?.replace(/\\(.)/g, '$1') ?? raw
      // A domain WezTerm does not know will not appear by retrying.
      const message = `wezterm cli ${args[0]}: ${reason}`
      throw /domain name .* is invalid/.test(reason) ? new PermanentError(message) : new Error(message)
    }
  }
}
