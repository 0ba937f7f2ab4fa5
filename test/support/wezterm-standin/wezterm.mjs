// The stand-in `wezterm` CLI (imitating WezTerm 20240203-110809-5046fc22). It parses arguments
// the way WezTerm's clap definitions do, then asks the stand-in mux server (daemon.mjs, started
// on first use) to do the work. Errors look like WezTerm's: clap usage errors exit 2, runtime
// errors are logged as `HH:MM:SS.mmm  ERROR  wezterm > ...; terminating` and exit 1.

import { spawn as spawnProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { debugStr } from './debugStr.mjs'

const VERSION = '20240203-110809-5046fc22'
const HERE = path.dirname(fileURLToPath(import.meta.url))
const DAEMON = path.join(HERE, 'daemon.mjs')

class UsageError extends Error {}
class RuntimeError extends Error {}

// ---- clap-like parsing ---------------------------------------------------------------------------

const usize = (v) => {
  if (v === '') throw new Error('cannot parse integer from empty string')
  if (!/^\+?\d+$/.test(v)) throw new Error('invalid digit found in string')
  return Number(v)
}
const isize = (v) => {
  if (v === '') throw new Error('cannot parse integer from empty string')
  if (!/^[+-]?\d+$/.test(v)) throw new Error('invalid digit found in string')
  return Number(v)
}
const format = (v) => {
  if (v !== 'json' && v !== 'table') throw new Error('unknown output format')
  return v
}
const string = (v) => v

/**
 * A subcommand: its flags (name -> {value?: parser, key, hyphen?}), its positional arguments and
 * their usage text. `trailing`: the first positional and everything after it are the program.
 */
const CLI_COMMANDS = {
  list: {
    flags: { '--format': { key: 'format', value: format, meta: 'FORMAT' } },
    usage: 'wezterm cli list [OPTIONS]',
  },
  spawn: {
    flags: {
      '--pane-id': { key: 'paneId', value: usize, meta: 'PANE_ID' },
      '--domain-name': { key: 'domainName', value: string, meta: 'DOMAIN_NAME' },
      '--window-id': { key: 'windowId', value: usize, meta: 'WINDOW_ID' },
      '--new-window': { key: 'newWindow' },
      '--cwd': { key: 'cwd', value: string, meta: 'CWD' },
      '--workspace': { key: 'workspace', value: string, meta: 'WORKSPACE' },
    },
    positional: 'trailing',
    usage: 'wezterm cli spawn [OPTIONS] [PROG]...',
  },
  'get-text': {
    flags: {
      '--pane-id': { key: 'paneId', value: usize, meta: 'PANE_ID' },
      '--start-line': { key: 'startLine', value: isize, meta: 'START_LINE', hyphen: true },
      '--end-line': { key: 'endLine', value: isize, meta: 'END_LINE', hyphen: true },
      '--escapes': { key: 'escapes' },
    },
    usage: 'wezterm cli get-text [OPTIONS]',
  },
  'send-text': {
    flags: {
      '--pane-id': { key: 'paneId', value: usize, meta: 'PANE_ID' },
      '--no-paste': { key: 'noPaste' },
    },
    positional: 'single',
    usage: 'wezterm cli send-text [OPTIONS] [TEXT]',
  },
  'kill-pane': {
    flags: { '--pane-id': { key: 'paneId', value: usize, meta: 'PANE_ID' } },
    usage: 'wezterm cli kill-pane [OPTIONS]',
  },
}

/** Real `wezterm cli` subcommands the stand-in does not implement. */
const CLI_UNIMPLEMENTED = [
  'list-clients',
  'proxy',
  'tlscreds',
  'move-pane-to-new-tab',
  'split-pane',
  'activate-pane-direction',
  'get-pane-direction',
  'activate-pane',
  'adjust-pane-size',
  'activate-tab',
  'set-tab-title',
  'set-window-title',
  'rename-workspace',
  'zoom-pane',
]
/** Real top-level `wezterm` subcommands the stand-in does not implement. */
const TOP_UNIMPLEMENTED = ['start', 'ssh', 'serial', 'connect', 'ls-fonts', 'show-keys', 'imgcat', 'set-working-directory', 'record', 'replay', 'shell-completion', 'help']

const MORE = "\n\nFor more information, try '--help'.\n"

function unexpected(arg, usage, hasPositional) {
  const tip = hasPositional && arg.startsWith('-') ? `\n\n  tip: to pass '${arg}' as a value, use '-- ${arg}'` : ''
  return new UsageError(`error: unexpected argument '${arg}' found${tip}\n\nUsage: ${usage}${MORE}`)
}

function parseCommand(name, args) {
  const spec = CLI_COMMANDS[name]
  const opts = { positional: [] }
  const seen = new Set()
  let dashdash = false
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (!dashdash && spec.positional === 'trailing' && opts.positional.length > 0) {
      opts.positional.push(a)
      continue
    }
    if (!dashdash && a === '--') {
      dashdash = true
      continue
    }
    if (!dashdash && (a === '-h' || a === '--help')) {
      process.stdout.write(`Usage: ${spec.usage}\n\nOptions:\n${Object.entries(spec.flags).map(([f, d]) => `      ${f}${d.value ? ` <${d.meta}>` : ''}\n`).join('')}  -h, --help\n`)
      process.exit(0)
    }
    if (!dashdash && a.startsWith('--')) {
      const eq = a.indexOf('=')
      const flag = eq < 0 ? a : a.slice(0, eq)
      const def = spec.flags[flag]
      if (!def) throw unexpected(a, spec.usage, Boolean(spec.positional))
      const shown = def.value ? `${flag} <${def.meta}>` : flag
      if (seen.has(flag)) throw new UsageError(`error: the argument '${shown}' cannot be used multiple times\n\nUsage: ${spec.usage}${MORE}`)
      seen.add(flag)
      if (!def.value) {
        if (eq >= 0) throw new UsageError(`error: unexpected value '${a.slice(eq + 1)}' for '${flag}' found; no more were expected\n\nUsage: ${spec.usage}${MORE}`)
        opts[def.key] = true
        continue
      }
      let value
      if (eq >= 0) value = a.slice(eq + 1)
      else {
        value = args[i + 1]
        if (value === undefined || (value.startsWith('-') && value.length > 1 && !def.hyphen)) {
          throw new UsageError(`error: a value is required for '${shown}' but none was supplied${MORE}`)
        }
        i++
      }
      try {
        opts[def.key] = def.value(value)
      } catch (err) {
        throw new UsageError(`error: invalid value '${value}' for '${shown}': ${err.message}${MORE}`)
      }
      continue
    }
    if (!dashdash && a.startsWith('-') && a.length > 1) throw unexpected(a, spec.usage, Boolean(spec.positional))
    if (!spec.positional || (spec.positional === 'single' && opts.positional.length >= 1)) throw unexpected(a, spec.usage, false)
    opts.positional.push(a)
  }
  if (name === 'spawn') {
    if (opts.windowId !== undefined && (opts.newWindow || opts.workspace !== undefined)) {
      const other = opts.newWindow ? '--new-window' : '--workspace <WORKSPACE>'
      throw new UsageError(`error: the argument '--window-id <WINDOW_ID>' cannot be used with '${other}'\n\nUsage: ${spec.usage}${MORE}`)
    }
    if (opts.workspace !== undefined && !opts.newWindow) {
      throw new UsageError(`error: the following required arguments were not provided:\n  --new-window\n\nUsage: wezterm cli spawn --new-window --workspace <WORKSPACE> [PROG]...${MORE}`)
    }
  }
  return opts
}

