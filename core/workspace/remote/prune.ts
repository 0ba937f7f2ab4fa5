import { LAST_USED_FILE } from './cache'
import { quoteWord, remoteHome, RemoteGit, runScript, type RemoteExec } from './remoteGit'

export interface PruneOptions {
  /** A cache no task used for this long goes, with its worktrees folder. */
  maxAgeDays: number
  /** A kept cache larger than this is garbage-collected. */
  maxBytes: number
  /** Say what would be done, do nothing. */
  dryRun?: boolean
  /** "Now", by this machine's clock (the one last-used was written with); tests set it. */
  now?: number
}

export interface PruneAction {
  action: 'remove' | 'gc'
  key: string
  repo: string
  /** Its size before (du -sk). */
  bytes: number
  /** When a task last used it (ms); undefined when it has no record. */
  lastUsed?: number
}

const GC_TIMEOUT_MS = 30 * 60_000
const DAY_MS = 24 * 60 * 60_000

/**
 * Tidies the remote `~/.flotilla`: caches not used for maxAgeDays are removed (with their
 * worktrees: a running task touches last-used when it ships or adds one), and kept ones over
 * maxBytes get `git gc`. The gc prunes unreachable objects at once only in a cache with no
 * worktree: in one with worktrees an agent's `git add` may have objects only an index names yet,
 * so git's default grace applies there.
 */
export async function pruneRemoteCaches(remote: RemoteExec, options: PruneOptions): Promise<PruneAction[]> {
  const now = options.now ?? Date.now()
  const root = `${await remoteHome(remote)}/.flotilla`
  const repos = `${root}/repos`
  // One line per cache: name, last-used, size in KiB (POSIX du), tab-separated.
  const listing = await runScript(
    remote,
    `cd ${quoteWord(repos)} 2>/dev/null || exit 0; for d in *.git; do test -d "$d" || continue; printf '%s\\t%s\\t%s\\n' "$d" "$(cat "$d"/${LAST_USED_FILE} 2>/dev/null | head -n 1)" "$(du -sk "$d" | cut -f1)"; done`,
    `list the caches in ${repos}`,
  )
  const actions: PruneAction[] = []
  for (const line of listing.toString('utf8').split('\n')) {
    const [name, used, kib] = line.split('\t')
    if (!name?.endsWith('.git') || !/^[A-Za-z0-9._-]+\.git$/.test(name)) continue
    const key = name.slice(0, -4)
    const repo = `${repos}/${name}`
    const lastUsed = /^\d+$/.test(used ?? '') ? Number(used) : undefined
    const bytes = Number(kib) * 1024 || 0
    if (lastUsed === undefined || now - lastUsed > options.maxAgeDays * DAY_MS) actions.push({ action: 'remove', key, repo, bytes, lastUsed })
    else if (bytes > options.maxBytes) actions.push({ action: 'gc', key, repo, bytes, lastUsed })
  }
  if (options.dryRun) return actions
  for (const step of actions) {
    if (step.action === 'remove') {
      await runScript(remote, `rm -rf -- ${quoteWord(step.repo)} ${quoteWord(`${root}/worktrees/${step.key}`)}`, `remove ${step.repo}`, { timeoutMs: GC_TIMEOUT_MS })
    } else {
      const git = new RemoteGit(remote, step.repo)
      const worktrees = (await git.run(['worktree', 'list', '--porcelain'])).stdout.split('\n').filter((l) => l.startsWith('worktree ')).length
      // The first entry is the bare repository itself.
      await git.run(['gc', '--quiet', ...(worktrees > 1 ? [] : ['--prune=now'])], { timeoutMs: GC_TIMEOUT_MS })
    }
  }
  return actions
}
