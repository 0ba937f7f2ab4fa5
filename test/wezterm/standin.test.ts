import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stopWeztermStandin, WEZTERM_STANDIN } from '../support/wezterm-standin'
import { waitFor } from '../support/waitFor'

// The stand-in `wezterm` (test/support/wezterm-standin) behaves like WezTerm 20240203-110809-5046fc22's
// `wezterm cli` for the subcommands our launcher uses. This checks it against that behaviour.

const EXTRA_DOMAIN = 'SSHMUX:buildbox'
const LIST_FIELDS = [
  'window_id',
  'tab_id',
  'pane_id',
  'workspace',
  'size',
  'title',
  'cwd',
  'cursor_x',
  'cursor_y',
  'cursor_shape',
  'cursor_visibility',
  'left_col',
  'top_row',
  'tab_title',
  'window_title',
  'is_active',
  'is_zoomed',
  'tty_name',
]

interface ListEntry {
  window_id: number
  tab_id: number
  pane_id: number
  workspace: string
  size: { rows: number; cols: number; pixel_width: number; pixel_height: number; dpi: number }
  title: string
  cwd: string
  cursor_x: number
  cursor_y: number
  cursor_shape: string
  cursor_visibility: string
  tty_name: string | null
  [key: string]: unknown
}

interface Result {
  code: number
  stdout: string
  stderr: string
}

let dir: string
let cwd: string

function run(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const env = opts.env ?? { ...process.env, WEZTERM_STANDIN_DIR: dir, WEZTERM_STANDIN_DOMAINS: EXTRA_DOMAIN }
  return new Promise((resolve) => {
    const child = execFile(WEZTERM_STANDIN, args, { env, encoding: 'utf8', timeout: 40_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
    child.stdin?.end(opts.input ?? '')
  })
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await run(args, { input })
  expect(r.stderr, `wezterm ${args.join(' ')}`).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}

async function list(): Promise<ListEntry[]> {
  return JSON.parse(await ok(['cli', 'list', '--format', 'json'])) as ListEntry[]
}

/** Alive = exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return !/\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

/** Live processes whose environment names our state dir. */
function standinProcesses(): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1')
      if (`\0${env}\0`.includes(`\0WEZTERM_STANDIN_DIR=${dir}\0`) && alive(Number(entry))) found.push(Number(entry))
    } catch {
      // gone, or not ours
    }
  }
  return found
}

function panesJson(): Array<{ pane_id: number; domain: string; pid: number; alive: boolean; argv: string[] }> {
  return JSON.parse(readFileSync(join(dir, 'panes.json'), 'utf8'))
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wzs-'))
  cwd = realpathSync(mkdtempSync(join(tmpdir(), 'wzs-cwd-')))
})

afterAll(async () => {
  if (dir) {
    await stopWeztermStandin(dir)
    rmSync(dir, { recursive: true, force: true })
  }
  if (cwd) rmSync(cwd, { recursive: true, force: true })
}, 30_000)

