import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { demoServerEnv, PLUGIN_DEPENDENCY_LOCK } from '../../core/demo/opencodeConfig'
import { knownHostsLine } from '../support/sshd'
import { startHarness, type Harness } from '../support/harness'
import { standinSshDomain, stopWeztermStandin, WEZTERM_STANDIN } from '../support/wezterm-standin'
import { makeRepo, type TestRepo } from './gitRepo'
import { addRemoteUser, makeNetwork, remoteMachineMissing, sh, startRemoteMachine, type Network, type RemoteMachine, type RemoteUser } from './remoteMachine'

// A task on another machine keeps its worktree THERE after its result came home, exactly as a
// local task keeps its worktree here: a shell or the TUI opens in it, a follow-up goes on in it,
// and it goes when the result is landed or discarded, at the end of a run, or when an engine
// without a journal closes. Two "machines": real sshds in a network namespace (their loopback,
// where opencode listens, is out of reach from here), logged in to as a Unix user of the test's
// own who cannot read the local repository; the opencode there is a real one with the scripted
// model. One is an SSH server; on the other a WezTerm SSH domain runs its server. WezTerm cannot
// be installed here: the stand-in `wezterm` (test/support/wezterm-standin) runs the domain's pane
// through `ssh -tt`, and Flotilla reaches that host over its own SSH link, as with real WezTerm.
const missing = remoteMachineMissing('the kept remote worktree tests')

let network: Network
let user: RemoteUser
let box: RemoteMachine
let far: RemoteMachine
let h: Harness
let scratch: string
let standinDir: string
let configDir: string
let modelTunnel: { close(): void } | undefined
let r: TestRepo

beforeAll(async () => {
  if (missing) return
  scratch = mkdtempSync(join(tmpdir(), 'flotilla-remote-kept-'))
  standinDir = mkdtempSync(join(tmpdir(), 'flotilla-remote-kept-wez-'))
  r = makeRepo('flotilla-remote-kept-repo-', { 'a.txt': 'a\n', '.gitignore': 'cache/\n' })
  network = await makeNetwork()
  user = addRemoteUser()
  box = await startRemoteMachine(network, user.name)
  // The WezTerm domain's opencode is not one Flotilla configures (it runs whatever the host has):
  // that host's sessions get the scripted model's config file and opencode's offline switches.
  configDir = mkdtempSync(join(tmpdir(), 'flotilla-remote-kept-config-'))
  chmodSync(configDir, 0o755)
  const configPath = join(configDir, 'opencode.json')
  const offline = Object.fromEntries(Object.entries(demoServerEnv(configPath, configDir)).filter(([k]) => k.startsWith('OPENCODE_') && k !== 'OPENCODE_TEST_HOME'))
  far = await startRemoteMachine(network, user.name, { env: offline })
  const sshHome = join(scratch, 'home')
  mkdirSync(join(sshHome, '.ssh'), { recursive: true, mode: 0o700 })
  const knownHosts = join(sshHome, '.ssh', 'known_hosts')
  writeFileSync(knownHosts, `${knownHostsLine(box.sshd)}\n${knownHostsLine(far.sshd)}\n`)
  // Flotilla's link to the domain's host finds its key through ~/.ssh/config, as WezTerm's own connection would.
  writeFileSync(join(sshHome, '.ssh', 'config'), `Host ${network.nsAddress}\n  IdentityFile ${far.sshd.userKey}\n`)
  process.env.WEZTERM_STANDIN_DIR = standinDir
  process.env.WEZTERM_STANDIN_SSH_DOMAINS = JSON.stringify({ far: standinSshDomain(`${network.nsAddress}:${far.sshd.port}`, user.name, far.sshd.userKey, knownHosts) })
  h = await startHarness(0, {
    worktreesDir: join(scratch, 'worktrees'),
    wezterm: { binary: WEZTERM_STANDIN, pollMs: 300 },
    weztermDomainsFile: join(scratch, 'flotilla-domains.lua'),
    ssh: { stateDir: join(scratch, 'ssh-state'), knownHostsPath: knownHosts, config: { home: sshHome }, agent: '', link: { backoff: { baseMs: 100, capMs: 500 } } },
  })
  // The scripted model reaches the domain's host through a reverse tunnel of the test's own connection there.
  const demo = h.engine.demo!.remote()
  const reverse = await far.connection.reverse(demo.modelPort, 0)
  modelTunnel = reverse
  writeFileSync(configPath, JSON.stringify(demo.config(`http://127.0.0.1:${reverse.remotePort}/v1`)))
  chmodSync(configPath, 0o644)
  // opencode waits for a plugin install in its config folder unless it looks done (see PLUGIN_DEPENDENCY_LOCK).
  await sh(far.exec, `mkdir -p "$XDG_CONFIG_HOME/opencode/node_modules" && printf '%s' '${PLUGIN_DEPENDENCY_LOCK}' > "$XDG_CONFIG_HOME/opencode/package-lock.json"`)
  await h.engine.addServer(
    { kind: 'ssh', id: 'box', name: 'box', capacity: 2, host: box.sshd.host, port: box.sshd.port, user: user.name, identityFile: box.sshd.userKey, remoteDirectory: box.home, demo: true },
    { start: true },
  )
  expect(h.engine.fleet.view('box').state, h.engine.fleet.view('box').lastError).toBe('ready')
  h.engine.weztermDomains.add({ name: 'far', remoteAddress: `${network.nsAddress}:${far.sshd.port}`, username: user.name })
  const wez = await h.engine.addServer({ kind: 'wezterm', id: 'wez-far', name: 'wez-far', capacity: 1, domain: 'far', directory: far.home, demo: false }, { start: true })
  expect(wez.state, wez.lastError).toBe('ready')
}, 240_000)

