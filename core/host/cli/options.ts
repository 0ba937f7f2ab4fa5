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
