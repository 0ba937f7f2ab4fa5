import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A stand-in `wezterm` executable (WezTerm itself cannot be installed here) implementing
 * `wezterm cli spawn | list | get-text | send-text | kill-pane` like WezTerm 20240203-110809-5046fc22,
 * plus the stand-in-only `wezterm standin-stop`. Every call needs `WEZTERM_STANDIN_DIR` (the state
 * dir); the first call starts a detached mux-server daemon there that keeps the caller's
 * environment and gives it to every pane. Extra domain names (besides `local`) come from
 * `WEZTERM_STANDIN_DOMAINS` (comma-separated, read when the daemon starts); their panes still run
 * locally and `<dir>/panes.json` records each pane's domain. SSH domains come from
 * `WEZTERM_STANDIN_SSH_DOMAINS` (JSON {name: {remote_address, username, ssh_options}}): their panes
 * run the command on that host through the system `ssh -tt` (WezTerm has its own SSH client).
 * End it all with stopWeztermStandin.
 */
export const WEZTERM_STANDIN: string = fileURLToPath(new URL('./wezterm', import.meta.url))

/**
 * One SSH domain of `WEZTERM_STANDIN_SSH_DOMAINS`: `remoteAddress` as `username`, with only
 * `identityFile`, the host checked against `knownHosts`, never a question (BatchMode).
 */
export function standinSshDomain(remoteAddress: string, username: string, identityFile: string, knownHosts: string): { remote_address: string; username: string; ssh_options: string[] } {
  return {
    remote_address: remoteAddress,
    username,
    ssh_options: ['-F', '/dev/null', '-i', identityFile, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'],
  }
}

const DAEMON_SCRIPT = fileURLToPath(new URL('./daemon.mjs', import.meta.url))

interface PaneRecord {
  pane_id: number
  pid: number
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'latin1')
  } catch {
    return null
  }
}

/** State and process group of a live (non-zombie) process, or null. */
function stat(pid: number): { state: string; ppid: number; pgrp: number } | null {
  const text = read(`/proc/${pid}/stat`)
  if (text === null) return null
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const state = fields[0] ?? ''
  if (state === 'Z' || state === 'X') return null
  return { state, ppid: Number(fields[1]), pgrp: Number(fields[2]) }
}

function environHas(pid: number, entry: string): boolean {
  const env = read(`/proc/${pid}/environ`)
  return env !== null && `\0${env}\0`.includes(`\0${entry}\0`)
}

/** This process and its ancestors: never ours to kill, whatever their environment says. */
function ancestors(): Set<number> {
  const out = new Set<number>()
  let pid = process.pid
  while (pid > 1 && !out.has(pid)) {
    out.add(pid)
    pid = stat(pid)?.ppid ?? 0
  }
  return out
}

/**
 * Live processes belonging to the stand-in in `dir`: its daemon, the process groups of its panes,
 * and every process whose environment carries the `WEZTERM_UNIX_SOCKET=<dir>/sock` the daemon gives
 * its panes (pane descendants that left the group). Other processes that merely inherited
 * `WEZTERM_STANDIN_DIR` (say, from a test that set it in process.env) are left alone.
 */
function targets(dir: string, keep: Set<number>): { pids: Set<number>; groups: Set<number> } {
  const marker = `WEZTERM_STANDIN_DIR=${dir}`
  const paneMarker = `WEZTERM_UNIX_SOCKET=${dir}/sock`
  const pids = new Set<number>()
  const groups = new Set<number>()

  const daemonPid = Number((read(`${dir}/daemon.pid`) ?? '').trim())
  if (daemonPid > 0 && stat(daemonPid) && (read(`/proc/${daemonPid}/cmdline`) ?? '').includes(DAEMON_SCRIPT)) pids.add(daemonPid)

  let panes: PaneRecord[] = []
  try {
    panes = JSON.parse(read(`${dir}/panes.json`) ?? '[]') as PaneRecord[]
  } catch {
    // a torn or missing file: the environment scan below still finds the panes
  }
  for (const pane of panes) {
    // Guard against pid reuse: the process must still be that pane's.
    if (stat(pane.pid) && environHas(pane.pid, paneMarker) && environHas(pane.pid, `WEZTERM_PANE=${pane.pane_id}`)) {
      pids.add(pane.pid)
      groups.add(pane.pid)
    }
  }

  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    const s = stat(pid)
    if (!s) continue
    if (groups.has(s.pgrp) || environHas(pid, paneMarker)) pids.add(pid)
    else if ((read(`/proc/${pid}/cmdline`) ?? '').includes(DAEMON_SCRIPT) && environHas(pid, marker)) pids.add(pid)
  }
  for (const pid of keep) {
    pids.delete(pid)
    groups.delete(pid)
  }
  return { pids, groups }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone, or not ours
  }
}

/**
 * Stops the stand-in whose state dir is `dir`: hangs up every pane (process group), terminates the
 * daemon, SIGKILLs whatever is left after a short grace, and waits until none of it runs. Safe to
 * call twice or when nothing was ever started. Throws if something refuses to die.
 */
export async function stopWeztermStandin(dir: string): Promise<void> {
  const abs = resolve(dir)
  const keep = ancestors()
  let { pids, groups } = targets(abs, keep)
  for (const pgid of groups) kill(-pgid, 'SIGHUP')
  for (const pid of pids) kill(pid, groups.has(pid) ? 'SIGHUP' : 'SIGTERM')

  const graceUntil = Date.now() + 1500
  const deadline = Date.now() + 8000
  for (;;) {
    ;({ pids, groups } = targets(abs, keep))
    if (pids.size === 0) break
    if (Date.now() > deadline) {
      throw new Error(`wezterm stand-in in ${abs}: processes still running: ${[...pids].join(', ')}`)
    }
    if (Date.now() > graceUntil) {
      for (const pgid of groups) kill(-pgid, 'SIGKILL')
      for (const pid of pids) kill(pid, 'SIGKILL')
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  rmSync(`${abs}/sock`, { force: true })
  rmSync(`${abs}/daemon.pid`, { force: true })
}