afterAll(async () => {
  // Whatever a failed test left: the worktrees go (here and there), then everything that runs.
  await h?.engine.workspaces.discardAll()
  await h?.close()
  modelTunnel?.close()
  if (standinDir) await stopWeztermStandin(standinDir)
  await box?.close()
  await far?.close()
  user?.remove()
  await network?.remove()
  r?.remove()
  for (const dir of [scratch, standinDir, configDir]) if (dir) rmSync(dir, { recursive: true, force: true })
  delete process.env.WEZTERM_STANDIN_DIR
  delete process.env.WEZTERM_STANDIN_SSH_DOMAINS
}, 90_000)

const write = (file: string, content: string) => `@tool write ${JSON.stringify({ filePath: file, content })}\n@reply wrote ${file}`

async function runOn(serverId: string, prompt: string): Promise<TaskView> {
  const [task] = await h.submit([{ prompt, target: { kind: 'server', serverId }, workspace: { repo: r.root } }])
  const [done] = await h.waitTasks([task!.id], 150_000)
  expect(done!.state, done!.error).toBe('completed')
  return done!
}

/** Whether a folder is there on that machine. */
async function there(machine: RemoteMachine, path: string): Promise<boolean> {
  return (await sh(machine.exec, `if test -e '${path}'; then echo yes; else echo no; fi`)).trim() === 'yes'
}

/** A terminal's output as the dispatcher pushed it. */
const terminalOutput = (terminalId: string) =>
  h.pushes
    .filter((p) => p.event === 'terminals.data' && (p.payload as { terminalId: string }).terminalId === terminalId)
    .map((p) => (p.payload as { data: string }).data)
    .join('')

/** Runs `command` in a shell opened for the task's worktree and returns what it printed (through the marker line). */
async function inWorktreeShell(taskId: string, command: string): Promise<{ title: string; output: string }> {
  const shell = await h.client['terminals.open']({ kind: 'shell', taskId })
  try {
    await h.client['terminals.write']({ terminalId: shell.terminalId, data: `${command}; echo "END""MARK"\r` })
    await h.waitFor('the shell to answer', () => terminalOutput(shell.terminalId).includes('ENDMARK'), 20_000)
    return { title: shell.title, output: terminalOutput(shell.terminalId) }
  } finally {
    await h.client['terminals.close']({ terminalId: shell.terminalId })
  }
}

/** The argument lists of the processes running here whose arguments include all of `args`. */
function processesWith(...args: string[]): string[][] {
  const found: string[][] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (args.every((a) => argv.includes(a))) found.push(argv)
    } catch {
      // gone meanwhile
    }
  }
  return found
}