// ---- talking to the daemon ---------------------------------------------------------------------

function stateDir() {
  const dir = process.env.WEZTERM_STANDIN_DIR
  if (!dir) {
    process.stderr.write('wezterm stand-in: WEZTERM_STANDIN_DIR is not set; it must name the directory that holds the stand-in mux server state\n')
    process.exit(2)
  }
  const abs = path.resolve(dir)
  process.env.WEZTERM_STANDIN_DIR = abs
  fs.mkdirSync(abs, { recursive: true })
  return abs
}

function connect(sockPath) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(sockPath)
    sock.once('connect', () => {
      sock.removeAllListeners('error')
      resolve(sock)
    })
    sock.once('error', reject)
  })
}

async function ensureDaemon(dir, noAutoStart) {
  const sockPath = path.join(dir, 'sock')
  if (sockPath.length > 100) throw new RuntimeError(`WEZTERM_STANDIN_DIR is too long for a unix socket path: ${sockPath}`)
  try {
    return await connect(sockPath)
  } catch (err) {
    if (noAutoStart) throw new RuntimeError(`failed to connect to Socket(${JSON.stringify(sockPath)}): ${err.message}`)
  }
  // Start the mux server, detached, with this process's environment.
  const logFd = fs.openSync(path.join(dir, 'daemon.log'), 'a')
  const child = spawnProcess(process.execPath, [DAEMON], { detached: true, stdio: ['ignore', logFd, logFd], env: process.env, cwd: '/' })
  fs.closeSync(logFd)
  let failed = null
  child.on('exit', (code) => {
    if (code !== 0) failed = code
  })
  child.unref()
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      return await connect(sockPath)
    } catch (err) {
      if (failed !== null) {
        let tail = ''
        try {
          tail = fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8').split('\n').slice(-10).join('\n')
        } catch {
          // no log
        }
        throw new RuntimeError(`the stand-in mux server exited with status ${failed}:\n${tail}`)
      }
      if (Date.now() > deadline) throw new RuntimeError(`timed out waiting for the stand-in mux server at ${sockPath}: ${err.message}`)
      await new Promise((r) => setTimeout(r, 30))
    }
  }
}

