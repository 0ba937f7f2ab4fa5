/** CI=true: tests that need something this machine lacks must fail there, never skip. */
export const underCi = (): boolean => process.env.CI === 'true'

/**
 * The guard for tests that need a tool or a privilege (sshd, tmux, an unprivileged user): with a
 * `problem` (what is missing and how to get it), CI fails the file at once, saying which tests
 * it would have skipped; elsewhere the caller skips them, and this says why.
 */
export function requireUnderCi(what: string, problem: string | false | undefined): void {
  if (!problem) return
  if (underCi()) throw new Error(`${problem} (CI must not skip ${what})`)
  console.warn(`skipping ${what}: ${problem} (under CI=true this fails)`)
}
