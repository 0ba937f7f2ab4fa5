// The stand-in's "mux server": one detached process per state dir ($WEZTERM_STANDIN_DIR) that
// holds the panes, because every `wezterm cli` call is a separate process. Started by the first
// CLI call (like `wezterm cli` auto-starting `wezterm-mux-server --daemonize`), it keeps the
// environment of that call and gives it to every pane. Protocol: one connection per request on
// the unix socket `<dir>/sock`, one JSON line each way.
//
// Files in the state dir: sock, daemon.pid (this process; also the lock that keeps one daemon
// per dir), daemon.log (stdout/stderr), panes.json (every pane ever spawned, with its domain,
// pid and whether it is alive; for tests to inspect).

import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pty from 'node-pty'
import { Terminal } from './term.mjs'
import { debugStr } from './debugStr.mjs'

const VERSION = '20240203-110809-5046fc22'
const ROWS = 24
const COLS = 80
const KILL_GRACE_MS = 2000

const dir = process.env.WEZTERM_STANDIN_DIR
if (!dir) {
  process.stderr.write('wezterm stand-in daemon: WEZTERM_STANDIN_DIR is not set\n')
  process.exit(2)
}
const SELF = fileURLToPath(import.meta.url)
const sockPath = path.join(dir, 'sock')
const pidPath = path.join(dir, 'daemon.pid')
const panesPath = path.join(dir, 'panes.json')

const log = (...args) => process.stderr.write(`${new Date().toISOString()} ${args.join(' ')}\n`)

// ---- one daemon per dir ------------------------------------------------------------------------

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'latin1')
  } catch {
    return null
  }
}

function isStandinDaemon(pid) {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false
  const cmdline = readProc(pid, 'cmdline')
  const environ = readProc(pid, 'environ')
  return cmdline !== null && cmdline.includes(SELF) && environ !== null && `\0${environ}`.includes(`\0WEZTERM_STANDIN_DIR=${dir}\0`)
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Takes daemon.pid (created exclusively); false when another live daemon holds it. */
function acquirePidFile() {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(pidPath, `${process.pid}\n`, { flag: 'wx' })
      return true
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
    }
    let other = Number.NaN
    for (let i = 0; i < 10 && Number.isNaN(other); i++) {
      const text = fs.existsSync(pidPath) ? fs.readFileSync(pidPath, 'utf8').trim() : 'gone'
      if (text === 'gone') break
      if (text !== '') other = Number(text)
      else sleepSync(20) // the other daemon is between creating and writing the file
    }
    if (isStandinDaemon(other)) return false
    fs.rmSync(pidPath, { force: true })
  }
  return false
}

if (!acquirePidFile()) {
  log('another stand-in daemon already serves', dir)
  process.exit(0)
}
fs.rmSync(sockPath, { force: true })

// ---- the mux -----------------------------------------------------------------------------------

const baseEnv = { ...process.env }
/**
 * SSH domains (WezTerm's `ssh_domains`, multiplexing "None"): a pane runs its command on the
 * remote host. The real WezTerm speaks SSH itself; the stand-in runs the system `ssh -tt` in the
 * pane. JSON {name: {remote_address, username, ssh_options: [extra ssh arguments]}}.
 */
const sshDomains = JSON.parse(process.env.WEZTERM_STANDIN_SSH_DOMAINS || '{}')
const knownDomains = [
  'local',
  ...(process.env.WEZTERM_STANDIN_DOMAINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'local'),
  ...Object.keys(sshDomains),
]

