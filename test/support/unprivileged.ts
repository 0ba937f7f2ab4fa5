import { execFileSync } from 'node:child_process'

/** Runs a command as nobody: the shell tools of a server run as a user, and only root reads every /proc. */
export const AS_NOBODY = ['setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups']
export const NOBODY_UID = 65534

/** Why privileges cannot be dropped here, or undefined when they can (needs root and setpriv). */
export function cannotDropPrivileges(): string | undefined {
  if (process.getuid?.() !== 0) return 'the tests do not run as root, so they cannot run a server as another user'
  try {
    const uid = execFileSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), 'id', '-u'], { encoding: 'utf8' }).trim()
    return uid === String(NOBODY_UID) ? undefined : `setpriv ran as uid ${uid}, not nobody`
  } catch (error) {
    return `setpriv failed: ${(error as Error).message} (apt-get install util-linux)`
  }
}
