import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLOTILLA_BIN, runCli } from '../support/cli'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-input-'))
  chmodSync(dir, 0o755) // others may look inside; the prompts file itself is what they cannot read
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `flotilla` as a user who cannot read root's 0600 files (as root, through setpriv: root reads everything). */
function runAsOtherUser(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const asRoot = process.getuid?.() === 0
  const [command, prefix] = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]] : [process.execPath, []]
  const child = spawn(command, [...prefix, FLOTILLA_BIN, ...args], { cwd: '/', env: { ...process.env, NO_COLOR: '1', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

describe('flotilla run checks all its input before starting anything', () => {
  it('an unreadable --prompts file is a one-line error and exit 2, not a stack trace', async () => {
    const file = join(dir, 'secret-prompts.txt')
    writeFileSync(file, '@reply hidden\n', { mode: 0o600 })
    chmodSync(file, process.getuid?.() === 0 ? 0o600 : 0o000)
    const run = await runAsOtherUser(['run', '--demo', '--local', '1', '--prompts', file])
    expect(run.code).toBe(2)
    expect(run.stderr.split('\n')[0]).toBe(`flotilla run: --prompts: expected a readable file, got "${file}" (permission denied)`)
    expect(run.stderr).not.toMatch(/^\s+at /m)
    expect(run.stdout).toBe('')
  }, 60_000)

  it.each([
    ['as an argument', (long: string) => ['@reply short', long]],
    ['in a --prompts file', (long: string) => {
      const file = join(dir, 'long-prompts.txt')
      writeFileSync(file, `@reply short\n${long}\n`)
      return ['--prompts', file]
    }],
  ])('a prompt over 100000 characters (%s) is refused before any server starts (exit 2)', async (_how, where) => {
    const run = runCli(['run', '--demo', '--local', '1', ...where('x'.repeat(100_001))], { cwd: dir })
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toMatch(/^flotilla run: prompt 2: expected at most 100000 characters, got 100001$/m)
    expect(run.stderr()).not.toMatch(/starting/)
    expect(run.stdout()).toBe('')
  }, 60_000)
})