/** POSIX shell quoting for the remote command line (ssh joins its arguments with spaces). */
const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`

let nextWindowId = 0
let nextTabId = 0
let nextPaneId = 0
/** @type {Map<number, {id: number, workspace: string, title: string, tabs: number[]}>} */
const windows = new Map()
/** @type {Map<number, {id: number, windowId: number, title: string, paneId: number}>} */
const tabs = new Map()
/** Live panes, by id. */
const panes = new Map()
/** Every pane ever spawned (panes.json). */
const record = []
/** Panes removed from the mux whose processes may still be running (killed, exiting). */
const dying = new Set()

class MuxError extends Error {}

function writeRecord() {
  const tmp = `${panesPath}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`)
  fs.renameSync(tmp, panesPath)
}

/** Whether the process or any member of its process group is still running (zombies are dead). */
function groupAlive(pid) {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readProc(entry, 'stat')
    if (!stat) continue
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] === 'Z' || fields[0] === 'X') continue
    if (Number(entry) === pid || Number(fields[2]) === pid) return true
  }
  return false
}

function signal(pid, sig) {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig)
    } catch {
      // gone already
    }
  }
}

/** Removes a pane from its tab (and the tab from its window, the window when empty). */
function removePane(pane) {
  if (!panes.delete(pane.id)) return
  const tab = tabs.get(pane.tabId)
  if (tab) {
    tabs.delete(tab.id)
    const win = windows.get(tab.windowId)
    if (win) {
      win.tabs = win.tabs.filter((t) => t !== tab.id)
      if (win.tabs.length === 0) windows.delete(win.id)
    }
  }
  const entry = record.find((r) => r.pane_id === pane.id)
  if (entry) entry.alive = false
  writeRecord()
}

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

function exists(p) {
  try {
    fs.accessSync(p, fs.constants.F_OK)
    return true
  } catch {
    return false
  }
}


/** portable-pty's CommandBuilder::search_path, with its error messages. */
function searchPath(exe, cwd, env) {
  if (!path.isAbsolute(exe)) {
    if (exe.startsWith('./') || exe.startsWith('../') || exe === '.' || exe === '..') {
      const abs = path.join(cwd, exe)
      if (isDir(abs)) throw new MuxError(`Unable to spawn ${abs} because it is a directory`)
      if (isExecutable(abs)) return abs
      if (exists(abs)) throw new MuxError(`Unable to spawn ${abs} because it is not executable`)
      throw new MuxError(`Unable to spawn ${abs} because it does not exist`)
    }
    const errors = []
    if (env.PATH !== undefined) {
      for (const entry of env.PATH.split(':')) {
        const candidate = path.join(path.resolve(cwd, entry), exe)
        if (isDir(candidate)) errors.push(`${candidate} exists but is a directory`)
        else if (isExecutable(candidate)) return candidate
        else if (exists(candidate)) errors.push(`${candidate} exists but is not executable`)
      }
      errors.push(`No viable candidates found in PATH ${debugStr(env.PATH)}`)
    } else {
      errors.push('Unable to resolve the PATH')
    }
    throw new MuxError(`Unable to spawn ${exe} because:\n${errors.join('.\n')}`)
  }
  if (isDir(exe)) throw new MuxError(`Unable to spawn ${exe} because it is a directory`)
  if (!isExecutable(exe)) {
    if (exists(exe)) throw new MuxError(`Unable to spawn ${exe} because it is not executable (EACCES: Permission denied)`)
    throw new MuxError(`Unable to spawn ${exe} because it doesn't exist on the filesystem (ENOENT: No such file or directory)`)
  }
  return exe
}

function defaultShell(env) {
  if (env.SHELL && isExecutable(env.SHELL)) return env.SHELL
  try {
    return os.userInfo().shell || '/bin/sh'
  } catch {
    return '/bin/sh'
  }
}

