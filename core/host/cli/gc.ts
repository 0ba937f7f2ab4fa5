import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ServerSpec, SshSpec } from '../../contract/servers'
import { errorMessage } from '../../lib/errors'
import { targetFor } from '../../launchers/ssh'
import { parseDestination, type ResolveOptions } from '../../ssh/sshConfig'
import { SshConnection, type SshConnectOptions } from '../../ssh/sshConnection'
import { flotillaHome } from '../../store/paths'
import { TaskJournal } from '../../store/taskJournal'
import { sanitizeTerminalText as safe } from '../../view/terminalText'
import { pruneRemoteCaches, type PruneAction } from '../../workspace/remote/prune'
import { sshExec } from '../../workspace/remote/remoteGit'
import { REMOTE_CACHE_MAX_AGE_DAYS, REMOTE_CACHE_MAX_BYTES, Workspaces } from '../../workspace/workspaces'
import { intOption, UsageError } from './options'
import { terminalSshAnswers } from './sshQuestions'
import type { Ask } from './ttyPrompt'

export const GC_USAGE = `Usage: flotilla gc [--dry-run] [--kept] [--ssh DEST ...] [--accept-new-host-key] [--local-only]

Removes what Flotilla left behind on this machine: task worktrees whose run ended without
removing them (a crash, kill -9). Their branches flotilla/<task> are kept: they are the results.
Worktrees a journal still lists (the app's, serve's) and --keep-worktrees ones stay.

Then the same on SSH machines, in ~/.flotilla there: each --ssh DEST, or without --ssh the SSH
servers saved in the app's settings (read only). There it removes task worktrees whose owner
note names this machine and a process that is gone (with their branch in the cache there),
worktrees no process here owns that are older than ${REMOTE_CACHE_MAX_AGE_DAYS} days, cache repositories unused for
${REMOTE_CACHE_MAX_AGE_DAYS} days (with their worktrees), and runs git gc in caches over ${REMOTE_CACHE_MAX_BYTES / 1024 ** 3} GiB. A worktree of a process
that runs here (the app, a flotilla run) is never touched. Each line says the host, the path,
its size and why.

  --dry-run               list what would be removed, remove nothing
  --kept                  also remove worktrees kept with --keep-worktrees (this machine)
  --ssh DEST              tidy this SSH machine too (repeatable): a ~/.ssh/config Host alias or
                          user@host[:port]; the saved servers are then not visited
  --accept-new-host-key   accept (and record in ~/.ssh/known_hosts) host keys seen for the first
                          time; without it an unknown key is asked on a terminal, else refused
  --local-only            this machine only: no SSH machine is visited
  -h, --help              this text`

export interface GcSshDestination {
  host: string
  user?: string
  port?: number
  identityFile?: string
  /** How lines name it (what was typed, or the saved server's name). */
  label: string
}

export interface GcOptions {
  dryRun: boolean
  kept: boolean
  /** --ssh; empty: the saved SSH servers unless localOnly. */
  ssh: GcSshDestination[]
  acceptNewHostKey: boolean
  localOnly: boolean
}

export interface GcIo {
  out: (line: string) => void
  err: (line: string) => void
  /** Questions on a terminal (host keys, passphrases); absent without one. */
  ask?: Ask
}

/** How the SSH machines are reached: known_hosts, agent and ~/.ssh/config overrides (tests); the user's own by default. */
export type GcSsh = Pick<SshConnectOptions, 'knownHostsPath' | 'agent' | 'readyTimeoutMs'> & { config?: ResolveOptions }

export function parseGcArgs(argv: string[]): GcOptions {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'dry-run': { type: 'boolean' },
        kept: { type: 'boolean' },
        ssh: { type: 'string', multiple: true },
        'accept-new-host-key': { type: 'boolean' },
        'local-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) throw new UsageError('')
    const ssh = (values.ssh ?? []).map(parseSshDestination)
    if (values['local-only'] && ssh.length) throw new UsageError('--local-only: expected no --ssh with it, got --ssh too')
    return { dryRun: values['dry-run'] ?? false, kept: values.kept ?? false, ssh, acceptNewHostKey: values['accept-new-host-key'] ?? false, localOnly: values['local-only'] ?? false }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError((error as Error).message)
  }
}

function parseSshDestination(dest: string): GcSshDestination {
  let parsed
  try {
    parsed = parseDestination(dest)
  } catch (error) {
    throw new UsageError(`--ssh: ${(error as Error).message}`)
  }
  if (!SshSpec.shape.host.safeParse(parsed.host).success) throw new UsageError(`--ssh: expected a host name or ~/.ssh/config alias, got "${dest}"`)
  if (parsed.user !== undefined && !SshSpec.shape.user.safeParse(parsed.user).success) throw new UsageError(`--ssh: expected a user name before "@", got "${dest}"`)
  const port = parsed.port === undefined ? undefined : intOption('ssh port', parsed.port, 1, 65535)
  return { host: parsed.host, user: parsed.user, port, label: dest }
}

/** The SSH servers saved in the app's settings file, read only; none when there is no valid file. Entries that do not check out are skipped. */
export function savedSshDestinations(configDir: string): GcSshDestination[] {
  let servers: unknown
  try {
    servers = (JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { servers?: unknown }).servers
  } catch {
    return []
  }
  if (!Array.isArray(servers)) return []
  return servers.flatMap((raw) => {
    const parsed = ServerSpec.safeParse(raw)
    if (!parsed.success || parsed.data.kind !== 'ssh') return []
    const s = parsed.data
    return [{ host: s.host, user: s.user, port: s.port, identityFile: s.identityFile, label: s.name }]
  })
}

