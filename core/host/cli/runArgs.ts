import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { SshSpec } from '../../contract/servers'
import { StrategyName, TaskSpec } from '../../contract/tasks'
import { parseDestination } from '../../ssh/sshConfig'
import { splitPromptBatch } from '../../view/promptBatch'

import { intOption, localFolder, UsageError } from './options'
import { checkServerUrl } from './secrets'

export { UsageError }

export interface RunOptions {
  local: number
  servers: string[]
  /** SSH destinations: ~/.ssh/config aliases or user@host[:port]. */
  ssh: Array<{ host: string; user?: string; port?: number; label: string }>
  remoteDir: string
  acceptNewHostKey: boolean
  /** Install opencode (npm install -g opencode-ai@version) on --ssh machines that lack it. */
  installOpencode: boolean
  /** The prompts came from standard input (so it cannot answer questions). */
  promptsFromStdin: boolean
  passwordEnv?: string
  dir: string
  dirGiven: boolean
  strategy: StrategyName
  capacity: number
  broadcast: boolean
  prompts: string[]
  timeoutMs?: number
  /** Fail a task whose session stays busy with no event for this long (the no-progress watchdog). */
  stallTimeoutMs?: number
  maxAttempts: number
  demo: boolean
  json: boolean
  agent?: string
  model?: string
  /** Every --model given; more than one only with --best-of (the attempts take them in turn). */
  models: string[]
  /** --best-of N: one prompt, N attempts, each in its own worktree, ranked at the end. */
  bestOf?: number
  /** --max-cost USD: no task starts once the run's finished tasks have cost this much. */
  maxCost?: number
  /** --quiet: only each task's result line and the summary. */
  quiet: boolean
  /** Each task in its own git worktree of --dir's repository (the default; --no-isolate shares the folder). */
  isolate: boolean
  base?: string
  includeDirty: boolean
  keepWorktrees: boolean
  setup?: string
  copy: string[]
  verify?: string
  /** Land every completed result at the end, in submit order (into `into`, else the branch checked out at submit). */
  land: boolean
  into?: string
  squash: boolean
}

export const RUN_USAGE = `Usage: flotilla run [options] [prompt ...]

Start or attach opencode servers, spread the prompts over them, stream each task's output,
print a summary, stop what was started. Exit 0 = all tasks completed, 1 = some failed or were
cancelled, 2 = bad usage.

  --local N              start N local opencode servers (default 1 when no --server is given)
  --server URL           attach to a running server (repeatable); password from the URL
                         (http://opencode:PASSWORD@host:port) or --password-env
  --password-env VAR     environment variable holding the --server password
  --ssh DEST             start a server on another machine over SSH (repeatable); DEST is a
                         ~/.ssh/config Host alias or user@host[:port]
  --remote-dir PATH      project directory on the --ssh machines (default ~)
  --accept-new-host-key  accept (and record in ~/.ssh/known_hosts) host keys seen for the first
                         time; a changed key is always refused
  --install-opencode     install opencode on --ssh machines that lack it (npm install -g
                         opencode-ai@<the version Flotilla embeds>); on a terminal it asks
  --dir PATH             project directory (default: the current one)
  --strategy NAME        round-robin | least-loaded | random (default least-loaded)
  --capacity N           concurrent tasks per server (default 1)
  --broadcast            send every prompt to every server
  --prompts FILE         read prompts from FILE, one per line ("-" = standard input);
                         when a line holds only ---, those lines separate prompts instead
                         (multi-line prompts; write \--- for a literal --- line);
                         each prompt up to 100000 characters, at most 1000 in all
  --timeout SECONDS      fail a task that runs longer than this
  --stall-timeout SECONDS
                         fail a task whose session shows no progress (no event) for this long
                         while busy; waiting on a permission does not count (default 600)
  --max-attempts N       attempts per task when its server dies (default 3)
  --no-isolate           tasks share the folder (default in a git repository: each task in its
                         own worktree, its result the branch flotilla/<task-id>)
  --base REF             commit the tasks start from (default HEAD)
  --include-dirty        start from the uncommitted state too (tracked and untracked files)
  --keep-worktrees       keep the worktrees after the run (the branches are always kept)
  --setup CMD            run CMD in each new worktree before the prompt (e.g. "npm ci")
  --copy PATH            copy an untracked file or folder (e.g. .env) into each worktree
                         (repeatable; never part of the result)
  --verify CMD           run CMD in the task's worktree after the agent's turn (e.g. "npm
                         test"): its exit code, time and output's tail mark the result
  --land                 at the end, merge every completed result, in submit order, into the
                         branch checked out at submit, when it merges cleanly (exit 1 when
                         any result was not landed; its branch stays)
  --into BRANCH          land into BRANCH instead
  --squash               land each result as one commit instead of a merge commit
  --best-of N            one prompt, N attempts anywhere in the fleet, each in its own
                         worktree; at the end they are ranked (verify passed, merges cleanly,
                         smaller diff, faster, cheaper) and --land lands the best that passed
  --max-cost USD         start no more tasks once the finished ones have cost this much
  -q, --quiet            only each task's result line and the summary (no streamed output,
                         no status footer)
  --agent NAME           opencode agent for every task
  --model PROVIDER/ID    model for every task (repeatable with --best-of: the attempts take
                         the models in turn)
  --demo                 use Flotilla's scripted model (no API key; see README)
  --json                 one JSON object per line, ending with a summary
  -h, --help             this text`