/** SpawnV2 / Mux::spawn_tab_or_window. */
function spawn(req) {
  // Domain first (resolve_spawn_tab_domain), then the window, as WezTerm does.
  const domain = req.domain ?? 'local'
  if (!knownDomains.includes(domain)) {
    throw new MuxError(
      `resolve_spawn_tab_domain: domain name "${domain}" is invalid. Possible names are ${knownDomains.map((d) => `"${d}"`).join(', ')}.`,
    )
  }
  let win
  if (req.windowId !== null && req.windowId !== undefined) {
    win = windows.get(req.windowId)
    if (!win) throw new MuxError(`window_id ${req.windowId} not found on this server`)
  } else {
    win = { id: nextWindowId++, workspace: req.workspace ?? 'default', title: '', tabs: [] }
    windows.set(win.id, win)
  }

  const paneId = nextPaneId++ // allocated before the command is checked, as in LocalDomain::spawn_pane
  try {
    const home = baseEnv.HOME || os.homedir()
    const cwd = req.cwd && isDir(req.cwd) ? req.cwd : home
    const shell = defaultShell(baseEnv)
    const env = { ...baseEnv }
    delete env.APPIMAGE
    delete env.APPDIR
    delete env.OWD
    Object.assign(env, {
      SHELL: shell,
      TERM: 'xterm-256color',
      COLORTERM: 'truecolor',
      TERM_PROGRAM: 'WezTerm',
      TERM_PROGRAM_VERSION: VERSION,
      WEZTERM_UNIX_SOCKET: sockPath,
      WEZTERM_PANE: String(paneId),
    })
    let argv = req.argv
    let file
    const ssh = sshDomains[domain]
    if (ssh) {
      // The remote side gets the cwd and the command; the local ssh runs in HOME.
      const [host, port] = ssh.remote_address.split(':')
      const remote = `${req.cwd ? `cd ${shQuote(req.cwd)} && ` : ''}${argv.length ? `exec ${argv.map(shQuote).join(' ')}` : 'exec "$SHELL" -l'}`
      argv = ['ssh', '-tt', '-p', port ?? '22', ...(ssh.ssh_options ?? []), `${ssh.username}@${host}`, remote]
      file = searchPath('ssh', cwd, env)
    } else if (argv.length === 0) {
      // No PROG: the default program, a login shell.
      file = shell
      argv = [shell, '-l']
    } else {
      file = searchPath(argv[0], cwd, env)
    }
    let term
    try {
      term = pty.spawn(file, argv.slice(1), { name: 'xterm-256color', cols: COLS, rows: ROWS, cwd, env })
    } catch (err) {
      throw new MuxError(`Unable to spawn ${argv[0]}: ${err.message}`)
    }
    const tab = { id: nextTabId++, windowId: win.id, title: '', paneId }
    tabs.set(tab.id, tab)
    win.tabs.push(tab.id)
    const pane = {
      id: paneId,
      windowId: win.id,
      tabId: tab.id,
      domain,
      argv,
      cwd: ssh && req.cwd ? req.cwd : cwd,
      pid: term.pid,
      pty: term,
      ttyName: term.ptsName ?? null,
      killed: false,
      exited: false,
      screen: new Terminal({ rows: ROWS, cols: COLS, reply: (data) => safeWrite(pane, data) }),
    }
    panes.set(paneId, pane)
    record.push({ pane_id: paneId, window_id: win.id, tab_id: tab.id, domain, argv, cwd, pid: term.pid, tty_name: pane.ttyName, alive: true })
    writeRecord()
    term.onData((data) => pane.screen.feed(data))
    term.onExit(({ exitCode, signal: sig }) => {
      pane.exited = true
      dying.delete(pane)
      log(`pane ${paneId} (pid ${pane.pid}) exited: code ${exitCode} signal ${sig}`)
      // exit_behavior = "Close" (the default): the pane goes away with its program.
      removePane(pane)
      // Like dropping the pty master: whatever still holds the terminal gets a hangup.
      try {
        term.destroy()
      } catch {
        // already closed
      }
    })
    log(`pane ${paneId} spawned in domain ${domain}: pid ${term.pid} ${JSON.stringify(argv)} cwd ${cwd}`)
    return { pane_id: paneId, tab_id: tab.id, window_id: win.id }
  } catch (err) {
    if (win.tabs.length === 0) windows.delete(win.id)
    if (err instanceof MuxError) {
      throw new MuxError(`Spawning in domain \`${domain}\`: ${err.message}`)
    }
    throw err
  }
}

function safeWrite(pane, data) {
  try {
    pane.pty.write(data)
  } catch (err) {
    log(`write to pane ${pane.id} failed: ${err.message}`)
  }
}

function getPane(id) {
  const pane = panes.get(id)
  if (!pane) throw new MuxError(`no such pane ${id}`)
  return pane
}

/** The foreground process group leader's executable and cwd, as LocalPane divines them. */
function leaderInfo(pane) {
  let leader = pane.pid
  const stat = readProc(pane.pid, 'stat')
  if (stat) {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const tpgid = Number(fields[5])
    if (tpgid > 0) leader = tpgid
  }
  const info = {}
  for (const [key, link] of [
    ['exe', 'exe'],
    ['cwd', 'cwd'],
  ]) {
    try {
      info[key] = fs.readlinkSync(`/proc/${leader}/${link}`)
    } catch {
      // not readable, or gone
    }
  }
  return info
}

function listItems() {
  const items = []
  for (const win of [...windows.values()].sort((a, b) => a.id - b.id)) {
    for (const tabId of win.tabs) {
      const tab = tabs.get(tabId)
      const pane = tab && panes.get(tab.paneId)
      if (!pane) continue
      const screen = pane.screen
      const info = leaderInfo(pane)
      let title = screen.title
      if (title === 'wezterm' && info.exe) title = path.basename(info.exe.replace(/ \(deleted\)$/, ''))
      let cwd = screen.cwdUrl ?? ''
      if (!screen.cwdUrl && info.cwd) cwd = pathToFileURL(info.cwd.replace(/ \(deleted\)$/, '')).href
      items.push({
        window_id: win.id,
        tab_id: tab.id,
        pane_id: pane.id,
        workspace: win.workspace,
        size: { rows: ROWS, cols: COLS, pixel_width: 8 * COLS, pixel_height: 16 * ROWS, dpi: 0 },
        title,
        cwd,
        cursor_x: screen.x,
        cursor_y: screen.y,
        cursor_shape: screen.cursorShape,
        cursor_visibility: screen.cursorVisible ? 'Visible' : 'Hidden',
        left_col: 0,
        top_row: 0,
        tab_title: tab.title,
        window_title: win.title,
        is_active: true,
        is_zoomed: false,
        tty_name: pane.ttyName,
      })
    }
  }
  return items
}

