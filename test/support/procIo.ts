import { readFileSync } from 'node:fs'
import { MARKER, markedProcesses } from './leftovers'

/** Bytes a process has written so far (/proc/PID/io): stops growing while the process is blocked on a full pty. */
export function bytesWritten(pid: number): number {
  const match = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'))
  if (!match) throw new Error(`expected a wchar line in /proc/${pid}/io`)
  return Number(match[1])
}

/** Pids of processes this test file started whose command line is exactly `cmd`. */
export function ownProcesses(cmd: string): number[] {
  const mark = process.env[MARKER]
  if (!mark) throw new Error(`expected ${MARKER} in the environment (test/support/noLeftovers.ts sets it)`)
  return markedProcesses(mark)
    .filter((p) => p.cmd === cmd)
    .map((p) => p.pid)
}

/** Kills by pid what a test started, also when it failed half-way. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/**
 * Resolves with the write counters of `pids` once none has written anything for `samples`
 * samples in a row (all blocked); `check` runs every sample and may throw to give up early.
 */
export async function untilBlocked(pids: number[], options: { samples?: number; timeoutMs?: number; check?: () => void } = {}): Promise<number[]> {
  const { samples = 5, timeoutMs = 20_000, check } = options
  const deadline = Date.now() + timeoutMs
  let last = pids.map(bytesWritten)
  let still = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, 100))
    check?.()
    const now = pids.map(bytesWritten)
    still = now.every((n, i) => n === last[i]) ? still + 1 : 0
    last = now
    if (still >= samples) return now
    if (Date.now() > deadline) throw new Error(`expected processes ${pids.join(', ')} to block, but they kept writing (${now.join(', ')} bytes)`)
  }
}