describe.skipIf(missing)('a task on an SSH server keeps its worktree there', () => {
  it('is there after the task, at the result; a shell for it runs there, in it; the TUI here attaches on that folder; discard removes it', async () => {
    const done = await runOn('box', write('kept.txt', 'kept over there\n'))
    const worktree = done.result!.worktree!
    expect(worktree.startsWith(`${box.home}/.flotilla/worktrees/`), worktree).toBe(true)
    expect(done.result!.worktreeHost).toBe(`${user.name}@${box.sshd.host}`)
    expect((await sh(box.exec, `git -C '${worktree}' rev-parse HEAD`)).trim()).toBe(done.result!.headSha)
    expect(r.git('show', `${done.result!.branch}:kept.txt`)).toBe('kept over there')

    const shell = await inWorktreeShell(done.id, 'pwd; whoami; git rev-parse HEAD; cat kept.txt')
    expect(shell.title).toBe(`shell · box · ${basename(worktree)}`)
    for (const line of [worktree, user.name, done.result!.headSha!, 'kept over there']) expect(shell.output).toContain(line)

    const tui = await h.client['terminals.open']({ kind: 'tui', taskId: done.id })
    try {
      expect(tui.title).toBe(`tui · box · ${basename(worktree)}`)
      // The embedded opencode TUI runs here, attached to the server through its tunnel, on the folder there.
      const baseUrl = h.engine.fleet.get('box').instance!.baseUrl
      await h.waitFor('the TUI to run', () => processesWith('attach', baseUrl, '--dir', worktree).length > 0, 10_000)
    } finally {
      await h.client['terminals.close']({ terminalId: tui.terminalId })
    }

    await h.client['tasks.discard']({ id: done.id })
    expect(await there(box, worktree)).toBe(false)
    expect(r.git('branch', '--list', done.result!.branch!)).toBe('')
    await expect(h.client['terminals.open']({ kind: 'shell', taskId: done.id })).rejects.toThrow(/worktree is kept.*discarded/)
  }, 240_000)

  it('a follow-up goes on in the kept worktree (what the task left there is still there); landing the result removes it', async () => {
    const first = await runOn('box', write('one.txt', 'one\n'))
    const worktree = first.result!.worktree!
    // Something ignored, as a dependency install leaves: a worktree made again would not have it.
    await sh(box.exec, `mkdir -p '${worktree}/cache' && echo warm > '${worktree}/cache/deps'`)
    const follow = await h.client['tasks.followUp']({ id: first.id, prompt: write('two.txt', 'two\n') })
    const [followed] = await h.waitTasks([follow.id], 150_000)
    expect(followed!.state, followed!.error).toBe('completed')
    expect(followed!.result!.worktree).toBe(worktree)
    expect((await sh(box.exec, `cat '${worktree}/cache/deps'`)).trim()).toBe('warm')
    expect(h.engine.outputs.get(follow.id)).not.toMatch(/bytes sent/)
    expect((await sh(box.exec, `git -C '${worktree}' rev-parse HEAD`)).trim()).toBe(followed!.result!.headSha)
    expect(r.git('log', '-1', '--format=%P', followed!.result!.headSha!)).toBe(first.result!.headSha)

    const landed = await h.client['tasks.land']({ id: follow.id })
    expect(landed.result!.land!.status).toBe('landed')
    expect(landed.result!.worktree).toBeUndefined()
    expect(await there(box, worktree)).toBe(false)
    expect(r.git('show', 'HEAD:two.txt')).toBe('two')
  }, 300_000)

  it('while its server is stopped a shell or TUI there is refused, saying what to do; once it runs again both work, over its new connection', async () => {
    const done = await runOn('box', write('later.txt', 'later\n'))
    const worktree = done.result!.worktree!
    await h.engine.fleet.get('box').stop()
    const host = `${user.name}@${box.sshd.host}`
    await expect(h.client['terminals.open']({ kind: 'shell', taskId: done.id })).rejects.toThrow(`start box to open a shell in its worktree on ${host}`)
    await expect(h.client['terminals.open']({ kind: 'tui', taskId: done.id })).rejects.toThrow(`start box to open a TUI in its worktree on ${host}`)
    expect(await there(box, worktree)).toBe(true)
    await h.engine.fleet.get('box').start()
    expect(h.engine.fleet.view('box').state).toBe('ready')
    const shell = await inWorktreeShell(done.id, 'pwd; cat later.txt')
    expect(shell.output).toContain(worktree)
    expect(shell.output).toContain('later')
    // Its worktree is removed over the server's new connection too.
    await h.client['tasks.discard']({ id: done.id })
    expect(await there(box, worktree)).toBe(false)
  }, 240_000)
})