function getText(req) {
  const pane = getPane(req.paneId)
  const { physicalTop, scrollbackTop, rows } = pane.screen.dimensions()
  const resolve = (n, dflt) => {
    if (n === null || n === undefined) return dflt
    if (n >= 0) return physicalTop + n
    return Math.max(physicalTop + n, scrollbackTop)
  }
  const start = resolve(req.startLine, physicalTop)
  const end = resolve(req.endLine, physicalTop + rows)
  const lines = pane.screen.lines(start, end + 1)
  if (req.escapes) return `${lines.map((l) => `${l}\r\n`).join('')}\n`
  return lines.map((l) => `${l}\n`).join('')
}

function sendText(req) {
  const pane = getPane(req.paneId)
  if (req.noPaste) {
    safeWrite(pane, req.text)
    return
  }
  // TerminalState::send_paste
  const bracketed = pane.screen.bracketedPaste
  let text = req.text
  if (!bracketed) text = text.replace(/\r\n|\r|\n/g, '\r')
  text = text.replaceAll('\x1b[200~', '').replaceAll('\x1b[201~', '')
  safeWrite(pane, bracketed ? `\x1b[200~${text}\x1b[201~` : text)
}

function killPane(pane, graceMs = KILL_GRACE_MS) {
  pane.killed = true
  removePane(pane)
  if (pane.exited) return
  dying.add(pane)
  signal(pane.pid, 'SIGHUP')
  try {
    pane.pty.destroy()
  } catch {
    // already closed
  }
  const timer = setTimeout(() => {
    if (groupAlive(pane.pid)) {
      log(`pane ${pane.id} (pid ${pane.pid}) survived SIGHUP: SIGKILL`)
      signal(pane.pid, 'SIGKILL')
    }
  }, graceMs)
  timer.unref()
}

let stopping = null

async function stopAll() {
  if (stopping) return stopping
  stopping = (async () => {
    const all = [...panes.values(), ...dying]
    for (const pane of [...panes.values()]) killPane(pane, 1000)
    const deadline = Date.now() + 3000
    while (all.some((p) => groupAlive(p.pid)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
      if (Date.now() > deadline - 2000) for (const p of all) if (groupAlive(p.pid)) signal(p.pid, 'SIGKILL')
    }
  })()
  return stopping
}

async function shutdown(code) {
  await stopAll()
  server.close()
  fs.rmSync(sockPath, { force: true })
  try {
    if (fs.readFileSync(pidPath, 'utf8').trim() === String(process.pid)) fs.rmSync(pidPath, { force: true })
  } catch {
    // gone
  }
  log('stopped')
  process.exit(code)
}

async function handle(req) {
  switch (req.op) {
    case 'ping':
      return { ok: true }
    case 'spawn':
      return { ok: true, result: spawn(req) }
    case 'list':
      return { ok: true, result: listItems() }
    case 'get-text':
      return { ok: true, result: getText(req) }
    case 'send-text':
      sendText(req)
      return { ok: true }
    case 'kill-pane':
      killPane(getPane(req.paneId))
      return { ok: true }
    case 'stop':
      await stopAll()
      return { ok: true }
    default:
      throw new MuxError(`expected a request, got ${req.op}`)
  }
}

const server = net.createServer((conn) => {
  let buf = ''
  conn.setEncoding('utf8')
  conn.on('error', () => {})
  conn.on('data', async (chunk) => {
    buf += chunk
    const nl = buf.indexOf('\n')
    if (nl < 0) return
    const line = buf.slice(0, nl)
    buf = ''
    let reply
    let req
    try {
      req = JSON.parse(line)
      reply = await handle(req)
    } catch (err) {
      if (!(err instanceof MuxError)) log(`internal error: ${err.stack ?? err}`)
      reply = { ok: false, error: `Error: ${err.message}` }
    }
    conn.end(`${JSON.stringify(reply)}\n`)
    if (req?.op === 'stop') conn.on('close', () => void shutdown(0))
  })
})

server.on('error', (err) => {
  log(`listen failed: ${err.message}`)
  fs.rmSync(pidPath, { force: true })
  process.exit(1)
})

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => void shutdown(0))
process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err}`))

writeRecord()
server.listen(sockPath, () => log(`listening on ${sockPath} (pid ${process.pid}); domains ${knownDomains.join(',')}`))
