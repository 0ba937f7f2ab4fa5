import { shQuote } from '../../ssh/shell'
import type { SshConnection } from '../../ssh/sshConnection'
import { DEFAULT_GIT_TIMEOUT_MS, GitError, type GitCallOptions, type GitResult, type GitRunner } from '../git'

export interface RemoteRunOptions {
  stdin?: string | Buffer
  timeoutMs?: number
  signal?: AbortSignal
  /** More stdout than this rejects while it arrives (a bundle coming back); the exec's own default otherwise. */
  maxBytes?: number
}

export interface RemoteResult {
  stdout: Buffer
  stderr: string
  code: number | null
}

/**
 * Runs one shell command on another machine (`sh -c` semantics, as sshd does with the login
 * shell) and returns its binary output. The launcher gives one over its SSH connection; tests
 * may give their own.
 */
export interface RemoteExec {
  /** How errors name the machine (`user@host`, an alias). */
  readonly host: string
  run(command: string, options?: RemoteRunOptions): Promise<RemoteResult>
}

/** A RemoteExec over an open SSH connection. */
export function sshExec(connection: SshConnection, host: string): RemoteExec {
  return { host, run: (command, options = {}) => connection.execBuffer(command, options) }
}

/**
 * One word for the remote shell, whatever it holds (quotes, `$()`, newlines, a leading `-` stays
 * an argument: what it means to git is git's business, which is why paths follow `--`). The
 * remote login shell must read POSIX quoting (sh, dash, bash, zsh, ksh), as the SSH launcher
 * assumes too. A NUL cannot be in an argument at all.
 */
export function quoteWord(value: string): string {
  if (value.includes('\0')) throw new Error(`expected an argument without NUL bytes, got ${JSON.stringify(value)}`)
  return shQuote(value)
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Unset before git runs: variables that would point it at another repository, index or config
 * (a remote environment may have them from a hook or a profile).
 */
const UNSET = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT']

/**
 * The remote user's git config plays no part in Flotilla's cache and worktrees there (their
 * identity, signing, autocrlf, filters, fsmonitor would change what is committed): no system or
 * global config (GIT_CONFIG_GLOBAL needs git 2.32; on older ones the -c flags below still hold),
 * no prompts, messages in one language.
 */
const FIXED_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_ASKPASS: 'true', LC_ALL: 'C', LANGUAGE: 'C' }
/** No hooks (a post-checkout in someone's template or hooksPath), no fsmonitor daemon, no signing: plumbing only. */
const FIXED_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'commit.gpgSign=false', '-c', 'tag.gpgSign=false']

/**
 * `unset …; export NAME=value …; exec git -c … [-C cwd] args…`: only the shell and git are
 * needed, and git is the session's process, so a KILL on a timeout reaches it.
 */
export function gitCommand(args: readonly string[], cwd: string | undefined, env: Record<string, string> = {}): string {
  if (cwd !== undefined && !cwd.startsWith('/')) throw new Error(`expected an absolute folder on the remote machine, got ${JSON.stringify(cwd)}`)
  const assignments = Object.entries({ ...FIXED_ENV, ...env }).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`expected an environment variable name, got ${JSON.stringify(name)}`)
    return quoteWord(`${name}=${value}`)
  })
  const git = ['git', ...FIXED_CONFIG, ...(cwd === undefined ? [] : ['-C', cwd]), ...args]
  return `unset ${UNSET.join(' ')}; export ${assignments.join(' ')}; exec ${git.map(quoteWord).join(' ')}`
}

/** A git error that says which machine it happened on. */
export class RemoteGitError extends GitError {
  constructor(
    readonly host: string,
    args: readonly string[],
    code: number | string | undefined,
    stderr: string,
  ) {
    super(args, code, stderr)
    this.message = `${host}: ${this.message}`
    this.name = 'RemoteGitError'
  }
}

/** git on another machine, over a RemoteExec: the same GitRunner the local workspace code uses. */
export class RemoteGit implements GitRunner {
  constructor(
    readonly exec: RemoteExec,
    private readonly cwd?: string,
  ) {}

  get host(): string {
    return this.exec.host
  }

  async run(args: readonly string[], options: GitCallOptions = {}): Promise<GitResult> {
    const { stdout, code } = await this.runBuffer(args, options)
    return { stdout: stdout.toString('utf8'), code }
  }

  /** Like run, with the output as bytes (a bundle on stdout); more than `maxBytes` of it is refused as it arrives. */
  async runBuffer(args: readonly string[], options: GitCallOptions & { maxBytes?: number; signal?: AbortSignal } = {}): Promise<{ stdout: Buffer; code: number }> {
    const command = gitCommand(args, options.cwd ?? this.cwd, options.env)
    const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS
    let result: RemoteResult
    try {
      result = await this.exec.run(command, { stdin: options.input, timeoutMs, maxBytes: options.maxBytes, signal: options.signal })
    } catch (error) {
      const message = (error as Error).message
      const timedOut = /did not finish within/.test(message)
      throw new RemoteGitError(this.host, args, timedOut ? 'timeout' : 'ssh', timedOut ? `no answer within ${timeoutMs < 10_000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}` : message)
    }
    const { code, stderr } = result
    if (code === 0 || (code !== null && options.okCodes?.includes(code))) return { stdout: result.stdout, code }
    // 127: the shell found no git on the PATH of the remote session.
    if (code === 127) throw new RemoteGitError(this.host, args, 'ENOENT', `git is not installed there (not found on the PATH of an SSH session): ${stderr.trim()}`)
    throw new RemoteGitError(this.host, args, code ?? 'signal', code === null ? `the command ended without an exit status (killed?) ${stderr}` : stderr)
  }
}

/** stdout of a git call without its final newline (a SHA, a path). */
export async function remoteGitLine(git: RemoteGit, args: readonly string[], options?: GitCallOptions): Promise<string> {
  return (await git.run(args, options)).stdout.replace(/\n$/, '')
}

/**
 * A short shell script of ours (mkdir, cat, rm) with every variable part quoted by the caller;
 * a non-zero exit rejects with the host, what it was doing and the script's stderr.
 */
export async function runScript(remote: RemoteExec, script: string, what: string, options: RemoteRunOptions = {}): Promise<Buffer> {
  let result: RemoteResult
  try {
    result = await remote.run(script, { timeoutMs: DEFAULT_GIT_TIMEOUT_MS, ...options })
  } catch (error) {
    throw new Error(`${remote.host}: could not ${what}: ${(error as Error).message}`)
  }
  if (result.code !== 0) throw new Error(`${remote.host}: could not ${what}: exit ${result.code ?? 'without status'}${result.stderr.trim() ? `: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`)
  return result.stdout
}

/** The remote user's home, absolute (where `~/.flotilla` is). */
export async function remoteHome(remote: RemoteExec): Promise<string> {
  const home = (await runScript(remote, `printf '%s\\n' "$HOME"`, 'read $HOME')).toString('utf8').replace(/\n$/, '')
  if (!home.startsWith('/') || home.includes('\n')) throw new Error(`${remote.host}: expected an absolute $HOME there, got ${JSON.stringify(home)}`)
  return home.replace(/(.)\/+$/, '$1')
}
