import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunArgs } from '../../core/host/cli/runArgs'
import { runCli } from '../support/cli'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-batch-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('flotilla run --prompts FILE with --- separators', () => {
  it('parses blocks between --- lines as multi-line prompts, and one per line without any', () => {
    const file = join(dir, 'blocks.txt')
    writeFileSync(file, '@rate 50\n@reply first block\n---\n@reply second\n\\---\nstill second\n')
    expect(parseRunArgs(['--demo', '--prompts', file], dir, () => '').prompts).toEqual(['@rate 50\n@reply first block', '@reply second\n---\nstill second'])
    expect(parseRunArgs(['--demo', '--prompts', '-'], dir, () => 'one\n\ntwo\n').prompts).toEqual(['one', 'two'])
  })

  it('the real CLI counts blocks, not lines: a too-long second block is "prompt 2" (exit 2, nothing started)', async () => {
    const file = join(dir, 'long.txt')
    writeFileSync(file, `@rate 50\n@reply short\n---\n${'x'.repeat(100_001)}\n`)
    const run = runCli(['run', '--demo', '--local', '1', '--prompts', file], { cwd: dir })
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toMatch(/^flotilla run: prompt 2: expected at most 100000 characters, got 100001$/m)
  }, 60_000)

  it('runs each block as one task through the real CLI: a directive line and its @reply stay one prompt', async () => {
    const file = join(dir, 'run.txt')
    writeFileSync(file, '@rate 200\n@reply alpha block\n---\n@rate 200\n@reply bravo block\n')
    const run = runCli(['run', '--demo', '--local', '1', '--json', '--prompts', file], { cwd: dir })
    expect(await run.exited).toBe(0)
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1)!) as { tasks: Array<{ prompt: string; status: string; output: string }> }
    expect(summary.tasks.map((t) => [t.prompt, t.status, t.output])).toEqual([
      ['@rate 200\n@reply alpha block', 'completed', 'alpha block'],
      ['@rate 200\n@reply bravo block', 'completed', 'bravo block'],
    ])
  }, 120_000)
})
