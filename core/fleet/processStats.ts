import { readFile } from 'node:fs/promises'

/** Linux reports /proc CPU times in USER_HZ ticks, fixed at 100 per second for user space. */
const TICKS_PER_SECOND = 100

export interface ProcessSample {
  /** User + system CPU time so far, ms. */
  cpuMs: number
  rssBytes: number
  at: number
}

/** One reading of a local process's CPU time and memory, or undefined (gone, or not Linux). */
export async function sampleProcess(pid: number, now = Date.now()): Promise<ProcessSample | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'latin1'), readFile(`/proc/${pid}/status`, 'latin1')])
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    if (!Number.isFinite(ticks) || !rss) return undefined
    return { cpuMs: (ticks * 1000) / TICKS_PER_SECOND, rssBytes: Number(rss[1]) * 1024, at: now }
  } catch {
    return undefined
  }
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(previous: ProcessSample, current: ProcessSample): number {
  const wall = current.at - previous.at
  if (wall <= 0) return 0
  return Math.max(0, ((current.cpuMs - previous.cpuMs) / wall) * 100)
}
