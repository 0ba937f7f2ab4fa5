import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'

/** Who made a temp folder: a pid, and that process's start time (a pid alone can be reused). */
const Owner = z.object({ pid: z.number().int().positive(), startedAt: z.string().optional() })
const OWNER_FILE = 'flotilla-owner.json'

/**
 * A fresh temp folder `<tmp>/<prefix>XXXXXX` (0700) that records its owning process, so a later
 * start can tell a crashed run's folder from a live one (see removeStaleTempDirs).
 */
export function makeOwnedTempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix))
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, startedAt: processStartTime(process.pid) }), { mode: 0o600 })
  return dir
}

/**
 * Removes the `<prefix>*` folders whose owning process is gone (a crash or kill -9 skipped
 * their cleanup). A folder whose owner is alive, or that names no owner (an older version's,
 * which may be live), is left alone. Returns the folders removed.
 */
export function removeStaleTempDirs(prefix: string, parent = tmpdir()): string[] {
  const removed: string[] = []
  let entries: string[]
  try {
    entries = readdirSync(parent).filter((name) => name.startsWith(prefix))
  } catch {
    return removed
  }
  for (const name of entries) {
    const dir = join(parent, name)
    const owner = readOwner(dir)
    if (!owner || ownerAlive(owner)) continue
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 })
      removed.push(dir)
    } catch {
      // Another user's, or going away under us: not ours to insist on.
    }
  }
  return removed
}

function readOwner(dir: string): z.infer<typeof Owner> | undefined {
  try {
    const parsed = Owner.safeParse(JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined // no owner file (or not a folder, or not readable by us)
  }
}

/** Whether the process that wrote an owner record (pid + start time) still runs. */
export function ownerAlive(owner: { pid: number; startedAt?: string }): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    // EPERM: the process exists and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  const started = processStartTime(owner.pid)
  // The pid was reused by a process that started later: the owner is gone.
  return owner.startedAt === undefined || started === undefined || started === owner.startedAt
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined off Linux. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // Fields after the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}
