import { readdirSync, readFileSync } from 'node:fs'

/** Marker env var: every process a test file starts inherits it (servers spread process.env). */
export const MARKER = 'FLOTILLA_TEST_MARK'

/** Pids of live processes (other than this one) whose environment carries `MARKER=value`. */
export function markedProcesses(value: string): Array<{ pid: number; cmd: string }> {
  const needle = `${MARKER}=${value}\0`
  const found: Array<{ pid: number; cmd: string }> = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1')
      if (!(env + '\0').includes(needle)) continue
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
      if (/\) Z /.test(stat)) continue // a zombie is already dead; only its parent's wait is missing
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()
      found.push({ pid, cmd })
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found
}
