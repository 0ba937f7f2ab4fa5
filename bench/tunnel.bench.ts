import { EventSource } from 'eventsource'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SshLauncher } from '../core/launchers/ssh'
import type { RunningServer } from '../core/launchers/types'
import { knownHostsLine, startSshd, type Sshd } from '../test/support/sshd'
import { percentile } from './stats'

// Added latency of the SSH tunnel (local port → ssh2 channel → sshd → remote loopback) vs the
// same opencode server reached directly on loopback, in one run. A real sshd on 127.0.0.1 stands
// in for the remote machine, so both paths end at the SAME opencode process: direct is its
// loopback port P (from the remote state file), tunnel is the launcher's baseUrl.
// Goal: p50 added ≤ 1 ms, for an API call and for SSE event delivery.
const CALLS = 600
const WARMUP = 20
const EVENTS = 300
const GAP_MS = 20
const GOAL_MS = 1

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One `GET /global/health`, body read to the end (a client waits for that too). */
async function timedCall(baseUrl: string, headers: Record<string, string>): Promise<number> {
  const start = performance.now()
  const response = await fetch(`${baseUrl}/global/health`, { headers })
  await response.text()
  if (!response.ok) throw new Error(`GET ${baseUrl}/global/health: expected 200, got ${response.status}`)
  return performance.now() - start
}

/** An SSE client that reports each toast's arrival time to `seen`. */
function openStream(baseUrl: string, headers: Record<string, string>, seen: (message: string, at: number) => void): Promise<EventSource> {
  const source = new EventSource(`${baseUrl}/event`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  })
  source.onmessage = (m) => {
    const at = performance.now()
    const event = JSON.parse(String(m.data)) as { type: string; properties: { message?: string } }
    if (event.type === 'tui.toast.show' && event.properties.message) seen(event.properties.message, at)
  }
  return new Promise((resolve, reject) => {
    source.onopen = () => resolve(source)
    source.onerror = (e) => reject(new Error(`GET ${baseUrl}/event: ${e.message ?? 'stream error'}`))
  })
}

/**
 * Fires `count` toasts (through the direct path: the trigger is not what is measured) and
 * returns request → arrival per path. The server writes to its subscribers in connection order,
 * so the caller runs two halves with the order swapped.
 */
async function sseHalf(direct: string, tunnel: string, headers: Record<string, string>, tunnelFirst: boolean, prefix: string, count: number) {
  const arrivals = { direct: new Map<string, number>(), tunnel: new Map<string, number>() }
  // Resolved once the awaited message has arrived on both streams (no busy polling: the ssh2
  // client runs on this same event loop, and spinning would steal its time).
  let want = ''
  let both: (() => void) | undefined
  const seen = (side: 'direct' | 'tunnel') => (message: string, at: number) => {
    arrivals[side].set(message, at)
    if (message === want && arrivals.direct.has(want) && arrivals.tunnel.has(want)) both?.()
  }
  const order = tunnelFirst ? (['tunnel', 'direct'] as const) : (['direct', 'tunnel'] as const)
  const sources: EventSource[] = []
  try {
    for (const side of order) sources.push(await openStream(side === 'direct' ? direct : tunnel, headers, seen(side)))
    await sleep(300) // let the server finish subscribing both streams
    const out = { direct: [] as number[], tunnel: [] as number[], missing: 0 }
    for (let i = 0; i < count; i++) {
      want = `${prefix}-${i}`
      const arrived = new Promise<boolean>((resolve) => {
        both = () => resolve(true)
        setTimeout(() => resolve(false), 2_000)
      })
      const sent = performance.now()
      const response = await fetch(`${direct}/tui/show-toast`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ message: want, variant: 'info' }),
      })
      await response.text()
      if (await arrived) {
        out.direct.push(arrivals.direct.get(want)! - sent)
        out.tunnel.push(arrivals.tunnel.get(want)! - sent)
      } else out.missing++
      await sleep(GAP_MS)
    }
    return out
  } finally {
    for (const s of sources) s.close()
  }
}

function report(label: string, d: number[], t: number[]): string {
  const p = (v: number[], q: number) => percentile(v, q).toFixed(3)
  const added50 = percentile(t, 50) - percentile(d, 50)
  const added99 = percentile(t, 99) - percentile(d, 99)
  // d[i] and t[i] are one pair (same iteration, or the same event), so the median of the
  // differences is less swayed by load that comes and goes than the difference of the medians.
  // The goal is judged on that paired median: the unpaired difference is also printed.
  const paired = t.map((x, i) => x - d[i]!)
  const pairedP50 = percentile(paired, 50)
  return `  ${label}  direct p50 ${p(d, 50)} ms p99 ${p(d, 99)} ms; tunnel p50 ${p(t, 50)} ms p99 ${p(t, 99)} ms; added: per pair p50 ${pairedP50.toFixed(3)} ms (goal ≤ ${GOAL_MS} ms) ${pairedP50 <= GOAL_MS ? 'OK' : 'OVER'}; p50 of tunnel - p50 of direct ${added50.toFixed(3)} ms, p99s ${added99.toFixed(3)} ms`
}

export async function tunnelBench(): Promise<string[]> {
  const home = mkdtempSync(join(tmpdir(), 'flotilla-bench-tunnel-'))
  let sshd: Sshd | undefined
  let running: RunningServer | undefined
  try {
    sshd = await startSshd()
    const knownHostsPath = join(home, 'known_hosts')
    writeFileSync(knownHostsPath, `${knownHostsLine(sshd)}\n`)
    const launcher = new SshLauncher({ knownHostsPath, config: { home, configPath: join(home, 'no-ssh-config') }, agent: '' })
    running = await launcher.start(
      { kind: 'ssh', id: 'bench', name: 'bench', capacity: 1, host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.userKey, remoteDirectory: sshd.home, demo: false },
      {},
    )
    // The "remote" host is this machine, so its state file gives the server's own loopback port.
    const { port } = JSON.parse(readFileSync(join(sshd.home, '.flotilla/servers/bench.json'), 'utf8')) as { port: number }
    const direct = `http://127.0.0.1:${port}`
    const tunnel = running.baseUrl
    const { username, password } = running.auth!
    const headers = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }

    // API: warm up both keep-alive connections, then alternate which path goes first.
    for (let i = 0; i < WARMUP; i++) await Promise.all([timedCall(direct, headers), timedCall(tunnel, headers)])
    const api = { direct: [] as number[], tunnel: [] as number[] }
    for (let i = 0; i < CALLS; i++) {
      for (const side of i % 2 ? (['tunnel', 'direct'] as const) : (['direct', 'tunnel'] as const)) {
        api[side].push(await timedCall(side === 'direct' ? direct : tunnel, headers))
      }
    }

    // SSE: both streams get the same events; half with each connection order.
    const a = await sseHalf(direct, tunnel, headers, false, 'a', EVENTS / 2)
    const b = await sseHalf(direct, tunnel, headers, true, 'b', EVENTS / 2)
    const sse = { direct: [...a.direct, ...b.direct], tunnel: [...a.tunnel, ...b.tunnel] }

    return [
      `tunnel: ${CALLS} health calls and ${sse.direct.length}/${EVENTS} events (${GAP_MS} ms apart) through the SSH tunnel vs direct loopback, same opencode server`,
      report('API', api.direct, api.tunnel),
      report('SSE', sse.direct, sse.tunnel),
    ]
  } finally {
    await running?.stop()
    await sshd?.stop()
    rmSync(home, { recursive: true, force: true })
  }
}
