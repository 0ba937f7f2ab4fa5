import { describe, expect, it } from 'vitest'
import { cpuPercent, sampleProcess } from '../../core/fleet/processStats'

describe('process stats', () => {
  it('reads this process: CPU time grows with work, memory is its resident size', async () => {
    const first = await sampleProcess(process.pid)
    expect(first).toBeDefined()
    const burnUntil = Date.now() + 300
    let x = 0
    while (Date.now() < burnUntil) x += Math.sqrt(x + 1)
    const second = await sampleProcess(process.pid)
    expect(second!.cpuMs).toBeGreaterThan(first!.cpuMs)
    // Resident memory as the kernel reports it, within a factor of two of Node's own figure.
    const rss = process.memoryUsage().rss
    expect(second!.rssBytes).toBeGreaterThan(rss / 2)
    expect(second!.rssBytes).toBeLessThan(rss * 2)
    expect(cpuPercent(first!, second!)).toBeGreaterThan(10)
    expect(x).toBeGreaterThan(0)
  })

  it('says nothing for a process that does not exist', async () => {
    expect(await sampleProcess(2 ** 22 + 12345)).toBeUndefined()
  })

  it('computes percent of one core from two samples', () => {
    expect(cpuPercent({ cpuMs: 1_000, rssBytes: 0, at: 0 }, { cpuMs: 1_500, rssBytes: 0, at: 1_000 })).toBe(50)
    expect(cpuPercent({ cpuMs: 1_000, rssBytes: 0, at: 5 }, { cpuMs: 1_000, rssBytes: 0, at: 5 })).toBe(0)
  })
})
