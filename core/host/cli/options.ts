import { join, resolve } from 'node:path'

/** A command-line mistake: the message is one line saying what was expected and what was given. */
export class UsageError extends Error {}

/** A whole-number option within [min, max]; undefined when absent. */
export function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name}: expected a whole number, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new UsageError(`--${name}: expected ${min}-${max}, got ${n}`)
  return n
}

/**
 * A folder given on the command line, as a path here: a leading `~` (as in `--dir '~/project'`,
 * quoted so the shell left it, or from a script) is this user's home, as the shell would have
 * made it; anything else is taken relative to `cwd`. (`~user` is left to the shell.)
 */
export function localFolder(cwd: string, given: string, home: string): string {
  const expanded = given === '~' ? home : given.startsWith('~/') ? join(home, given.slice(2)) : given
  return resolve(cwd, expanded)
}