/** `flotilla gc`: the leftover worktrees of this machine's Flotilla home, then of the SSH machines, listed or removed. */
export async function gcCommand(options: GcOptions, io: GcIo, ssh: GcSsh = {}): Promise<number> {
  const home = flotillaHome()
  const journal = join(home.state, 'tasks.jsonl')
  // What the app's journal still holds is not left over (read only: the journal is not written here).
  const tasks = existsSync(journal) ? new TaskJournal(journal).load() : []
  const workspaces = new Workspaces({ root: join(home.state, 'worktrees'), journal })
  const held = workspaces.heldBy(tasks)
  const leftovers = await workspaces.sweep({ listed: held, dryRun: options.dryRun })
  const verb = options.dryRun ? 'would remove' : 'removed'
  for (const l of leftovers) io.out(`${l.error ? 'could not remove' : verb} ${safe(l.path)}${l.repo ? ` (worktree of ${safe(l.repo)})` : ''}: ${safe(l.error ?? l.reason)}`)
  const kept = workspaces.keptWorktrees()
  for (const k of kept) io.out(`${options.kept ? verb : 'kept'} ${safe(k.path)}${k.repo ? ` (worktree of ${safe(k.repo)})` : ''}: --keep-worktrees${options.kept ? '' : ' (flotilla gc --kept removes it)'}`)
  if (options.kept) for (const failure of await workspaces.removeKept(options.dryRun)) io.err(`could not remove ${safe(failure)}`)
  const done = leftovers.filter((l) => !l.error).length
  io.out(`${done} leftover worktree${done === 1 ? '' : 's'} ${options.dryRun ? 'would be removed' : 'removed'}; branches are kept.`)
  let failed = leftovers.some((l) => l.error)
  const destinations = options.localOnly ? [] : options.ssh.length ? options.ssh : savedSshDestinations(home.config)
  const seen = new Set<string>()
  for (const dest of destinations) {
    let target
    try {
      target = targetFor({ kind: 'ssh', id: 'gc', name: dest.label, capacity: 1, host: dest.host, user: dest.user, port: dest.port, identityFile: dest.identityFile, remoteDirectory: '~', demo: false }, ssh.config)
    } catch (error) {
      io.err(`could not tidy ${safe(dest.label)}: ${safe(errorMessage(error))}`)
      failed = true
      continue
    }
    // Two saved servers on one machine: it is tidied once.
    const id = `${target.user}@${target.hostName}:${target.port}`
    if (seen.has(id)) continue
    seen.add(id)
    if (!(await tidyMachine(dest.label, target, options, io, ssh, held))) failed = true
  }
  return failed ? 1 : 0
}

/** One SSH machine's ~/.flotilla, over a connection of its own (closed after); false when it could not be reached or tidied. */
async function tidyMachine(label: string, target: ReturnType<typeof targetFor>, options: GcOptions, io: GcIo, ssh: GcSsh, held: ReadonlySet<string>): Promise<boolean> {
  let connection: SshConnection
  try {
    connection = await SshConnection.connect(target, {
      knownHostsPath: ssh.knownHostsPath,
      agent: ssh.agent,
      readyTimeoutMs: ssh.readyTimeoutMs,
      ...terminalSshAnswers({ acceptNewHostKey: options.acceptNewHostKey, err: io.err, ask: io.ask }),
    })
  } catch (error) {
    io.err(`could not reach ${safe(label)}: ${safe(errorMessage(error))}`)
    return false
  }
  try {
    const actions = await pruneRemoteCaches(sshExec(connection, label), { maxAgeDays: REMOTE_CACHE_MAX_AGE_DAYS, maxBytes: REMOTE_CACHE_MAX_BYTES, dryRun: options.dryRun, held })
    for (const a of actions) io.out(describe(label, a, options.dryRun))
    const worktrees = actions.filter((a) => a.action === 'remove-worktree' && !a.skipped).length
    const caches = actions.filter((a) => a.action === 'remove').length
    const gcs = actions.filter((a) => a.action === 'gc').length
    const would = options.dryRun ? 'would be ' : ''
    io.out(`${safe(label)}: ${worktrees} leftover worktree${worktrees === 1 ? '' : 's'} ${would}removed, ${caches} cache${caches === 1 ? '' : 's'} ${would}removed, ${gcs} ${would}garbage-collected.`)
    return true
  } catch (error) {
    io.err(`could not tidy ${safe(label)}: ${safe(errorMessage(error))}`)
    return false
  } finally {
    connection.close()
  }
}

/** One line: what, where (host:path), how big, why. Every part the remote gave is made safe for a terminal. */
function describe(label: string, a: PruneAction, dryRun: boolean): string {
  const where = `${safe(label)}:${safe(a.path ?? a.repo)}`
  const size = `(${size_(a.bytes)})`
  if (a.skipped) return `left ${where} ${size}: ${safe(a.skipped)}`
  const verb = a.action === 'gc' ? (dryRun ? 'would gc' : "gc'd") : dryRun ? 'would remove' : 'removed'
  const what = a.action === 'remove' ? `${where} and its worktrees` : a.action === 'remove-worktree' ? `${where} (worktree of ${safe(a.key)}) and its branch there` : where
  return `${verb} ${what} ${size}: ${safe(a.reason)}`
}

function size_(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${Math.round(bytes / 1024)} KiB`
}
