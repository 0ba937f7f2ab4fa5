import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn as spawnPty, type IPty } from 'node-pty'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from '../../core/host/cli/run'
import { parseRunArgs } from '../../core/host/cli/runArgs'
import { FLOTILLA_BIN, runCli, type CliRun } from '../support/cli'
import { makeRepo } from '../workspace/gitRepo'

// The live status footer of `flotilla run`, through the real CLI, real opencode servers and the
// scripted model: on a terminal (a pseudo-terminal here) it is drawn under the streamed lines
// and gone at the end; through a pipe there is no footer and no control sequence at all.
let project: string
let run: CliRun | undefined
let pty: IPty | undefined

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'flotilla-cli-footer-'))
})
afterAll(async () => {
  // A test that failed half-way must not leave its CLI (and so its servers) running.
  try {
    pty?.kill('SIGKILL')
  } catch {
    // already exited
  }
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGKILL')
    await run.exited
  }
  rmSync(project, { recursive: true, force: true })
})

// Each task takes a while, so the footer is on the screen while lines stream.
const PROMPTS = ['first', 'second', 'third'].map((name) => `@delay 1200\n@rate 30\n@reply ${name} task says hello world from the scripted model`)
const COLUMNS = 60
const ERASE = /\x1b\[(\d+)A\r\x1b\[J/g

describe('flotilla run status footer', () => {
  it('on a terminal: a footer with counts and servers under the lines, within the width, erased at the end', async () => {
    pty = spawnPty(process.execPath, [FLOTILLA_BIN, 'run', '--demo', '--local', '2', '--no-isolate', ...PROMPTS], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', TERM: 'xterm-256color' } as Record<string, string>,
      cols: COLUMNS,
      rows: 30,
    })
    let screen = ''
    pty.onData((data) => (screen += data))
    const exited = new Promise<number>((resolve) => pty!.onExit(({ exitCode }) => resolve(exitCode)))
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 110_000))]), screen).toBe(0)

    // The footer was drawn: the step while servers start, then the counts and each server's task.
    expect(screen).toMatch(/■ starting 2 servers: \d ready/)
    expect(screen).toMatch(/■ \d\/3 done · \d running · \d queued · /)
    expect(screen).toMatch(/ {2}local-[12] +▶ t\w+ /)
    // Every footer line fits the 60 columns (minus the last one), so none wraps.
    const footerLines = screen.split(/\r?\n/).flatMap((l) => l.split(ERASE)).filter((l) => /^(■ | {2}local-)/.test(l))
    expect(footerLines.length).toBeGreaterThan(2)
    for (const line of footerLines) expect([...line].length, line).toBeLessThanOrEqual(COLUMNS - 1)
    // The streamed lines and the result lines went above it, and at the end it was erased:
    // after the last footer line comes an erase, then the summary.
    expect(screen).toMatch(/\[local-\d t\w+\] .*first task says/)
    const lastFooter = screen.lastIndexOf('■ ')
    const lastErase = screen.search(/\x1b\[\d+A\r\x1b\[J(?![\s\S]*\x1b\[\d+A\r\x1b\[J)/)
    expect(lastErase).toBeGreaterThan(lastFooter)
    expect(screen.slice(lastErase)).toContain('3/3 tasks completed')
    expect(screen.slice(lastErase)).not.toContain('■')
    // NO_COLOR: the only control sequences are the footer's erases.
    expect(screen.replace(ERASE, '').replace(/\r\n/g, '\n')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/)
  }, 120_000)

  it('on a terminal, a task’s --setup in its worktree is the footer’s step, with the setup’s latest line and the age', async () => {
    const repo = makeRepo('flotilla-cli-footer-repo-', { 'a.txt': 'a\n' })
    const home = mkdtempSync(join(tmpdir(), 'flotilla-cli-footer-home-'))
    try {
      const setup = 'for i in 1 2 3; do echo step$i; sleep 1; done'
      pty = spawnPty(process.execPath, [FLOTILLA_BIN, 'run', '--demo', '--local', '1', '--setup', setup, '@reply done'], {
        cwd: repo.root,
        env: { ...process.env, NO_COLOR: '1', TERM: 'xterm-256color', FLOTILLA_HOME: home } as Record<string, string>,
        cols: 120,
        rows: 30,
      })
      let screen = ''
      pty.onData((data) => (screen += data))
      const exited = new Promise<number>((resolve) => pty!.onExit(({ exitCode }) => resolve(exitCode)))
      expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 90_000))]), screen).toBe(0)
      // While setup runs, the server's row says so (the command, cut to 40, its latest line) and how long it has taken.
      expect(screen).toMatch(/ {2}local-1 +⧗ t\w+ setup: for i in 1 2 3; do echo step\$i; sleep 1… › step2 · @reply done \(\d+\.\d s\)/)
      expect(screen).toContain('1/1 tasks completed')
      expect(screen.replace(ERASE, '').replace(/\r\n/g, '\n')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/)
    } finally {
      rmSync(home, { recursive: true, force: true })
      repo.remove()
    }
  }, 100_000)

  it('on a terminal, Ctrl-C takes the footer off the screen before it says what it cancels', async () => {
    pty = spawnPty(process.execPath, [FLOTILLA_BIN, 'run', '--demo', '--local', '1', '--no-isolate', '@delay 60000\n@reply never'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', TERM: 'xterm-256color' } as Record<string, string>,
      cols: COLUMNS,
      rows: 30,
    })
    let screen = ''
    let sent = false
    pty.onData((data) => {
      screen += data
      if (!sent && /■ 0\/1 done · 1 running/.test(screen)) {
        sent = true
        pty!.write('\x03')
      }
    })
    const exited = new Promise<number>((resolve) => pty!.onExit(({ exitCode }) => resolve(exitCode)))
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]), screen).toBe(1)
    expect(sent).toBe(true)
    const interrupted = screen.indexOf('interrupted: cancelling tasks')
    expect(interrupted).toBeGreaterThan(0)
    // The last footer was drawn before the message, and erased between the two; none after.
    const before = screen.slice(0, interrupted)
    expect(before.lastIndexOf('■ ')).toBeLessThan(before.search(/\x1b\[\d+A\r\x1b\[J(?![\s\S]*\x1b\[\d+A\r\x1b\[J)/))
    expect(screen.slice(interrupted)).not.toContain('■')
    expect(screen.slice(interrupted)).toContain('0/1 tasks completed')
  }, 90_000)

  it('through a pipe (colour allowed): plain lines as before, no footer, no control sequence', async () => {
    run = runCli(['run', '--demo', '--local', '2', '--no-isolate', ...PROMPTS], { cwd: project, env: { NO_COLOR: '', TERM: 'xterm-256color' } })
    expect(await run.exited).toBe(0)
    const all = run.stdout() + run.stderr()
    expect(all).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/)
    expect(all).not.toContain('■')
    expect(run.stderr()).toContain('starting 2 servers…')
    expect(run.stdout()).toMatch(/\[local-\d t\w+\] ▶ @delay 1200/)
    expect(run.stdout()).toContain('3/3 tasks completed')
  }, 120_000)

  it('quiet: only each task’s result line and the summary', async () => {
    const options = parseRunArgs(['--demo', '--local', '1', '--no-isolate', PROMPTS[0]!, PROMPTS[1]!], project, () => '')
    const out: string[] = []
    const err: string[] = []
    const code = await runCommand({ ...options, quiet: true }, { out: (l) => out.push(l), err: (l) => err.push(l), color: false, interrupted: new Promise(() => {}) })
    expect(code).toBe(0)
    // Two result lines, the summary table, the note on where the tasks ran: no streamed line, no ▶.
    expect(out).toHaveLength(4)
    for (const line of out.slice(0, 2)) expect(line).toMatch(/^\[local-1 t\w+\] ✔ completed$/)
    expect(out[2]).toMatch(/^\ntask +server +status/)
    expect(out[2]).toContain('2/2 tasks completed')
    expect(out[3]).toMatch(/^Tasks shared their server's folder/)
    // Nothing on stderr either: no "starting…", no server lines (a failed server would still be told).
    expect(err).toEqual([])
  }, 120_000)
})
