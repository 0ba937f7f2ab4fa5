import { execFile } from 'node:child_process'

export interface GitCallOptions {
  /** The folder git runs in (`-C`); default the runner's own. */
  cwd?: string
  /** Written to git's standard input. */
  input?: string | Buffer
  /** Added to git's environment (GIT_INDEX_FILE for a private index, an identity). */
  env?: Record<string, string>
  /** Default 60 s: no git call may hang a task for ever. */
  timeoutMs?: number
  /** Exit codes that are answers rather than failures (`diff --quiet` exits 1 for "differs"). */
  okCodes?: readonly number[]
}

export interface GitResult {
  stdout: string
  code: number
}

/**
 * Runs the git CLI with arguments (never through a shell). The same interface runs git on this
 * machine or on another one over SSH, so the workspace code does not care where a repository is.
 */
export interface GitRunner {
  /** Resolves with git's output; rejects with a GitError naming the command and git's own message. */
  run(args: readonly string[], options?: GitCallOptions): Promise<GitResult>
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | string | undefined,
    readonly stderr: string,
  ) {
    const detail = stderr.trim().split('\n').slice(-3).join(' / ') || `exit ${code}`
    super(`git ${args.slice(0, 2).join(' ')} failed: ${detail}`)
    this.name = 'GitError'
  }
}

export const DEFAULT_GIT_TIMEOUT_MS = 60_000
/** Output above this is an error rather than memory: callers that need more ask in pages. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024

/**
 * Variables that would point git at another repository or index than the one asked for (they are
 * set when Flotilla itself runs inside a git hook), and the ones that would make it prompt.
 */
const INHERITED_GIT_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX', 'GIT_COMMON_DIR']

export function gitEnvironment(base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base }
  for (const name of INHERITED_GIT_VARIABLES) delete env[name]
  // Never wait on a credential or editor prompt nobody can see; messages in one language, to parse.
  Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', LC_ALL: 'C', LANGUAGE: 'C' }, extra)
  return env
}

/** git on this machine. */
export class LocalGit implements GitRunner {
  constructor(
    private readonly cwd?: string,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  run(args: readonly string[], options: GitCallOptions = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        [...args],
        {
          cwd: options.cwd ?? this.cwd,
          env: gitEnvironment(this.baseEnv, options.env),
          timeout: options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
          killSignal: 'SIGKILL',
          maxBuffer: MAX_OUTPUT_BYTES,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          if (!error) return resolve({ stdout, code: 0 })
          const code = typeof error.code === 'number' ? error.code : undefined
          if (code !== undefined && options.okCodes?.includes(code)) return resolve({ stdout, code })
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new GitError(args, 'ENOENT', 'git is not installed (not found on the PATH)'))
          if (error.killed) return reject(new GitError(args, 'timeout', `no answer within ${Math.round((options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS) / 1000)} s`))
          reject(new GitError(args, code ?? error.code ?? undefined, stderr))
        },
      )
      if (options.input !== undefined) child.stdin?.end(options.input)
      else child.stdin?.end()
    })
  }
}

/** stdout without its final newline (a SHA, a branch name). */
export async function gitLine(git: GitRunner, args: readonly string[], options?: GitCallOptions): Promise<string> {
  return (await git.run(args, options)).stdout.replace(/\n$/, '')
}

/**
 * `-S` when the repository's config signs commits (commit.gpgSign), else nothing: commit-tree
 * ignores that setting, so the commits Flotilla makes on this machine ask for it themselves.
 */
export async function signingArgs(git: GitRunner, cwd: string): Promise<string[]> {
  const value = (await git.run(['config', '--type=bool', '--get', 'commit.gpgSign'], { cwd, okCodes: [1] })).stdout.trim()
  return value === 'true' ? ['-S'] : []
}
