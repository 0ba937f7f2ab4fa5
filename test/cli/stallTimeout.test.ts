import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliRun } from '../support/cli'

// `flotilla run --stall-timeout`: the no-progress watchdog from the command line.
let project: string
const running: CliRun[] = []

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'flotilla-cli-stall-'))
})
afterEach(() => {
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
})
afterAll(() => rmSync(project, { recursive: true, force: true }))

function cli(args: string[]): CliRun {
  const run = runCli(args, { cwd: project })
  running.push(run)
  return run
}

describe('flotilla run --stall-timeout', () => {
  it('fails a task whose session goes silent, with the reason, and exits 1', async () => {
    const started = Date.now()
    const run = cli(['run', '--demo', '--stall-timeout', '4', '--json', '@delay 60000\n@reply far too late'])
    expect(await run.exited, run.stderr()).toBe(1)
    const summary = JSON.parse(run.stdout().trim().split('\n').at(-1)!) as { tasks: Array<{ status: string; error?: string }> }
    expect(summary.tasks).toMatchObject([{ status: 'failed', error: 'no progress: the session stayed busy with no event for 4 s' }])
    expect(Date.now() - started).toBeLessThan(45_000)
  }, 60_000)

  it.each([['0'], ['-1'], ['soon']])('refuses --stall-timeout %s before starting anything (exit 2)', async (value) => {
    const run = cli(['run', '--demo', '--stall-timeout', value, '@reply x'])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toMatch(/--stall-timeout/)
  })
})