function request(sock, req) {
  return new Promise((resolve, reject) => {
    let buf = ''
    sock.setEncoding('utf8')
    sock.on('data', (chunk) => (buf += chunk))
    sock.on('error', reject)
    sock.on('close', () => {
      const nl = buf.indexOf('\n')
      if (nl < 0) return reject(new RuntimeError('the stand-in mux server closed the connection without answering'))
      const reply = JSON.parse(buf.slice(0, nl))
      // A server error reaches the real client as an unexpected ErrorResponse PDU.
      if (!reply.ok) reject(new RuntimeError(`unexpected response Ok(ErrorResponse(ErrorResponse { reason: ${debugStr(reply.error)} }))`))
      else resolve(reply.result)
    })
    sock.write(`${JSON.stringify(req)}\n`)
  })
}

async function call(ctx, req) {
  const sock = await ensureDaemon(ctx.dir, ctx.noAutoStart)
  return request(sock, req)
}


/** Client::resolve_pane_id. */
function resolvePaneId(paneId) {
  if (paneId !== undefined) return paneId
  const env = process.env.WEZTERM_PANE
  if (env !== undefined) {
    try {
      return usize(env)
    } catch (err) {
      throw new RuntimeError(err.message)
    }
  }
  // The stand-in has no GUI client, so (like a mux server without one) no pane is focused.
  throw new RuntimeError(
    '--pane-id was not specified and $WEZTERM_PANE\n                         is not set in the environment, and I couldn\'t\n                         determine which pane was currently focused',
  )
}

function tabulate(columns, rows) {
  const width = (s) => [...s].length
  const widths = columns.map((c) => width(c.name))
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i], width(cell))))
  const emit = (text, i) => {
    const pad = ' '.repeat(widths[i] - width(text))
    return columns[i].right ? pad + text : text + pad
  }
  let out = `${columns.map((c, i) => emit(c.name, i)).join(' ')}\n`
  for (const row of rows) out += `${row.map((cell, i) => emit(cell, i)).join(' ')}\n`
  return out
}

// ---- subcommands ---------------------------------------------------------------------------------

async function runCli(ctx, name, opts) {
  switch (name) {
    case 'list': {
      const items = await call(ctx, { op: 'list' })
      if ((opts.format ?? 'table') === 'json') {
        // serde_json's pretty printer, and no trailing newline.
        process.stdout.write(JSON.stringify(items, null, 2))
      } else {
        const columns = [
          { name: 'WINID', right: true },
          { name: 'TABID', right: true },
          { name: 'PANEID', right: true },
          { name: 'WORKSPACE' },
          { name: 'SIZE' },
          { name: 'TITLE' },
          { name: 'CWD' },
        ]
        const rows = items.map((p) => [String(p.window_id), String(p.tab_id), String(p.pane_id), p.workspace, `${p.size.cols}x${p.size.rows}`, p.title, p.cwd])
        process.stdout.write(tabulate(columns, rows))
      }
      return
    }
    case 'spawn': {
      let windowId = null
      let paneId = null
      if (!opts.newWindow) {
        if (opts.windowId !== undefined) windowId = opts.windowId
        else {
          paneId = resolvePaneId(opts.paneId)
          const items = await call(ctx, { op: 'list' })
          windowId = items.find((p) => p.pane_id === paneId)?.window_id ?? null
        }
      }
      const result = await call(ctx, {
        op: 'spawn',
        argv: opts.positional,
        cwd: opts.cwd === undefined ? null : path.resolve(process.cwd(), opts.cwd),
        domain: opts.domainName ?? null,
        windowId,
        workspace: opts.workspace ?? null,
      })
      process.stdout.write(`${result.pane_id}\n`)
      return
    }
    case 'get-text': {
      const text = await call(ctx, {
        op: 'get-text',
        paneId: resolvePaneId(opts.paneId),
        startLine: opts.startLine ?? null,
        endLine: opts.endLine ?? null,
        escapes: Boolean(opts.escapes),
      })
      process.stdout.write(text)
      return
    }
    case 'send-text': {
      const paneId = resolvePaneId(opts.paneId)
      const text = opts.positional.length > 0 ? opts.positional[0] : fs.readFileSync(0, 'utf8')
      await call(ctx, { op: 'send-text', paneId, text, noPaste: Boolean(opts.noPaste) })
      return
    }
    case 'kill-pane':
      await call(ctx, { op: 'kill-pane', paneId: resolvePaneId(opts.paneId) })
      return
  }
}

