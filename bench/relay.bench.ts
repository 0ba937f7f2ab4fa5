import { EventSource } from 'eventsource'
import { rmSync } from 'node:fs'
import { Fleet } from '../core/fleet/fleet'
import { LocalLauncher } from '../core/launchers/local'
import { UrlLauncher } from '../core/launchers/url'
import { EventHub } from '../core/stream/hub'
import { isolatedOpencodeEnv } from './isolatedEnv'
import { percentile } from './stats'

// Added latency of Flotilla's path (SSE → validation → hub → bounded subscriber) vs a direct
// SSE client on the same server and the same events. Each event is triggered by a request
// (`POST /tui/show-toast`, which the server publishes on its bus) and timed from the request to
// its arrival on each side. The server writes to its subscribers in connection order, so the
// run has two halves: Flotilla connected first, then the direct client first. Goal: p99 added ≤ 2 ms.
const EVENTS_PER_HALF = 250

type Arrivals = Map<string, number>

function directClient(baseUrl: string, headers: Record<string, string>, arrivals: Arrivals): Promise<EventSource> {
  const source = new EventSource(`${baseUrl}/event`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  })
  source.onmessage = (m) => {
    const at = performance.now()
    const event = JSON.parse(String(m.data)) as { type: string; properties: { message?: string } }
    if (event.type === 'tui.toast.show' && event.properties.message) arrivals.set(event.properties.message, at)
  }
  return new Promise((resolve) => (source.onopen = () => resolve(source)))
}

function relayedClient(fleet: Fleet, serverId: string, arrivals: Arrivals): () => void {
  const hub = new EventHub()
  fleet.on('event', (id, event, at) => hub.publish(id, event, at))
  const subscription = hub.subscribe({ serverId }, (s) => {
    const at = performance.now()
    for (const { event } of s.drain().items) {
      const message = (event.properties as { message?: string }).message
      if (event.type === 'tui.toast.show' && message) arrivals.set(message, at)
    }
  })
  return () => subscription.close()
}

async function fire(baseUrl: string, headers: Record<string, string>, prefix: string, direct: Arrivals, relayed: Arrivals): Promise<Map<string, number>> {
  const sent = new Map<string, number>()
  for (let i = 0; i < EVENTS_PER_HALF; i++) {
    const message = `${prefix}-${i}`
    sent.set(message, performance.now())
    await fetch(`${baseUrl}/tui/show-toast`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message, variant: 'info' }),
    })
    // Wait for both sides, so one event's delivery never overlaps the next.
    const deadline = Date.now() + 2_000
    while ((!direct.has(message) || !relayed.has(message)) && Date.now() < deadline) await new Promise((r) => setImmediate(r))
  }
  return sent
}

export async function relayBench(): Promise<string[]> {
  const { env, root } = isolatedOpencodeEnv('relay')
  const direct: Arrivals = new Map()
  const relayed: Arrivals = new Map()
  const owner = new Fleet({ launchers: { local: new LocalLauncher() }, context: () => ({ env }) })
  const server = owner.add({ kind: 'local', id: 'relay', name: 'relay', capacity: 1, directory: root, demo: false })
  await server.start()
  const headers = server.client!.authHeaders()
  const baseUrl = server.instance!.baseUrl
  const password = server.instance!.auth!.password
  const settle = () => new Promise((r) => setTimeout(r, 500))

  // Half 1: Flotilla's stream is connected first.
  const closeA = relayedClient(owner, 'relay', relayed)
  const sourceA = await directClient(baseUrl, headers, direct)
  await settle()
  const sentA = await fire(baseUrl, headers, 'a', direct, relayed)
  closeA()
  sourceA.close()

  // Half 2: the direct client first, then a second Flotilla fleet attaches to the same server.
  const sourceB = await directClient(baseUrl, headers, direct)
  const attached = new Fleet({ launchers: { url: new UrlLauncher() }, context: () => ({ password }) })
  const closeB = relayedClient(attached, 'attached', relayed)
  await attached.add({ kind: 'url', id: 'attached', name: 'attached', capacity: 1, baseUrl }).start()
  await settle()
  const sentB = await fire(baseUrl, headers, 'b', direct, relayed)
  closeB()
  sourceB.close()
  await attached.stopAll()
  await owner.stopAll()
  rmSync(root, { recursive: true, force: true })

  const d: number[] = []
  const r: number[] = []
  for (const [message, at] of [...sentA, ...sentB]) {
    const a = direct.get(message)
    const b = relayed.get(message)
    if (a === undefined || b === undefined) continue
    d.push(a - at)
    r.push(b - at)
  }
  const p = (values: number[], q: number) => percentile(values, q).toFixed(3)
  const added50 = percentile(r, 50) - percentile(d, 50)
  const added99 = percentile(r, 99) - percentile(d, 99)
  return [
    `relay: ${d.length}/${2 * EVENTS_PER_HALF} events seen on both paths, request → arrival, both connection orders`,
    `  direct SSE   p50 ${p(d, 50)} ms  p99 ${p(d, 99)} ms`,
    `  via the hub  p50 ${p(r, 50)} ms  p99 ${p(r, 99)} ms  (ratio p50 ${(percentile(r, 50) / percentile(d, 50)).toFixed(3)})`,
    `  added        p50 ${added50.toFixed(3)} ms  p99 ${added99.toFixed(3)} ms (goal p99 ≤ 2 ms) ${added99 <= 2 ? 'OK' : 'OVER'}`,
  ]
}