describe('wezterm stand-in', () => {
  it('spawns a program in a new window; list shows exactly the real fields; get-text shows its output', async () => {
    const out = await ok(['cli', 'spawn', '--new-window', '--cwd', cwd, '--', 'sh', '-c', 'echo hello; sleep 30'])
    expect(out).toBe('0\n')
    expect(readFileSync(join(dir, 'daemon.pid'), 'utf8').trim()).toMatch(/^\d+$/)

    const [pane, ...rest] = await list()
    expect(rest).toEqual([])
    expect(Object.keys(pane!)).toEqual(LIST_FIELDS)
    expect(pane).toMatchObject({
      window_id: 0,
      tab_id: 0,
      pane_id: 0,
      workspace: 'default',
      size: { rows: 24, cols: 80, pixel_width: 640, pixel_height: 384, dpi: 0 },
      // No OSC 7 from the program: WezTerm reads the foreground process's cwd ("localhost" is dropped).
      cwd: `file://${cwd}`,
      cursor_shape: 'Default',
      cursor_visibility: 'Visible',
      left_col: 0,
      top_row: 0,
      tab_title: '',
      window_title: '',
      is_active: true,
      is_zoomed: false,
    })
    expect(pane!.tty_name).toMatch(/^\/dev\/pts\/\d+$/)
    expect(typeof pane!.title).toBe('string')

    const text = await waitFor('hello in pane 0', async () => {
      const t = await ok(['cli', 'get-text', '--pane-id', '0'])
      return t.includes('hello') && t
    })
    const lines = text.split('\n')
    expect(lines[0]).toBe('hello')
    expect(lines).toHaveLength(25) // 24 screen rows, each printed with a newline

    const table = await ok(['cli', 'list'])
    expect(table.split('\n')[0]).toMatch(/^WINID TABID PANEID WORKSPACE SIZE +TITLE +CWD *$/)
    expect(table).toContain(`file://${cwd}`)

    // The pane runs with the daemon's environment (the caller's, marker included) plus WezTerm's.
    const pid = panesJson().find((p) => p.pane_id === 0)!.pid
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
    expect(env).toContain('TERM=xterm-256color')
    expect(env).toContain('WEZTERM_PANE=0')
    expect(env).toContain(`FLOTILLA_TEST_MARK=${process.env.FLOTILLA_TEST_MARK}`)
  })

  it('send-text writes to the pane (as a paste, and raw with --no-paste)', async () => {
    const id = Number(await ok(['cli', 'spawn', '--new-window', '--cwd', cwd, '--', 'cat']))
    expect(id).toBe(1)
    await ok(['cli', 'send-text', '--pane-id', String(id), 'pasted line\n'])
    await ok(['cli', 'send-text', '--pane-id', String(id), '--no-paste'], 'raw line\n')
    // The tty echoes the input, then cat prints it again.
    await waitFor('cat to echo both lines', async () => {
      const t = await ok(['cli', 'get-text', '--pane-id', String(id)])
      const lines = t.split('\n')
      return lines.filter((l) => l === 'pasted line').length === 2 && lines.filter((l) => l === 'raw line').length === 2
    })
  })

  it('kill-pane removes the pane and ends its process', async () => {
    const pid = panesJson().find((p) => p.pane_id === 1)!.pid
    expect(alive(pid)).toBe(true)
    await ok(['cli', 'kill-pane', '--pane-id', '1'])
    expect((await list()).map((p) => p.pane_id)).toEqual([0])
    await waitFor('cat to end', async () => !alive(pid))
    const gone = await run(['cli', 'get-text', '--pane-id', '1'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('no such pane 1')
  })

  it('a pane whose program exits disappears from list', async () => {
    const id = Number(await ok(['cli', 'spawn', '--new-window', '--', 'sh', '-c', 'sleep 0.3']))
    expect(id).toBe(2)
    await waitFor('pane 2 to close', async () => !(await list()).some((p) => p.pane_id === 2))
    expect(panesJson().find((p) => p.pane_id === 2)!.alive).toBe(false)
  })

  it('spawn without --new-window goes to the window of --pane-id, and needs a pane to resolve', async () => {
    const id = Number(await ok(['cli', 'spawn', '--pane-id', '0', '--', 'sleep', '30']))
    expect(id).toBe(3)
    const entry = (await list()).find((p) => p.pane_id === 3)!
    expect(entry.window_id).toBe(0)
    expect(entry.tab_id).not.toBe(0)

    // No --pane-id, no $WEZTERM_PANE and no GUI client with a focused pane: WezTerm gives up.
    const { WEZTERM_PANE: _ignored, ...env } = process.env
    const r = await run(['cli', 'spawn', '--', 'true'], { env: { ...env, WEZTERM_STANDIN_DIR: dir } })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/ERROR {2}wezterm > --pane-id was not specified and \$WEZTERM_PANE/)
  })

  it('domains: an unknown one fails like WezTerm, a configured extra one works', async () => {
    const bad = await run(['cli', 'spawn', '--new-window', '--domain-name', 'nope', '--', 'true'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toContain('domain name \\"nope\\" is invalid')

    const id = Number(await ok(['cli', 'spawn', '--new-window', '--domain-name', EXTRA_DOMAIN, '--cwd', cwd, '--', 'sleep', '30']))
    expect((await list()).some((p) => p.pane_id === id)).toBe(true)
    expect(panesJson().find((p) => p.pane_id === id)!.domain).toBe(EXTRA_DOMAIN)
    expect(panesJson().find((p) => p.pane_id === 0)!.domain).toBe('local')
  })

  it('rejects bad usage like clap does, and runs only with WEZTERM_STANDIN_DIR', async () => {
    const unknownSub = await run(['cli', 'frobnicate'])
    expect(unknownSub.code).toBe(2)
    expect(unknownSub.stderr).toContain("error: unrecognized subcommand 'frobnicate'")
    const unknownFlag = await run(['cli', 'list', '--bogus'])
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr).toContain("error: unexpected argument '--bogus' found")
    const badValue = await run(['cli', 'get-text', '--pane-id', 'x'])
    expect(badValue.code).toBe(2)
    const missingProg = await run(['cli', 'spawn', '--new-window', '--', 'no-such-program-here'])
    expect(missingProg.code).toBe(1)
    expect(missingProg.stderr).toContain('Unable to spawn no-such-program-here because')

    const { WEZTERM_STANDIN_DIR: _unset, ...env } = process.env
    const noDir = await run(['cli', 'list'], { env })
    expect(noDir.code).toBe(2)
    expect(noDir.stderr).toContain('WEZTERM_STANDIN_DIR')
    expect((await run(['--version'])).stdout).toBe('wezterm 20240203-110809-5046fc22\n')
  })

  it('stopWeztermStandin ends the daemon and every pane, and can be called again', async () => {
    const daemonPid = Number(readFileSync(join(dir, 'daemon.pid'), 'utf8').trim())
    const panePids = panesJson().map((p) => p.pid)
    expect(alive(daemonPid)).toBe(true)
    expect(standinProcesses().length).toBeGreaterThan(1)

    await stopWeztermStandin(dir)
    expect(alive(daemonPid)).toBe(false)
    expect(panePids.filter(alive)).toEqual([])
    expect(standinProcesses()).toEqual([])
    await stopWeztermStandin(dir)

    // A later call starts a fresh mux server.
    expect(await ok(['cli', 'list', '--format', 'json'])).toBe('[]')
    await ok(['standin-stop'])
    await waitFor('the daemon to exit', async () => standinProcesses().length === 0)
  })
})
