import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DemoRuntime } from '../core/demo/demoRuntime'
import { LocalLauncher } from '../core/launchers/local'
import { OpencodeClient } from '../core/opencode/client'
import type { RunningServer } from '../core/launchers/types'
import { ANSWER_MS, bareOpencodeEnv, fanoutPrompts, flotillaRun, LANES, lanes, opencodeRun, PROMPTS } from './support/fanout'
import { interleaved, median } from './stats'

// Warm fan-out: 4 opencode servers already running (and each past its first prompt), the same 8
// prompts (~2 s streamed answer each): `flotilla run --server URL ×4`, process start → exit, vs
// `opencode run --attach URL` per prompt, one lane per server, 4 at a time. Interleaved.
// Goals: ratio ≤ 0.75; parallel efficiency (ceil(8/4) × answer time / flotilla's time) ≥ 0.9.
const ROUNDS = 5

export async function fanoutWarmBench(): Promise<string[]> {
  const project = mkdtempSync(join(tmpdir(), 'flotilla-bench-warm-'))
  const states = mkdtempSync(join(tmpdir(), 'flotilla-bench-warm-clients-'))
  const demo = await DemoRuntime.start()
  const servers: RunningServer[] = []
  try {
    const launcher = new LocalLauncher()
    const started = await Promise.allSettled(
      Array.from({ length: LANES }, (_, i) =>
        launcher.start({ kind: 'local', id: `warm-${i}`, name: `warm-${i}`, capacity: 1, directory: project, demo: true }, { env: demo.envFor(`warm-${i}`) }),
      ),
    )
    // Every server that did start is stopped below, also when another one failed to.
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value)
    for (const s of started) if (s.status === 'rejected') throw s.reason
    const attach = servers.map((s) => ({ url: s.baseUrl, password: s.auth!.password }))
    const urls = attach.map(({ url, password }) => url.replace('://', `://opencode:${encodeURIComponent(password)}@`))
    const envs = Array.from({ length: LANES }, (_, lane) => bareOpencodeEnv(demo.model, join(states, `lane-${lane}`)))
    let round = 0
    const flotilla = () => flotillaRun([...urls.flatMap((u) => ['--server', u]), '--dir', project, ...fanoutPrompts(`f${++round}`)], project)
    const clients = servers.map((s) => new OpencodeClient({ baseUrl: s.baseUrl, auth: s.auth }))
    // Each lane's next prompt goes out once its server is idle again (see opencodeRun).
    const bare = () => lanes(fanoutPrompts(`b${++round}`), LANES, async (prompt, lane) => (await opencodeRun(prompt, project, envs[lane]!, attach[lane])) + (await untilIdle(clients[lane]!, project)))
    // Past each server's first prompt (its lazy loading), then each client's first start.
    await Promise.all(servers.map((s) => firstPrompt(s, project)))
    await lanes(fanoutPrompts('w').slice(0, LANES), LANES, (prompt, lane) => opencodeRun(prompt, project, envs[lane]!, attach[lane]))
    await flotilla()
    const runs = await interleaved(ROUNDS, flotilla, bare)
    const ideal = Math.ceil(PROMPTS / LANES) * ANSWER_MS
    if (Math.min(...runs.b) < ideal) throw new Error(`a bare run took ${Math.min(...runs.b).toFixed(0)} ms, less than the answers take to stream`)
    const ratio = median(runs.a) / median(runs.b)
    const efficiency = ideal / median(runs.a)
    // opencode's own floor: the same 8 turns, 4 at a time, by bare API calls (create, prompt_async, idle).
    const floors: number[] = []
    for (let i = 0; i < 3; i++) {
      floors.push(
        await lanes(fanoutPrompts(`s${i}`), LANES, async (prompt, lane) => {
          const session = await clients[lane]!.createSession(project)
          await clients[lane]!.promptAsync(session.id, { text: prompt, directory: project })
          return untilIdle(clients[lane]!, project)
        }),
      )
    }
    const floor = median(floors)
    return [
      `warm: ${PROMPTS} prompts of ~2 s streamed answer on ${LANES} running servers, process start → exit, median of ${ROUNDS} interleaved runs`,
      `  flotilla run --server ×${LANES} ${(median(runs.a) / 1000).toFixed(2)} s, opencode run --attach ${LANES} at a time ${(median(runs.b) / 1000).toFixed(2)} s (runs: ${runs.a.map((v) => (v / 1000).toFixed(1)).join('/')} vs ${runs.b.map((v) => (v / 1000).toFixed(1)).join('/')})`,
      `  ratio ${ratio.toFixed(3)} (goal ≤ 0.75) ${ratio <= 0.75 ? 'OK' : 'MISSED'}`,
      `  parallel efficiency ${efficiency.toFixed(3)} (ideal ${(ideal / 1000).toFixed(1)} s; goal ≥ 0.9) ${efficiency >= 0.9 ? 'OK' : 'MISSED'}`,
      `  opencode's floor: the same turns by bare API calls ${(floor / 1000).toFixed(2)} s (ideal / floor ${(ideal / floor).toFixed(3)}; flotilla / floor ${(median(runs.a) / floor).toFixed(3)})`,
    ]
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
    await demo.close()
    rmSync(states, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    rmSync(project, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}

/** One prompt straight through the API, to its end. */
async function firstPrompt(server: RunningServer, directory: string): Promise<void> {
  const client = new OpencodeClient({ baseUrl: server.baseUrl, auth: server.auth })
  const deadline = Date.now() + 60_000
  while ((await client.health().then((h) => h.healthy, () => false)) === false) {
    if (Date.now() > deadline) throw new Error(`${server.baseUrl} never became healthy`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const session = await client.createSession(directory)
  await client.promptAsync(session.id, { text: '@reply warm', directory })
  for (;;) {
    const messages = await client.messages(session.id, directory)
    if (messages.some((m) => m.info.role === 'assistant' && m.parts.some((p) => p.type === 'step-finish'))) return
    if (Date.now() > deadline) throw new Error(`${server.baseUrl}: the first prompt never finished`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Waits until no session of the server's folder is busy; resolves with the time waited. */
async function untilIdle(client: OpencodeClient, directory: string): Promise<number> {
  const started = performance.now()
  const deadline = Date.now() + 60_000
  while (Object.values(await client.sessionStatus(directory)).some((s) => s.type !== 'idle')) {
    if (Date.now() > deadline) throw new Error('the server stayed busy for 60 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}
