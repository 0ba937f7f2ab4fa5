import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliRun } from '../support/cli'

// What `flotilla run` prints of a model's and a tool's text, through the real CLI, a real
// opencode server and the scripted model.
let project: string
let run: CliRun | undefined

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'flotilla-cli-out-'))
})
afterAll(async () => {
  // A test that failed half-way must not leave its CLI (and so its server) running.
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL')
    await run.exited
  }
  rmSync(project, { recursive: true, force: true })
})

/** A bash tool call in the scripted model's language (see core/demo/script.ts). */
const bash = (command: string, description: string) => `@tool bash ${JSON.stringify({ command, description })}`

describe('flotilla run output', () => {
  it('prints a tool’s and the model’s text without their control sequences, and a shell’s non-zero exit as a failure with its code', async () => {
    // The tool writes the clipboard (OSC 52) and clears the screen; the reply sets the window title.
    const hostile = ['Print things.', bash(`printf '\\033]52;c;aGk=\\a\\033[2J'; echo plain-tool-text`, 'print escapes'), '@reply reply-text \x1b]0;pwned\x07 end'].join('\n')
    const failing = ['Fail.', bash('exit 3', 'exit three'), '@reply after the failure'].join('\n')
    run = runCli(['run', '--demo', '--local', '1', hostile, failing], { cwd: project })
    expect(await run.exited).toBe(0)
    const out = run.stdout()

    expect(out).not.toContain('\x1b]')
    expect(out).not.toContain('\x1b[2J')
    expect(out).not.toContain('\x07')
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/) // NO_COLOR: nothing but text at all
    expect(out).toMatch(/│ plain-tool-text$/m)
    expect(out).toMatch(/reply-text {2}end/)

    // The exit code is shown, and the line is not marked as a success.
    const exitLine = out.split('\n').find((l) => l.includes('bash exit 3'))
    expect(exitLine).toBeDefined()
    expect(exitLine).toMatch(/✗ bash exit 3 \(exit code 3\)/)
    expect(exitLine).not.toContain('✓')
    expect(out).toMatch(/✓ bash printf .* \(exit code 0\)/)
  }, 120_000)
})
