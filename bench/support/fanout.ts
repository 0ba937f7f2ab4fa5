import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { demoOpencodeConfig, demoServerEnv } from '../../core/demo/opencodeConfig'
import type { ScriptedModel } from '../../core/demo/scriptedModel'
import { resolveOpencodeBinary } from '../../core/launchers/opencodeBinary'

// Shared by the cold and warm fan-out benches: 8 prompts whose answers stream for ~2 s each,
// the `flotilla run` CLI and bare `opencode run` processes, each timed from spawn to exit.
const BIN = fileURLToPath(new URL('../../bin/flotilla.js', import.meta.url))
export const PROMPTS = 8
export const LANES = 4
const WORDS = 40
const RATE = 20
/** How long one answer streams (WORDS at RATE words/s): the unit of the ideal time. */
export const ANSWER_MS = (WORDS / RATE) * 1000

export function fanoutPrompts(tag: string): string[] {
  return Array.from({ length: PROMPTS }, (_, i) => {
    const words = Array.from({ length: WORDS }, (_, w) => (w === 0 ? `${tag}-${i + 1}` : `word${w}`))
    return `@rate ${RATE}\n@reply ${words.join(' ')}`
  })
}

/** Spawns a process, resolves with its wall time; rejects (with its last output) unless it exits 0. */
export function timedProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; expect?: string; input?: string }): Promise<number> {
  const started = performance.now()
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  if (options.input !== undefined) child.stdin!.end(options.input)
  let output = ''
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  // A bench that dies half way must not leave its children behind.
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      process.off('exit', kill)
      const elapsed = performance.now() - started
      if (code !== 0) reject(new Error(`${command} ${args[0]} exited ${signal ?? code}: ${output.slice(-2_000)}`))
      else if (options.expect && !output.includes(options.expect)) reject(new Error(`${command} ${args[0]}: expected "${options.expect}" in its output, got ${output.slice(-2_000)}`))
      else resolve(elapsed)
    })
  })
}

export function flotillaRun(args: string[], cwd: string): Promise<number> {
  return timedProcess(process.execPath, [BIN, 'run', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } })
}

/** Environment for bare `opencode` processes: the scripted model as in --demo, state in stateDir. */
export function bareOpencodeEnv(model: ScriptedModel, stateDir: string): NodeJS.ProcessEnv {
  mkdirSync(stateDir, { recursive: true })
  const configPath = join(stateDir, 'opencode.json')
  writeFileSync(configPath, JSON.stringify(demoOpencodeConfig(model.baseURL)))
  const env = demoServerEnv(configPath, stateDir)
  for (const key of ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'HOME'] as const) mkdirSync(env[key]!, { recursive: true })
  return { ...process.env, ...env }
}

/** `opencode run PROMPT` (its own in-process server), or with `--attach URL` to a running one. */
export function opencodeRun(prompt: string, cwd: string, env: NodeJS.ProcessEnv, attach?: { url: string; password: string }): Promise<number> {
  const args = ['run', ...(attach ? ['--attach', attach.url, '--password', attach.password, '--dir', cwd] : [])]
  // On standard input: `opencode run` wraps a message argument that has a space in quotes, and
  // a quoted first line is no @rate directive any more (the answer would come at once).
  // The answer's first word is its tag: a run that printed it really got the streamed answer. With
  // --attach, 1.18.33 often prints none of the text and sometimes exits before the turn ends (the
  // server's session has the whole answer, measured): the warm bench waits for the server's idle.
  const expect = attach ? undefined : /@reply (\S+)/.exec(prompt)![1]
  return timedProcess(resolveOpencodeBinary(), args, { cwd, env, input: prompt, expect })
}

/** Runs `lanes` lanes at once, each doing its prompts one after another; resolves with the wall time. */
export async function lanes(prompts: readonly string[], count: number, run: (prompt: string, lane: number) => Promise<number>): Promise<number> {
  const started = performance.now()
  await Promise.all(
    Array.from({ length: count }, async (_, lane) => {
      for (let i = lane; i < prompts.length; i += count) await run(prompts[i]!, lane)
    }),
  )
  return performance.now() - started
}