/** Parses and validates `flotilla run` arguments; throws UsageError with a one-line reason. */
export function parseRunArgs(argv: string[], cwd: string, readStdin: () => string): RunOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        local: { type: 'string' },
        server: { type: 'string', multiple: true },
        'password-env': { type: 'string' },
        ssh: { type: 'string', multiple: true },
        'remote-dir': { type: 'string' },
        'accept-new-host-key': { type: 'boolean' },
        'install-opencode': { type: 'boolean' },
        dir: { type: 'string' },
        strategy: { type: 'string' },
        capacity: { type: 'string' },
        broadcast: { type: 'boolean' },
        prompts: { type: 'string' },
        timeout: { type: 'string' },
        'stall-timeout': { type: 'string' },
        'max-attempts': { type: 'string' },
        agent: { type: 'string' },
        model: { type: 'string', multiple: true },
        'best-of': { type: 'string' },
        'max-cost': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        demo: { type: 'boolean' },
        json: { type: 'boolean' },
        'no-isolate': { type: 'boolean' },
        base: { type: 'string' },
        'include-dirty': { type: 'boolean' },
        'keep-worktrees': { type: 'boolean' },
        setup: { type: 'string' },
        copy: { type: 'string', multiple: true },
        verify: { type: 'string' },
        land: { type: 'boolean' },
        into: { type: 'string' },
        squash: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const v = parsed.values
  if (v.help) throw new UsageError('')
  const servers = v.server ?? []
  for (const url of servers) checkServerUrl(url)
  const passwordEnv = v['password-env']
  if (passwordEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv)) throw new UsageError(`--password-env: expected a variable name, got "${passwordEnv}"`)
    if (servers.length === 0) throw new UsageError('--password-env: expected with --server, got no --server')
    if (!process.env[passwordEnv]) throw new UsageError(`--password-env: environment variable ${passwordEnv} is empty or not set`)
  }
  const ssh = (v.ssh ?? []).map((dest) => {
    let parsed
    try {
      parsed = parseDestination(dest)
    } catch (error) {
      throw new UsageError(`--ssh: ${(error as Error).message}`)
    }
    const spec = SshSpec.shape.host.safeParse(parsed.host)
    if (!spec.success) throw new UsageError(`--ssh: expected a host name or ~/.ssh/config alias, got "${dest}"`)
    const port = parsed.port === undefined ? undefined : intOption('ssh port', parsed.port, 1, 65535)
    return { host: parsed.host, user: parsed.user, port, label: dest }
  })
  const remoteDir = v['remote-dir'] ?? '~'
  if (v['remote-dir'] !== undefined && ssh.length === 0) throw new UsageError('--remote-dir: expected with --ssh, got no --ssh')
  const local = intOption('local', v.local, 0, 64) ?? (servers.length || ssh.length ? 0 : 1)
  if (local + servers.length + ssh.length === 0) throw new UsageError('expected at least one server (--local N, --server URL or --ssh DEST), got none')
  const strategyRaw = v.strategy ?? 'least-loaded'
  const strategy = StrategyName.safeParse(strategyRaw)
  if (!strategy.success) throw new UsageError(`--strategy: expected round-robin, least-loaded or random, got "${strategyRaw}"`)
  const dir = localFolder(cwd, v.dir ?? '.', homedir())
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--dir: expected an existing directory, got "${dir}"`)
  const prompts = [...parsed.positionals]
  if (v.prompts !== undefined) prompts.push(...readPrompts(v.prompts, cwd, readStdin))
  if (prompts.length === 0) throw new UsageError('expected at least one prompt (as arguments or with --prompts), got none')
  if (prompts.length > 1000) throw new UsageError(`expected at most 1000 prompts, got ${prompts.length}`)
  // Checked here, before any server starts, with the same schema the engine applies.
  prompts.forEach((prompt, i) => checkPrompt(prompt, i + 1))
  const timeout = intOption('timeout', v.timeout, 1, 86_400)
  const stall = intOption('stall-timeout', v['stall-timeout'], 1, 86_400)
  const models = v.model ?? []
  for (const model of models) if (!/^[^/\s]+\/\S+$/.test(model)) throw new UsageError(`--model: expected provider/model, got "${model}"`)
  const bestOf = intOption('best-of', v['best-of'], 2, 100)
  if (models.length > 1 && bestOf === undefined) throw new UsageError(`--model: expected once (or several times with --best-of), got ${models.length} times`)
  if (bestOf !== undefined && prompts.length !== 1) throw new UsageError(`--best-of: expected one prompt (its attempts are compared), got ${prompts.length}`)
  if (bestOf !== undefined && v.broadcast) throw new UsageError('--best-of: expected without --broadcast (both make several attempts of one prompt), got both')
  if (bestOf !== undefined && v['no-isolate']) throw new UsageError('--best-of: expected each attempt in its own worktree, got --no-isolate (attempts sharing a folder would write over each other)')
  const maxCost = v['max-cost'] === undefined ? undefined : Number(v['max-cost'])
  if (maxCost !== undefined && !(/^\d+(\.\d+)?$/.test(v['max-cost']!) && maxCost > 0 && maxCost <= 1_000_000)) throw new UsageError(`--max-cost: expected an amount of US dollars above 0 (e.g. 2.50), got "${v['max-cost']}"`)
  if (v.agent !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(v.agent)) throw new UsageError(`--agent: expected an agent name, got "${v.agent}"`)
  const isolate = !(v['no-isolate'] ?? false)
  for (const flag of ['into', 'squash'] as const) {
    if (v[flag] !== undefined && !v.land) throw new UsageError(`--${flag}: expected with --land, got no --land`)
  }
  if (v.into !== undefined && !/^(?!-)(?!.*\.\.)(?!.*\/$)[^\s~^:?*[\\]{1,255}$/.test(v.into)) throw new UsageError(`--into: expected a branch name, got "${v.into}"`)
  for (const flag of ['base', 'include-dirty', 'keep-worktrees', 'setup', 'copy', 'verify', 'land'] as const) {
    if (!isolate && v[flag] !== undefined) throw new UsageError(`--${flag}: expected without --no-isolate (it is about worktrees), got both`)
  }
  if (v.base !== undefined && !/^[^-\s][^\s]{0,255}$/.test(v.base)) throw new UsageError(`--base: expected a branch, tag or commit, got "${v.base}"`)
  for (const flag of ['setup', 'verify'] as const) {
    const value = v[flag]
    if (value !== undefined && (!value.trim() || value.length > 10_000)) throw new UsageError(`--${flag}: expected a command of 1 to 10000 characters, got ${value.trim() ? `${value.length} characters` : 'an empty one'}`)
  }
  const copy = v.copy ?? []
  for (const path of copy) {
    if (!path || path.startsWith('/') || path.split('/').includes('..')) throw new UsageError(`--copy: expected a path inside --dir (relative, no ".."), got "${path}"`)
  }
  return {
    isolate,
    land: v.land ?? false,
    into: v.into,
    squash: v.squash ?? false,
    setup: v.setup,
    copy,
    verify: v.verify,
    base: v.base,
    includeDirty: v['include-dirty'] ?? false,
    keepWorktrees: v['keep-worktrees'] ?? false,
    local,
    servers,
    ssh,
    remoteDir,
    acceptNewHostKey: v['accept-new-host-key'] ?? false,
    installOpencode: v['install-opencode'] ?? false,
    promptsFromStdin: v.prompts === '-',
    passwordEnv,
    dir,
    dirGiven: v.dir !== undefined,
    strategy: strategy.data,
    capacity: intOption('capacity', v.capacity, 1, 64) ?? 1,
    broadcast: v.broadcast ?? false,
    prompts,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    stallTimeoutMs: stall === undefined ? undefined : stall * 1000,
    maxAttempts: intOption('max-attempts', v['max-attempts'], 1, 10) ?? 3,
    demo: v.demo ?? false,
    json: v.json ?? false,
    agent: v.agent,
    model: models[0],
    models,
    bestOf,
    maxCost,
    quiet: v.quiet ?? false,
  }
}

/** The prompts of `--prompts FILE` (or `-`, standard input): one per non-empty line, or blocks between `---` lines. */
function readPrompts(source: string, cwd: string, readStdin: () => string): string[] {
  const file = source === '-' ? 'standard input' : resolve(cwd, source)
  if (source !== '-' && (!existsSync(file) || !statSync(file).isFile())) throw new UsageError(`--prompts: expected a readable file, got "${file}"`)
  let text: string
  try {
    text = source === '-' ? readStdin() : readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`--prompts: expected a readable file, got "${file}" (${readError(error)})`)
  }
  return splitPromptBatch(text, { onePerLine: true })
}

function readError(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'a directory'
  return error instanceof Error ? error.message : String(error)
}

function checkPrompt(prompt: string, n: number): void {
  const parsed = TaskSpec.shape.prompt.safeParse(prompt)
  if (parsed.success) return
  const issue = parsed.error.issues[0]
  if (issue?.code === 'too_big') throw new UsageError(`prompt ${n}: expected at most ${issue.maximum} characters, got ${prompt.trim().length}`)
  throw new UsageError(`prompt ${n}: ${issue?.message ?? 'invalid'}`)
}