describe.skipIf(missing)('a task on a WezTerm SSH-domain server (stand-in wezterm, as WezTerm cannot be installed here)', () => {
  it('gets a worktree on the domain\'s host, its branch comes home, a shell for it runs there; discard removes it', async () => {
    const instance = h.engine.fleet.get('wez-far').instance!
    expect(instance.directory).toBe(far.home)
    expect(instance.home).toBe(far.home)
    const head = r.git('rev-parse', 'HEAD')
    const done = await runOn('wez-far', write('wez.txt', 'from the domain\n'))
    expect(done.result).toMatchObject({ isolation: 'worktree', branch: `flotilla/${done.id}`, baseSha: head, files: [{ file: 'wez.txt', status: 'added' }] })
    const worktree = done.result!.worktree!
    expect(worktree.startsWith(`${far.home}/.flotilla/worktrees/`), worktree).toBe(true)
    expect(done.result!.worktreeHost).toBe(`${user.name}@${network.nsAddress}`)
    expect(r.git('show', `${done.result!.branch}:wez.txt`)).toBe('from the domain')
    expect(r.git('log', '-1', '--format=%an <%ae>', done.result!.branch!)).toBe('Ann Local <ann@local.invalid>')
    // It ran there, not in the domain's folder: that has no such file.
    expect(await there(far, `${far.home}/wez.txt`)).toBe(false)
    expect((await sh(far.exec, `git -C '${worktree}' rev-parse HEAD`)).trim()).toBe(done.result!.headSha)
    const shell = await inWorktreeShell(done.id, 'pwd; whoami; cat wez.txt')
    for (const line of [worktree, user.name, 'from the domain']) expect(shell.output).toContain(line)
    await h.client['tasks.discard']({ id: done.id })
    expect(await there(far, worktree)).toBe(false)
  }, 240_000)
})

describe.skipIf(missing)('kept remote worktrees at the end', () => {
  it('the end of a run removes them (discardAll), --keep-worktrees leaves them with no note here, and an engine without a journal removes them when it closes', async () => {
    const ran = await runOn('box', write('run.txt', 'r\n'))
    expect(await there(box, ran.result!.worktree!)).toBe(true)
    expect(await h.engine.workspaces.discardAll()).toEqual([])
    expect(await there(box, ran.result!.worktree!)).toBe(false)

    const kept = await runOn('box', write('kept2.txt', 'k\n'))
    expect(await h.engine.workspaces.keepAll()).toEqual([kept.result!.worktree])
    expect(await there(box, kept.result!.worktree!)).toBe(true)
    // No local owner note was written at that path (it names a folder on the other machine): the note there is the remote one, marked kept,
    // so the sweep of a later process (this one's pid will be gone) keeps it.
    const note = await sh(box.exec, `cat '${kept.result!.worktree}.owner.json' 2>/dev/null || true`)
    expect(note).not.toContain('"state"')
    expect(JSON.parse(note)).toMatchObject({ kept: true, pid: process.pid })
    // (Kept means kept: the test removes it itself.)
    await sh(box.exec, `rm -rf '${kept.result!.worktree}'`)

    const [onBox, onFar] = await Promise.all([runOn('box', write('close.txt', 'c\n')), runOn('wez-far', write('close.txt', 'c\n'))])
    expect(await there(box, onBox!.result!.worktree!)).toBe(true)
    expect(await there(far, onFar!.result!.worktree!)).toBe(true)
    await h.close()
    expect(await there(box, onBox!.result!.worktree!)).toBe(false)
    expect(await there(far, onFar!.result!.worktree!)).toBe(false)
  }, 300_000)
})
