import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startScriptedModel } from '../core/demo/scriptedModel'
import { bareOpencodeEnv, fanoutPrompts, flotillaRun, LANES, lanes, opencodeRun, PROMPTS } from './support/fanout'
import { interleaved, median } from './stats'

// Cold fan-out: `flotilla run --demo --local 4` on 8 prompts (~2 s streamed answer each), from
// process start to exit (CLI start, 4 fresh servers, the tasks, the stop), vs 4 bare
// `opencode run` processes at a time, 2 prompts each, every one booting its own server against
// the same kind of scripted model with its own state folders. Interleaved. Goal: ratio ≤ 0.5.
const ROUNDS = 3

export async function fanoutColdBench(): Promise<string[]> {
  const project = mkdtempSync(join(tmpdir(), 'flotilla-bench-cold-'))
  const model = await startScriptedModel()
  let round = 0
  try {
    const flotilla = () => flotillaRun(['--demo', '--local', String(LANES), '--dir', project, ...fanoutPrompts(`f${++round}`)], project)
    const bare = () => {
      const states = mkdtempSync(join(tmpdir(), 'flotilla-bench-cold-bare-'))
      const envs = Array.from({ length: LANES }, (_, lane) => bareOpencodeEnv(model, join(states, `lane-${lane}`)))
      return lanes(fanoutPrompts(`b${++round}`), LANES, (prompt, lane) => opencodeRun(prompt, project, envs[lane]!)).finally(() =>
        rmSync(states, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
      )
    }
    // Warm the binaries and tsx's cache into memory so neither side pays for the first read.
    const warmState = mkdtempSync(join(tmpdir(), 'flotilla-bench-cold-warm-'))
    await opencodeRun(fanoutPrompts('w')[0]!.replace('@rate 20\n', ''), project, bareOpencodeEnv(model, warmState)).finally(() => rmSync(warmState, { recursive: true, force: true }))
    const runs = await interleaved(ROUNDS, flotilla, bare)
    const ratio = median(runs.a) / median(runs.b)
    return [
      `cold: ${PROMPTS} prompts of ~2 s streamed answer, ${LANES} at a time, process start → exit, median of ${ROUNDS} interleaved runs`,
      `  flotilla run --local ${LANES} ${(median(runs.a) / 1000).toFixed(2)} s, ${LANES}× opencode run ×2 ${(median(runs.b) / 1000).toFixed(2)} s (runs: ${runs.a.map((v) => (v / 1000).toFixed(1)).join('/')} vs ${runs.b.map((v) => (v / 1000).toFixed(1)).join('/')})`,
      `  ratio ${ratio.toFixed(3)} (goal ≤ 0.5) ${ratio <= 0.5 ? 'OK' : 'MISSED'}`,
    ]
  } finally {
    await model.close()
    rmSync(project, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}
