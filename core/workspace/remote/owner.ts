import { hostname } from 'node:os'
import { z } from 'zod'
import { ownerAlive, processStartTime } from '../../lib/ownedTempDir'
import { quoteWord, runScript, type RemoteExec } from './remoteGit'

/**
 * Who made a worktree on a remote machine, in `<worktree>.owner.json` beside it there (mode
 * 0600): the local machine and process. A sweep run from that machine can tell a crashed or
 * killed run's worktree (its process gone) from a live one; another machine's it leaves to the
 * age limit. Read back from the remote, so it is validated like anything else printed there.
 */
export const RemoteOwner = z.strictObject({
  machine: z.string().min(1).max(255).regex(/^[^\p{Cc}]+$/u, 'expected a host name without control characters'),
  pid: z.number().int().positive().max(2 ** 31),
  startedAt: z.string().regex(/^\d{1,20}$/).optional(),
  /** --keep-worktrees: no sweep removes it, whether its process lives or not (it goes with its cache, by age). */
  kept: z.literal(true).optional(),
})
export type RemoteOwner = z.infer<typeof RemoteOwner>

export const ownerNotePath = (worktree: string) => `${worktree}.owner.json`

/** This process, as a note names it. */
export function localOwner(): RemoteOwner {
  const startedAt = processStartTime(process.pid)
  return { machine: hostname(), pid: process.pid, ...(startedAt ? { startedAt } : {}) }
}

/** Writes the note for `worktree` (absolute, already checked to be in a cache's worktrees folder). */
export async function writeRemoteOwner(remote: RemoteExec, worktree: string, owner: RemoteOwner = localOwner()): Promise<void> {
  const note = ownerNotePath(worktree)
  const parent = worktree.slice(0, worktree.lastIndexOf('/'))
  await runScript(remote, `umask 077 && mkdir -p -- ${quoteWord(parent)} && rm -f -- ${quoteWord(note)} && printf '%s\\n' ${quoteWord(JSON.stringify(owner))} > ${quoteWord(note)}`, `write the owner note ${note}`)
}

/** A note's text as the remote printed it: the owner, or undefined when it is not one of ours (garbled, half-written, foreign). */
export function parseRemoteOwner(text: string): RemoteOwner | undefined {
  try {
    const parsed = RemoteOwner.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

export type OwnerVerdict = { kind: 'live' } | { kind: 'dead'; reason: string } | { kind: 'unknown'; reason: string }

/**
 * What this machine can say about a note: `live` (this machine's process runs: never removed),
 * `dead` (this machine's, its process gone: a leftover), `unknown` (no note, or another
 * machine's: only the age limit applies).
 */
export function judgeOwner(owner: RemoteOwner | undefined, machine = hostname()): OwnerVerdict {
  if (!owner) return { kind: 'unknown', reason: 'it names no owner' }
  if (owner.machine !== machine) return { kind: 'unknown', reason: `it belongs to ${owner.machine}` }
  if (owner.kept) return { kind: 'live' }
  // This process's own worktrees are live too (ownerAlive says so for its pid).
  if (ownerAlive(owner)) return { kind: 'live' }
  return { kind: 'dead', reason: `the process that made it (pid ${owner.pid} on ${owner.machine}, this machine) is gone` }
}
