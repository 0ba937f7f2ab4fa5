import { hostname } from 'node:os'
import { LAST_USED_FILE } from './cache'
import { judgeOwner, ownerNotePath, parseRemoteOwner } from './owner'
import { quoteWord, remoteHome, RemoteGit, runScript, type RemoteExec } from './remoteGit'

export interface PruneOptions {
  /** A cache no task used for this long goes, with its worktrees folder; so does a worktree nobody here owns, untouched this long. */
  maxAgeDays: number
  /** A kept cache larger than this is garbage-collected. */
  maxBytes: number
  /** Say what would be done, do nothing. */
  dryRun?: boolean
  /** "Now", by this machine's clock (the one last-used was written with); tests set it. */
  now?: number
  /** This machine's name as owner notes give it (default os.hostname()); tests set it. */
  machine?: string
  /**
   * Remote worktree paths that must stay whoever made them (the ones tasks of a journal still
   * hold, kept after their process ended): treated like a live owner's. Paths of other machines
   * in it only keep more.
   */
  held?: ReadonlySet<string>
}

export interface PruneAction {
  /** `remove`: a whole cache with its worktrees; `gc`: git gc of a kept cache; `remove-worktree`: one left-over worktree and its branch. */
  action: 'remove' | 'gc' | 'remove-worktree'
  key: string
  /** The cache repository (it may be gone already for a worktree whose cache was removed). */
  repo: string
  /** For remove-worktree: the worktree there. */
  path?: string
  /** Its size before (du -sk). */
  bytes: number
  /** When a task last used the cache (ms); undefined when it has no record or for a worktree. */
  lastUsed?: number
  /** Why, in words (for `flotilla gc`). */
  reason: string
  /** Set when it was not done after all: a remove-worktree whose owner note changed between listing and removal. */
  skipped?: string
}

const GC_TIMEOUT_MS = 30 * 60_000
const DAY_MS = 24 * 60 * 60_000
const NAME = /^[A-Za-z0-9._-]{1,80}$/
const usable = (name: string) => NAME.test(name) && name !== '.' && name !== '..'
/** Listings are ours, but printed by the remote: bounded. */
const LISTING_MAX_BYTES = 16 * 1024 * 1024

/** One worktree folder (or an owner note without one) under the remote `~/.flotilla/worktrees`. */
interface FoundRemoteWorktree {
  key: string
  name: string
  path: string
  bytes: number
  /** Its note (or, without one, its folder) is older than maxAgeDays by the remote's clock. */
  old: boolean
  /** Only the note is there (a crash between note and `git worktree add`). */
  noteOnly: boolean
  note: string
  /** Whether a note file is there at all (its text may be empty or garbled). */
  hasNote: boolean
}

/**
 * Tidies the remote `~/.flotilla`:
 * - a worktree whose owner note names this machine and a process that is gone (a crash, kill -9
 *   of the local run or app) is removed with its branch in the cache; one whose process runs is
 *   never touched (a concurrently running app or `flotilla run` here). A worktree with no note or
 *   another machine's note goes only when it (its note) is older than maxAgeDays;
 * - caches not used for maxAgeDays are removed with their worktrees (a running task touches
 *   last-used when it ships or adds one), unless a live process here owns a worktree of it;
 * - kept caches over maxBytes get `git gc`. The gc prunes unreachable objects at once only in a
 *   cache with no worktree: in one with worktrees an agent's `git add` may have objects only an
 *   index names yet, so git's default grace applies there.
 * Everything the remote prints is checked (names, numbers, the notes' JSON); what does not fit is
 * left alone.
 */