async function standinStop(dir) {
  let sock
  try {
    sock = await connect(path.join(dir, 'sock'))
  } catch {
    return // no mux server running
  }
  await request(sock, { op: 'stop' })
  // Wait for the daemon to exit (it removes its socket last).
  const pidFile = path.join(dir, 'daemon.pid')
  const deadline = Date.now() + 10_000
  while (fs.existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 30))
}

function fail(err) {
  if (err instanceof UsageError) {
    process.stderr.write(err.message)
    process.exit(2)
  }
  const d = new Date()
  const p = (n, w = 2) => String(n).padStart(w, '0')
  const ts = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  const msg = err instanceof RuntimeError ? err.message : String(err?.stack ?? err)
  process.stderr.write(`${ts}  ERROR  wezterm > ${msg}; terminating\n`)
  process.exit(1)
}

async function main(argv) {
  const TOP_USAGE = 'wezterm [OPTIONS] [COMMAND]'
  let i = 0
  // Top-level options (`wezterm [-n] [--config-file F] [--config name=value]... <COMMAND>`): accepted, ignored.
  for (; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-V' || a === '--version') {
      process.stdout.write(`wezterm ${VERSION}\n`)
      return
    }
    if (a === '-h' || a === '--help') {
      process.stdout.write(`Wez's Terminal Emulator (stand-in for tests)\n\nUsage: ${TOP_USAGE}\n\nCommands:\n  cli           Interact with experimental mux server\n  standin-stop  Stand-in only: kill every pane and the mux server\n`)
      return
    }
    if (a === '-n' || a === '--skip-config') continue
    if (a === '--config-file' || a === '--config') {
      if (argv[i + 1] === undefined) throw new UsageError(`error: a value is required for '${a} <${a === '--config' ? 'name=value' : 'CONFIG_FILE'}>' but none was supplied${MORE}`)
      i++
      continue
    }
    if (a.startsWith('--config-file=') || a.startsWith('--config=')) continue
    if (a.startsWith('-')) throw unexpected(a, TOP_USAGE, false)
    break
  }
  const sub = argv[i]
  if (sub === undefined) throw new RuntimeError('the stand-in has no GUI: `wezterm` without a subcommand (`wezterm start`) is not implemented')
  if (sub === 'standin-stop') {
    if (argv.length > i + 1) throw unexpected(argv[i + 1], 'wezterm standin-stop', false)
    await standinStop(stateDir())
    return
  }
  if (TOP_UNIMPLEMENTED.includes(sub)) throw new RuntimeError(`\`wezterm ${sub}\` is not implemented by the stand-in`)
  if (sub !== 'cli') throw new UsageError(`error: unrecognized subcommand '${sub}'\n\nUsage: ${TOP_USAGE}${MORE}`)

  // `wezterm cli [--no-auto-start] [--prefer-mux] [--class CLASS] <COMMAND>`
  const CLI_USAGE = 'wezterm cli [OPTIONS] <COMMAND>'
  const ctx = { noAutoStart: false, dir: '' }
  for (i++; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--no-auto-start') ctx.noAutoStart = true
    else if (a === '--prefer-mux') continue
    else if (a === '--class') {
      if (argv[i + 1] === undefined) throw new UsageError(`error: a value is required for '--class <CLASS>' but none was supplied${MORE}`)
      i++
    } else if (a.startsWith('--class=')) continue
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`Interact with experimental mux server\n\nUsage: ${CLI_USAGE}\n\nCommands (stand-in):\n${Object.keys(CLI_COMMANDS).map((c) => `  ${c}\n`).join('')}`)
      return
    } else if (a.startsWith('-')) throw unexpected(a, CLI_USAGE, false)
    else break
  }
  const name = argv[i]
  if (name === undefined) throw new UsageError(`error: 'wezterm cli' requires a subcommand but one was not provided\n\nUsage: ${CLI_USAGE}${MORE}`)
  if (CLI_UNIMPLEMENTED.includes(name)) throw new RuntimeError(`\`wezterm cli ${name}\` is not implemented by the stand-in`)
  if (!CLI_COMMANDS[name]) throw new UsageError(`error: unrecognized subcommand '${name}'\n\nUsage: ${CLI_USAGE}${MORE}`)
  const opts = parseCommand(name, argv.slice(i + 1))
  ctx.dir = stateDir()
  await runCli(ctx, name, opts)
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => fail(err),
)
