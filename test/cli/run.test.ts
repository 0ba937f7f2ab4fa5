import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DemoRuntime } from '../../core/demo/demoRuntime'
import { LocalLauncher } from '../../core/launchers/local'
import { runCli, type CliRun } from '../support/cli'
import { MARKER, markedProcesses } from '../support/leftovers'
import { closedPort } from '../support/tcpStandins'
import { waitFor } from '../support/waitFor'

let project: string
const running: CliRun[] = []

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'flotilla-cli-'))
})
afterEach(() => {
  // A test that failed half-way must not leave its CLI (and so its servers) running.
  for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL')
})
afterAll(() => rmSync(project, { recursive: true, force: true }))

function cli(args: string[], stdin?: string): CliRun {
  const run = runCli(args, { cwd: project, stdin })
  running.push(run)
  return run
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('flotilla run', () => {
  it('fans prompts out round-robin over 2 local servers and prints a JSON summary (exit 0)', async () => {
    const run = cli(['run', '--demo', '--local', '2', '--strategy', 'round-robin', '--json', '@reply alpha', '@reply beta', '@reply gamma', '@reply delta'])
    expect(await run.exited).toBe(0)
    const lines = jsonLines(run.stdout())
    const summary = lines.at(-1) as { type: string; tasks: Array<Record<string, unknown>> }
    expect(summary.type).toBe('summary')
    expect(summary.tasks.map((t) => [t.prompt, t.status, t.output, t.attempts])).toEqual([
      ['@reply alpha', 'completed', 'alpha', 1],
      ['@reply beta', 'completed', 'beta', 1],
      ['@reply gamma', 'completed', 'gamma', 1],
      ['@reply delta', 'completed', 'delta', 1],
    ])
    expect(summary.tasks.map((t) => t.serverId)).toEqual(['local-1', 'local-2', 'local-1', 'local-2'])
    for (const t of summary.tasks) {
      expect(t.serverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(typeof t.sessionId).toBe('string')
      expect(t.durationMs).toBeGreaterThan(0)
      expect(Object.keys(t).sort()).toEqual(['attempts', 'durationMs', 'id', 'output', 'prompt', 'server', 'serverId', 'serverUrl', 'sessionId', 'status'])
    }
    // Live output came through, marked with task and server.
    expect(lines.some((l) => l.type === 'output' && typeof l.taskId === 'string' && typeof l.serverId === 'string')).toBe(true)
    // The random passwords never reach the output.
    expect(run.stdout() + run.stderr()).not.toMatch(/password/i)
  }, 120_000)

  it('text mode marks each line with server and task and ends with a table; prompts from stdin', async () => {
    const run = cli(['run', '--demo', '--local', '1', '--prompts', '-'], '@reply first answer\n\n@reply second answer\n')
    expect(await run.exited).toBe(0)
    const out = run.stdout()
    expect(out).toMatch(/^\[local-1 t\w+\] first answer$/m)
    expect(out).toMatch(/^\[local-1 t\w+\] second answer$/m)
    expect(out).toMatch(/2\/2 tasks completed/)
  }, 120_000)

  it('exits 1 when a task fails (per-task timeout)', async () => {
    const promptFile = join(project, 'prompts.txt')
    writeFileSync(promptFile, '@reply fine\n@delay 30000\n')
    const run = cli(['run', '--demo', '--local', '1', '--capacity', '2', '--timeout', '10', '--json', '--prompts', promptFile])
    expect(await run.exited).toBe(1)
    const summary = jsonLines(run.stdout()).at(-1) as { tasks: Array<{ status: string; error?: string }> }
    expect(summary.tasks.map((t) => t.status)).toEqual(['completed', 'failed'])
  }, 120_000)

  it('attaches to a running server (--server, password in the URL or --password-env) and never prints the password', async () => {
    const demo = await DemoRuntime.start()
    const server = await new LocalLauncher().start(
      { kind: 'local', id: 'attached', name: 'attached', capacity: 1, directory: project, demo: true },
      { env: demo.envFor('attached') },
    )
    try {
      const url = new URL(server.baseUrl)
      const password = server.auth!.password
      url.username = 'opencode'
      url.password = password
      // The model repeats the password: whatever the CLI prints is redacted from the known password.
      const inUrl = cli(['run', '--server', url.toString(), '--json', `@reply attached one ${password}`])
      expect(await inUrl.exited).toBe(0)
      const viaEnv = runCli(['run', '--server', server.baseUrl, '--password-env', 'ATTACH_PW', `@reply attached two ${password}`], {
        cwd: project,
        env: { ATTACH_PW: password },
      })
      running.push(viaEnv)
      expect(await viaEnv.exited).toBe(0)
      const summary = jsonLines(inUrl.stdout()).at(-1) as { tasks: Array<{ status: string; output: string; serverUrl: string }> }
      expect(summary.tasks).toEqual([expect.objectContaining({ status: 'completed', output: 'attached one ••••', serverUrl: server.baseUrl })])
      expect(viaEnv.stdout()).toMatch(/^\[127\.0\.0\.1:\d+ t\w+\] attached two ••••$/m)
      expect(viaEnv.stdout()).toMatch(/ completed .* attached two ••••$/m)
      for (const run of [inUrl, viaEnv]) expect(run.stdout() + run.stderr()).not.toContain(password)
      // A wrong password is a clear failure, not a hang.
      const wrong = runCli(['run', '--server', server.baseUrl.replace('http://', 'http://opencode:wrong@'), '@reply never'], { cwd: project })
      running.push(wrong)
      expect(await wrong.exited).toBe(1)
      expect(wrong.stderr() + wrong.stdout()).toMatch(/401/)
    } finally {
      await server.stop()
      await demo.close()
    }
  }, 120_000)

  it('--server with nothing listening: its tasks fail at once with "server unreachable: connection refused" (exit 1)', async () => {
    const started = Date.now()
    const run = cli(['run', '--server', 'http://127.0.0.1:1', '@reply never'])
    expect(await run.exited).toBe(1)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(run.stderr()).toMatch(/server unreachable: connection refused/)
    expect(run.stdout()).toMatch(/✘ failed: server unreachable: connection refused/)
    expect(run.stdout()).toMatch(/0\/1 tasks completed/)
  }, 30_000)

  it('an unreachable --server next to a local one: work waits for the local server; broadcast copies for the unreachable one fail', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`
    const any = cli(['run', '--demo', '--local', '1', '--server', closed, '--json', '@reply one', '@reply two'])
    expect(await any.exited).toBe(0)
    const anySummary = jsonLines(any.stdout()).at(-1) as { tasks: Array<Record<string, unknown>> }
    expect(anySummary.tasks.map((t) => [t.status, t.serverId, t.output])).toEqual([
      ['completed', 'local-1', 'one'],
      ['completed', 'local-1', 'two'],
    ])
    const broadcast = cli(['run', '--demo', '--local', '1', '--server', closed, '--broadcast', '--json', '@reply everywhere'])
    expect(await broadcast.exited).toBe(1)
    const summary = jsonLines(broadcast.stdout()).at(-1) as { tasks: Array<Record<string, unknown>> }
    expect(summary.tasks.map((t) => [t.status, t.error ?? t.output])).toEqual([
      ['completed', 'everywhere'],
      ['failed', 'server unreachable: connection refused'],
    ])
  }, 120_000)

  it.each([
    ['a URL that cannot be parsed', 'http://opencode:sec/ret@host:1', 'sec/ret', /expected an http\(s\) URL, got "http:\/\/opencode:••••@host:1" \(a "\/", "\?" or "#" in the password must be percent-encoded/],
    ['a password with "@" and "/"', 'http://opencode:p@ss/w@rd@127.0.0.1:9', 'ss/w@rd', /got "http:\/\/opencode:••••@127\.0\.0\.1:9"/],
    ['a "/" that makes the URL read as another host', 'http://opencode:4096/x@127.0.0.1:9', '4096/x', /expected the password to run up to the last "@" before the host, got "http:\/\/opencode:••••@127\.0\.0\.1:9"/],
    ['a "%" that is no escape', 'http://opencode:50%off@127.0.0.1:9', '50%off', /expected a password with "%" only in %XX escapes/],
  ])('--server with %s: a usage error that shows the URL with its password redacted (exit 2)', async (_, url, secret, message) => {
    const run = cli(['run', '--server', url, 'x'])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toMatch(message)
    expect(run.stderr()).not.toContain(secret)
  }, 30_000)

  it.each([
    [['run', '--strategy', 'fastest', 'x'], /--strategy: expected round-robin, least-loaded or random, got "fastest"/],
    [['run', '--local', 'two', 'x'], /--local: expected a whole number, got "two"/],
    [['run', '--demo'], /expected at least one prompt/],
    [['run', '--dir', '/nonexistent/dir', 'x'], /--dir: expected an existing directory/],
    [['run', '--bogus', 'x'], /Unknown option '--bogus'/],
    [['launch'], /expected a command \(run, serve, gc\), got "launch"/],
  ])('bad usage %j exits 2 with a clear message and starts nothing', async (args, message) => {
    const run = cli(args)
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toMatch(message)
    expect(run.stdout()).toBe('')
  }, 30_000)

  it('Ctrl-C cancels running tasks, stops the servers and leaves nothing running (exit 1)', async () => {
    const run = cli(['run', '--demo', '--local', '2', '--json', '@delay 30000', '@delay 30000'])
    // Wait until both tasks run on their servers.
    await waitFor('both tasks to run', () => jsonLines(run.stdout()).filter((l) => l.type === 'task' && l.state === 'running').length >= 2, {
      timeoutMs: 60_000,
      intervalMs: 100,
      check: () => {
        if (run.child.exitCode !== null) throw new Error(`tasks never ran: flotilla run exited (${run.child.exitCode}): ${run.stderr()}`)
      },
      seen: () => `stderr: ${run.stderr()}`,
    })
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(1)
    const summary = jsonLines(run.stdout()).at(-1) as { type: string; tasks: Array<{ status: string }> }
    expect(summary.type).toBe('summary')
    expect(summary.tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled'])
    expect(markedProcesses(process.env[MARKER]!)).toEqual([])
  }, 120_000)
})