export async function pruneRemoteCaches(remote: RemoteExec, options: PruneOptions): Promise<PruneAction[]> {
  const now = options.now ?? Date.now()
  const machine = options.machine ?? hostname()
  const root = `${await remoteHome(remote)}/.flotilla`
  const repos = `${root}/repos`
  const days = Math.max(0, Math.floor(options.maxAgeDays))
  // One line per cache: name, last-used, size in KiB (POSIX du), tab-separated.
  const listing = await runScript(
    remote,
    `cd ${quoteWord(repos)} 2>/dev/null || exit 0; for d in *.git; do test -d "$d" || continue; printf '%s\\t%s\\t%s\\n' "$d" "$(cat "$d"/${LAST_USED_FILE} 2>/dev/null | head -n 1)" "$(du -sk "$d" | cut -f1)"; done`,
    `list the caches in ${repos}`,
    { maxBytes: LISTING_MAX_BYTES },
  )
  const caches: PruneAction[] = []
  for (const line of listing.toString('utf8').split('\n')) {
    const [name, used, kib] = line.split('\t')
    if (!name?.endsWith('.git') || !usable(name.slice(0, -4))) continue
    const key = name.slice(0, -4)
    const repo = `${repos}/${name}`
    const lastUsed = /^\d{1,16}$/.test(used ?? '') ? Number(used) : undefined
    const bytes = /^\d{1,16}$/.test(kib ?? '') ? Number(kib) * 1024 : 0
    if (lastUsed === undefined || now - lastUsed > options.maxAgeDays * DAY_MS) {
      caches.push({ action: 'remove', key, repo, bytes, lastUsed, reason: lastUsed === undefined ? 'no record of its last use' : `unused for ${Math.floor((now - lastUsed) / DAY_MS)} days (limit ${options.maxAgeDays})` })
    } else if (bytes > options.maxBytes) caches.push({ action: 'gc', key, repo, bytes, lastUsed, reason: `larger than ${options.maxBytes} bytes` })
  }

  const found = await listRemoteWorktrees(remote, root, days)
  const liveKeys = new Set<string>()
  const worktrees: PruneAction[] = []
  for (const w of found) {
    const verdict = judgeOwner(parseRemoteOwner(w.note), machine)
    if (verdict.kind === 'live' || options.held?.has(w.path)) {
      liveKeys.add(w.key)
      continue
    }
    const repo = `${repos}/${w.key}.git`
    const what = w.noteOnly ? 'an owner note without its worktree' : undefined
    if (verdict.kind === 'dead') worktrees.push({ action: 'remove-worktree', key: w.key, repo, path: w.path, bytes: w.bytes, reason: what ? `${what}: ${verdict.reason}` : verdict.reason })
    else if (w.old) worktrees.push({ action: 'remove-worktree', key: w.key, repo, path: w.path, bytes: w.bytes, reason: `${what ?? verdict.reason}, untouched for more than ${days} days` })
  }
  // A cache a live process here works in stays, whatever its age; the worktrees of a cache that goes go with it.
  const kept = caches.filter((c) => !(c.action === 'remove' && liveKeys.has(c.key)))
  const removedKeys = new Set(kept.filter((c) => c.action === 'remove').map((c) => c.key))
  const actions = [...worktrees.filter((w) => !removedKeys.has(w.key)), ...kept]
  if (options.dryRun) return actions
  for (const step of actions) {
    if (step.action === 'remove-worktree') {
      const w = found.find((f) => f.path === step.path)!
      if (!(await removeLeftover(remote, step, root, w))) step.skipped = 'its owner note changed meanwhile (a process took it over): left alone'
    } else if (step.action === 'remove') {
      await runScript(remote, `rm -rf -- ${quoteWord(step.repo)} ${quoteWord(`${root}/worktrees/${step.key}`)}`, `remove ${step.repo}`, { timeoutMs: GC_TIMEOUT_MS })
    } else {
      const git = new RemoteGit(remote, step.repo)
      const count = (await git.run(['worktree', 'list', '--porcelain'])).stdout.split('\n').filter((l) => l.startsWith('worktree ')).length
      // The first entry is the bare repository itself.
      await git.run(['gc', '--quiet', ...(count > 1 ? [] : ['--prune=now'])], { timeoutMs: GC_TIMEOUT_MS })
    }
  }
  return actions
}

/**
 * Every `<root>/worktrees/<key>/<name>` folder (not a symlink), and every note without its
 * folder: key, name, size in KiB, `old`/`new` (`find -mtime`, POSIX, by the remote's clock: the
 * note's age, else the folder's), and the note's text on one line (at most 2,000 characters).
 */
