import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ServerSpec } from '../../core/contract/servers'
import { Fleet } from '../../core/fleet/fleet'
import { decideRestart, type RestartPolicyOptions } from '../../core/fleet/restartPolicy'
import type { Launcher, RunningServer, ServerExit } from '../../core/launchers/types'
import { FakeOpencode } from '../support/fakeOpencode'
import { waitFor } from '../support/waitFor'

const POLICY: RestartPolicyOptions = { backoff: { baseMs: 1_000, capMs: 30_000 }, maxFailures: 5, windowMs: 60_000, stableMs: 10_000 }

describe('decideRestart (pure)', () => {
  it('backs off exponentially with full jitter, capped', () => {
    // random() = 0.999…: the delay sits just under the ceiling min(cap, base·2^n).
    const top = () => 0.999999
    let failures: number[] = []
    let consecutive = 0
    const ceilings: number[] = []
    for (let i = 0; i < 4; i++) {
      const next = decideRestart(failures, 1_000 * i, consecutive, undefined, { ...POLICY, maxFailures: 100 }, top)
      failures = next.failures
      consecutive = next.consecutive
      if (next.decision.kind !== 'restart') throw new Error('expected a restart')
      ceilings.push(Math.ceil(next.decision.delayMs / 1000) * 1000)
    }
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000])
    const capped = decideRestart([], 0, 10, undefined, POLICY, top)
    expect(capped.decision).toMatchObject({ kind: 'restart', delayMs: 29_999 })
    // Full jitter: random() = 0 means retry at once.
    expect(decideRestart([], 0, 3, undefined, POLICY, () => 0).decision).toMatchObject({ kind: 'restart', delayMs: 0 })
  })

  it('starts the backoff afresh after a stable run', () => {
    const afterStable = decideRestart([1], 100_000, 6, 100_000 - POLICY.stableMs, POLICY, () => 0.999999)
    expect(afterStable.decision).toMatchObject({ kind: 'restart', attempt: 1 })
    expect((afterStable.decision as { delayMs: number }).delayMs).toBeLessThan(1_000)
    const unstable = decideRestart([1], 100_000, 6, 100_000 - POLICY.stableMs + 1, POLICY, () => 0.999999)
    expect(unstable.decision).toMatchObject({ kind: 'restart', attempt: 7 })
  })

  it('gives up after maxFailures within the window; older failures do not count', () => {
    const now = 1_000_000
    expect(decideRestart([now - 4, now - 3, now - 2, now - 1], now, 4, undefined, POLICY).decision).toEqual({ kind: 'give-up', failures: 5 })
    const old = now - POLICY.windowMs - 1
    expect(decideRestart([old, old, now - 2, now - 1], now, 4, undefined, POLICY).decision.kind).toBe('restart')
  })
})

/** A launcher whose "process" is a FakeOpencode; crash() ends it like an exit would. */
class FakeLauncher implements Launcher {
  readonly owns = true
  starts = 0
  failStarts = false
  current: { fake: FakeOpencode; exit: (e: ServerExit) => void } | undefined
  readonly fakes: FakeOpencode[] = []

  async start(): Promise<RunningServer> {
    this.starts++
    if (this.failStarts) throw new Error('binary not found')
    const fake = await FakeOpencode.start()
    this.fakes.push(fake)
    let exit: (e: ServerExit) => void = () => {}
    const exited = new Promise<ServerExit>((resolve) => (exit = resolve))
    this.current = { fake, exit }
    return { baseUrl: fake.baseUrl, exited, stop: async () => fake.close() }
  }

  crash(): void {
    this.current!.exit({ code: null, signal: 'SIGKILL' })
  }
}

const SPEC: ServerSpec = { kind: 'local', id: 'fake', name: 'fake', capacity: 1, directory: '/tmp', demo: false }
let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const c of cleanup) await c()
  cleanup = []
})

function fleetWith(launcher: FakeLauncher, restart: Partial<RestartPolicyOptions> = {}) {
  const notices: string[] = []
  const fleet = new Fleet({
    launchers: { local: launcher },
    context: () => ({}),
    supervisor: { healthIntervalMs: 100, healthTimeoutMs: 200, unhealthyAfter: 2, readyTimeoutMs: 2_000, restart: { ...POLICY, backoff: { baseMs: 20, capMs: 100 }, ...restart } },
  })
  fleet.on('notice', (_level, message) => notices.push(message))
  cleanup.push(async () => {
    await fleet.stopAll()
    await Promise.all(launcher.fakes.map((f) => f.close()))
  })
  return { fleet, notices }
}

describe('supervisor', () => {
  it('restarts a crashed server with backoff, counts the restart and records the error', async () => {
    const launcher = new FakeLauncher()
    const { fleet, notices } = fleetWith(launcher)
    const server = fleet.add(SPEC)
    const lost: string[] = []
    fleet.on('lost', (id) => lost.push(id))
    await server.start()
    expect(server.state).toBe('ready')
    launcher.crash()
    await waitFor('the restart', () => launcher.starts === 2 && server.state === 'ready')
    expect(server.restarts).toBe(1)
    expect(server.lastError).toMatch(/exited \(SIGKILL\)/)
    expect(lost).toEqual(['fake'])
    expect(notices.some((n) => /restarting in/.test(n))).toBe(true)
  })

  it('restarts a wedged server (health probe times out)', async () => {
    const launcher = new FakeLauncher()
    const { fleet } = fleetWith(launcher)
    const server = fleet.add(SPEC)
    await server.start()
    launcher.current!.fake.hang()
    await waitFor('the wedge to be noticed and the server replaced', () => launcher.starts === 2 && server.state === 'ready')
    expect(server.lastError).toMatch(/health probe failed 2×/)
  })

  it('gives up after N failures in the window, says so, and stays failed', async () => {
    // Failed starts need no server: the backoff between them runs on a fake clock.
    vi.useFakeTimers()
    const launcher = new FakeLauncher()
    launcher.failStarts = true
    const { fleet, notices } = fleetWith(launcher, { maxFailures: 3 })
    const server = fleet.add(SPEC)
    await server.start()
    // Every backoff delay elapses; a supervisor that kept retrying would run into vitest's timer limit.
    await vi.runAllTimersAsync()
    expect(server.state).toBe('failed')
    expect(launcher.starts).toBe(3)
    expect(server.lastError).toMatch(/start failed: binary not found; gave up after 3 failures/)
    expect(notices.at(-1)).toMatch(/fake failed: .*gave up/)
    await vi.advanceTimersByTimeAsync(POLICY.windowMs) // far past the longest backoff (capMs 100)
    expect(launcher.starts).toBe(3) // no more tries once failed
    // A user's explicit start tries again from scratch, against a real (fake) server: real time.
    vi.useRealTimers()
    launcher.failStarts = false
    await server.start()
    expect(server.state).toBe('ready')
  })
})