async function listRemoteWorktrees(remote: RemoteExec, root: string, days: number): Promise<FoundRemoteWorktree[]> {
  const folder = `${root}/worktrees`
  const script = [
    `cd ${quoteWord(folder)} 2>/dev/null || exit 0`,
    `age() { if test -n "$(find "$1" -prune -mtime +${days} 2>/dev/null)"; then echo old; else echo new; fi; }`,
    `note() { tr -d '\\t\\r\\n' < "$1" 2>/dev/null | cut -c1-2000; }`,
    `for d in */*; do`,
    `  case "$d" in *.owner.json) continue;; esac`,
    `  test -d "$d" && ! test -L "$d" || continue`,
    `  n="$d.owner.json"; if test -f "$n"; then f="$n"; k=W; t=$(note "$n"); else f="$d"; k=w; t=; fi`,
    `  printf '%s\\t%s\\t%s\\t%s\\t%s\\n' "$k" "$d" "$(du -sk "$d" | cut -f1)" "$(age "$f")" "$t"`,
    `done`,
    `for n in */*.owner.json; do`,
    `  test -f "$n" || continue; d="\${n%.owner.json}"; test -e "$d" && continue`,
    `  printf 'N\\t%s\\t0\\t%s\\t%s\\n' "$d" "$(age "$n")" "$(note "$n")"`,
    `done`,
  ].join('\n')
  const out = await runScript(remote, script, `list the worktrees in ${folder}`, { maxBytes: LISTING_MAX_BYTES, timeoutMs: GC_TIMEOUT_MS })
  const found: FoundRemoteWorktree[] = []
  for (const line of out.toString('utf8').split('\n')) {
    const [kind, relative, kib, age, ...rest] = line.split('\t')
    if ((kind !== 'W' && kind !== 'w' && kind !== 'N') || !relative || (age !== 'old' && age !== 'new') || !/^\d{1,16}$/.test(kib ?? '')) continue
    const [key, name, ...more] = relative.split('/')
    if (more.length || !key || !name || !usable(key) || !usable(name)) continue
    found.push({ key, name, path: `${folder}/${key}/${name}`, bytes: Number(kib) * 1024, old: age === 'old', noteOnly: kind === 'N', note: rest.join('\t'), hasNote: kind !== 'w' })
  }
  return found
}

/**
 * One left-over worktree: git forgets it in its cache (`worktree remove --force`, then the folder
 * and its note go by rm -rf whatever git did, then `worktree prune`), and its branch there is
 * deleted when it is one of Flotilla's (`flotilla/…`) and no other worktree has it checked out.
 * A worktree whose cache is gone is only removed. Its note is read again first: one that changed
 * since the listing (a process of this or another machine made the worktree again, a follow-up)
 * is left alone, and false returned.
 */
async function removeLeftover(remote: RemoteExec, step: PruneAction, root: string, listed: FoundRemoteWorktree): Promise<boolean> {
  const path = step.path!
  if (!path.startsWith(`${root}/worktrees/`)) throw new Error(`expected a worktree inside ${root}/worktrees, got ${JSON.stringify(path)}`)
  const parent = path.slice(0, path.lastIndexOf('/'))
  const note = quoteWord(ownerNotePath(path))
  const same = listed.hasNote ? `test -f ${note} && test "$(tr -d '\\t\\r\\n' < ${note} 2>/dev/null | cut -c1-2000)" = ${quoteWord(listed.note)}` : `! test -e ${note}`
  if ((await runScript(remote, `if ${same}; then echo same; fi`, `read ${ownerNotePath(path)} again`)).toString().trim() !== 'same') return false
  const hasCache = (await runScript(remote, `if test -f ${quoteWord(`${step.repo}/HEAD`)}; then echo yes; fi`, `look at ${step.repo}`)).toString().trim() === 'yes'
  const git = new RemoteGit(remote, step.repo)
  let branch: string | undefined
  if (hasCache) {
    const listed = parseWorktreeList((await git.run(['worktree', 'list', '--porcelain'])).stdout)
    const name = path.slice(path.lastIndexOf('/') + 1)
    branch = listed.get(path) ?? `refs/heads/flotilla/${name}`
    const elsewhere = [...listed].some(([other, b]) => other !== path && b === branch)
    if (!/^refs\/heads\/flotilla\/[A-Za-z0-9._-]{1,80}$/.test(branch) || elsewhere) branch = undefined
    await git.run(['worktree', 'remove', '--force', '--force', path], { timeoutMs: GC_TIMEOUT_MS }).catch(() => {})
  }
  await runScript(remote, `rm -rf -- ${quoteWord(path)} ${quoteWord(ownerNotePath(path))} && { rmdir -- ${quoteWord(parent)} 2>/dev/null || true; }`, `remove ${path}`, { timeoutMs: GC_TIMEOUT_MS })
  if (!hasCache) return true
  await git.run(['worktree', 'prune'])
  if (branch) {
    const tip = (await git.run(['rev-parse', '--verify', '-q', branch], { okCodes: [1] })).stdout.trim()
    if (/^[0-9a-f]{40,64}$/.test(tip)) await git.run(['update-ref', '-d', branch, tip])
  }
  return true
}

/** `git worktree list --porcelain`: worktree path → its branch ref (or '' when detached). */
function parseWorktreeList(text: string): Map<string, string> {
  const map = new Map<string, string>()
  let current: string | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith('worktree ')) {
      current = line.slice(9)
      map.set(current, '')
    } else if (line.startsWith('branch ') && current !== undefined) map.set(current, line.slice(7))
  }
  return map
}
