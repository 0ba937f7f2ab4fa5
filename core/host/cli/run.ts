import type { ServerSpec } from '../../contract/servers'
import { createApiClient } from '../../contract/client'
import { isFinalState, type TaskSpecInput, type TaskView } from '../../contract/tasks'
import { splitUrlCredentials } from '../../opencode/auth'
import { ansi, stripAnsi } from '../../view/ansi'
import { sanitizeTerminalText as safe, terminalSafeJson } from '../../view/terminalText'
import { Engine } from '../engine'
import { flotillaHome } from '../../store/paths'
import { SettingsStore } from '../../store/settingsStore'
import { errorMessage } from '../../lib/errors'
import { LocalGit } from '../../workspace/git'
import { inspectRepo, resolveCommit } from '../../workspace/repo'
import { createInProcessTransport } from '../inProcessTransport'
import { LinePrefixer, summaryRow, summaryTable } from './runReport'
import { landingMissed, landResults } from './runLanding'
import { runPrinter, type RunStatus } from './runStatus'
import { PrepareSteps } from './prepareSteps'
import { attemptToLand, bestOfTasks, rankingLines } from './bestOf'
import { terminalSshAnswers } from './sshQuestions'
import type { LandReport } from '../../contract/tasks'
import type { Ask } from './ttyPrompt'
import type { RunOptions } from './runArgs'

export interface RunIo {
  out: (line: string) => void
  err: (line: string) => void
  color: boolean
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>
  /** Questions on the terminal (host keys, passphrases); absent when stdin is not a terminal. */
  ask?: Ask
}

/** What runArgs parses (tests may leave out what they do not need). */
export type RunCommandOptions = Omit<RunOptions, 'quiet' | 'models'> & { quiet?: boolean; models?: string[] }

/** `flotilla run`: start/attach servers, fan the prompts out, report, stop. Returns the exit code. */
export async function runCommand(options: RunCommandOptions, io: RunIo): Promise<number> {
  // What the worktrees start from is checked before any server starts: a bad --base is bad usage.
  const problem = options.isolate ? await workspaceProblem(options) : undefined
  if (problem) {
    if (options.json) io.out(terminalSafeJson({ type: 'error', message: problem }))
    else io.err(`flotilla run: ${problem}`)
    return 2
  }
  const quiet = Boolean(options.quiet) && !options.json
  const tasks = new Map<string, TaskView>()
  const serverNames = new Map<string, string>()
  const serverStates = new Map<string, string>()
  const serverKinds = new Map<string, string>()
  const serverNotes = new Map<string, string>()
  const prepare = new PrepareSteps()
  const status: RunStatus = { tasks, serverNames, serverStates, serverKinds, serverNotes, prepare, startedAt: Date.now() }
  // On a terminal, lines scroll above a live footer; a pipe (or --json, --quiet) gets plain lines.
  const printer = runPrinter(io, () => status, !options.json && !quiet)
  const out = printer.out
  const err = printer.err
  // A question on the terminal (host key, passphrase) is asked with the footer off the screen.
  const ask: Ask | undefined = io.ask
    ? async (question, askOptions) => {
        printer.suspend()
        try {
          return await io.ask!(question, askOptions)
        } finally {
          printer.resume()
        }
      }
    : undefined
  const engine = await Engine.create({
    demo: options.demo ? {} : false,
    strategy: options.strategy,
    noProgressMs: options.stallTimeoutMs,
    projectDir: options.dir,
    // What the app saved for a repository (setup, copy, verify) applies where no flag says otherwise.
    savedRepositories: options.isolate ? SettingsStore.readRepositories(flotillaHome().config) : undefined,
    ssh: {
      ...terminalSshAnswers({ acceptNewHostKey: options.acceptNewHostKey, err, ask }),
      confirmInstall: async ({ host, command }) => {
        if (options.installOpencode) {
          err(`opencode is missing on ${host}: running ${command} there (--install-opencode)`)
          return true
        }
        // Without the flag or a terminal, the server fails with the command to run by hand.
        if (!ask) return false
        const answer = (await ask(`opencode is not installed on ${host}. Install it there with "${command}"? [y/N] `)).trim().toLowerCase()
        return answer === 'y' || answer === 'yes'
      },
    },
  }).catch((error: unknown) => {
    printer.close()
    throw error
  })
  const paint = (f: (s: string) => string, s: string) => (io.color ? f(s) : s)
  const emit = (value: object) => out(terminalSafeJson(value))
  const lines = new LinePrefixer((taskId) => {
    const task = tasks.get(taskId)
    return paint(ansi.dim, `[${serverNames.get(task?.serverId ?? '') ?? task?.serverId ?? '?'} ${taskId}] `)
  })
  const client = createApiClient(createInProcessTransport(engine))
  client.on('notice', (n) => {
    if (options.json) emit({ type: 'notice', ...n })
    else if (!(quiet && n.level === 'info')) err(paint(n.level === 'error' ? ansi.red : ansi.yellow, `${n.level}: ${n.message}`))
  })
  // What a launcher prints (an install's progress, a reattach) goes to stderr, never into --json's stdout.
  client.on('server.output', ({ id, line }) => {
    if (line.trim()) serverNotes.set(id, line)
    if (!quiet) err(paint(ansi.dim, `[${serverNames.get(id) ?? id}] ${safe(line)}`))
    printer.refresh()
  })
  client.on('server.updated', (view) => {
    serverStates.set(view.id, view.state)
    if (status.step) status.step = startingStep()
    printer.refresh()
  })
  const startingStep = () => {
    const ready = [...serverNames.keys()].filter((id) => serverStates.get(id) === 'ready').length
    return `starting ${serverNames.size} server${serverNames.size === 1 ? '' : 's'}: ${ready} ready`
  }
  client.on('attention.added', (a) => {
    if (options.json) emit({ type: 'attention', ...a })
    else err(paint(ansi.yellow, `⚠ ${a.taskId ?? a.sessionId} on ${serverNames.get(a.serverId) ?? a.serverId} waits for a ${a.kind}: ${safe(a.title)} (answer it in the app; this run waits or times out)`))
  })
  let code = 1
  try {
    const specs = buildSpecs(options)
    for (const { spec } of specs) {
      serverNames.set(spec.id, spec.name)
      serverKinds.set(spec.id, spec.kind)
    }
    status.step = startingStep()
    if (!options.json && !quiet) err(paint(ansi.dim, `starting ${specs.length} server${specs.length === 1 ? '' : 's'}…`))
    printer.refresh()
    const started = await Promise.all(
      specs.map(async ({ spec, password }) => {
        await client['servers.add']({ spec, password, start: true, persist: false })
        return engine.fleet.view(spec.id)
      }),
    )
    status.step = undefined
    for (const view of started) {
      serverStates.set(view.id, view.state)
      if (options.json) emit({ type: 'server', ...view })
      else if (!quiet || view.state !== 'ready') err(`${view.state === 'ready' ? paint(ansi.green, '●') : paint(ansi.red, '●')} ${view.name} ${view.state}${view.baseUrl ? ` ${view.baseUrl}` : ''}${view.version ? ` (opencode ${view.version})` : ''}${view.lastError ? ` — ${view.lastError}` : ''}`)
    }
    // Task output is the session renderer's: model and tool text in it is already made safe there.
    // Subscribed like a pane: a terminal slower than the agents loses the oldest chunks, counted, instead of growing memory.
    const output = engine.hub.subscribeOutput({}, () => printOutput())
    const printOutput = () => {
      const { items, dropped } = output.drain()
      if (dropped && !quiet) {
        const message = `${dropped} pieces of task output were dropped (they came faster than they could be written)`
        if (options.json) emit({ type: 'notice', level: 'warning', message })
        else err(paint(ansi.yellow, `warning: ${message}`))
      }
      for (const { taskId, text } of items) {
        const task = tasks.get(taskId)
        if (printer.footer) prepare.noteOutput(task, text)
        if (options.json) emit({ type: 'output', taskId, serverId: task?.serverId, text })
        else if (!quiet) for (const line of lines.push(taskId, io.color ? text : stripAnsi(text))) out(line)
      }
    }
    engine.scheduler.on('task', (task) => {
      tasks.set(task.id, task)
      if (task.state !== 'dispatched') prepare.forget(task.id)
      printer.refresh()
      if (isFinalState(task.state)) printOutput() // output still waiting for the subscription's microtask comes before the task's end
      if (options.json) emit({ type: 'task', id: task.id, state: task.state, serverId: task.serverId, attempts: task.attempts.length, error: task.error })
      else reportTransition(task)
    })
    const reportTransition = (task: TaskView) => {
      const tag = paint(ansi.dim, `[${serverNames.get(task.serverId ?? '') ?? task.serverId ?? '-'} ${task.id}] `)
      if (task.state === 'dispatched' && !quiet) out(tag + paint(ansi.bold, `▶ ${safe(task.prompt.split('\n')[0]!).slice(0, 100)}`))
      if (isFinalState(task.state)) {
        for (const line of lines.flush(task.id)) out(line)
        const mark = task.state === 'completed' ? paint(ansi.green, '✔ completed') : paint(task.state === 'failed' ? ansi.red : ansi.yellow, `✘ ${task.state}: ${safe(task.error ?? '')}`)
        out(tag + mark)
      } else if (task.state === 'queued' && task.attempts.length > 0 && !quiet) {
        out(tag + paint(ansi.yellow, `↻ re-queued after attempt ${task.attempts.length}: ${safe(task.attempts.at(-1)?.error ?? '')}`))
      }
    }
    for (const task of await client['tasks.submit']({ tasks: buildTasks(options), maxCost: options.maxCost })) tasks.set(task.id, task)
    const outcome = await Promise.race([
      waitAllFinal(engine).then(() => 'done' as const),
      io.interrupted.then(() => 'interrupted' as const),
    ])
    // From here on plain lines: the landing, the summary (and on Ctrl-C, the cancelling).
    printer.close()
    if (outcome === 'interrupted') {
      if (!options.json) err(paint(ansi.yellow, 'interrupted: cancelling tasks and stopping servers…'))
      for (const task of engine.scheduler.list()) if (!isFinalState(task.state)) engine.scheduler.cancel(task.id)
      await waitAllFinal(engine, 5_000)
    }
    const final = [...tasks.values()].sort((a, b) => a.createdAt - b.createdAt)
    const name = (id: string) => serverNames.get(id) ?? id
    // --best-of: the attempts ranked (the engine's tasks.compare), and --land takes only the best one that passed.
    const ranking = options.bestOf && outcome === 'done' ? await client['tasks.compare']({ ids: final.map((t) => t.id) }) : undefined
    const chosen = ranking ? attemptToLand(ranking.entries) : undefined
    if (ranking && !options.json) for (const line of rankingLines(ranking.rule, ranking.entries, name)) out(line)
    let lands = new Map<string, LandReport>()
    if (ranking && options.land) {
      for (const t of final) if (t.id !== chosen?.taskId) lands.set(t.id, { status: 'skipped', reason: chosen ? `not the best attempt (${chosen.taskId} is)` : 'no attempt changed something and passed its verify' })
    }
    if (options.land && outcome === 'done') {
      const landing = ranking ? final.filter((t) => t.id === chosen?.taskId) : final
      for (const [id, report] of await landResults(engine.workspaces, landing, options, {
        line: (taskId, kind, text) => {
          if (options.json) return emit({ type: 'land', taskId, kind, message: text })
          const tag = taskId ? paint(ansi.dim, `[${name(tasks.get(taskId)?.serverId ?? '-')} ${taskId}] `) : ''
          const mark = { landed: paint(ansi.green, '⇢'), 'not-landed': paint(ansi.red, '✘'), info: paint(ansi.dim, '·'), warning: paint(ansi.yellow, '⚠') }[kind]
          out(`${tag}${mark} ${safe(text)}`)
        },
      }))
        lands.set(id, report)
    }
    const ranks = new Map(ranking?.entries.map((e) => [e.taskId, { rank: e.rank, reason: e.reason }]))
    if (options.json) emit({ type: 'summary', ...(ranking ? { rule: ranking.rule } : {}), tasks: final.map((t) => ({ ...summaryRow(t, name), ...ranks.get(t.id), ...(options.land ? { land: lands.get(t.id) ?? { status: 'skipped', reason: t.state === 'completed' ? 'not in a worktree' : `the task ${t.state}` } } : {}) })) })
    else out('\n' + summaryTable(final, io.color, name, options.land ? lands : undefined))
    // --best-of asks for one good result, not N: it succeeds when one attempt is fit to land (and, with --land, landed).
    code = ranking
      ? chosen && (!options.land || lands.get(chosen.taskId)?.status === 'landed') ? 0 : 1
      : final.every((t) => t.state === 'completed') && !(options.land && final.some((t) => landingMissed(lands.get(t.id), t))) ? 0 : 1
    if (!options.json) {
      const isolated = final.filter((t) => t.result?.isolation === 'worktree')
      if (isolated.some((t) => t.result?.headSha)) out(worktreeNote(options.keepWorktrees))
      else if (isolated.length) out(`No task changed a file (each ran in its own worktree${options.keepWorktrees ? ', kept' : ', now removed'}).`)
      const shared = final.find((t) => t.state === 'completed' && t.result?.isolation !== 'worktree')
      if (shared) out(`Tasks shared their server's folder (${options.isolate ? (shared.result?.sharedReason ?? `${options.dir} is not in a git repository`) : '--no-isolate'}).`)
    }
  } catch (error) {
    if (options.json) emit({ type: 'error', message: (error as Error).message })
    else err(paint(ansi.red, `flotilla run: ${(error as Error).message}`))
    code = 1
  } finally {
    printer.close()
    // The branches are the results; the worktrees go with the run unless kept (the servers still run: their instances are freed too).
    if (options.keepWorktrees) await engine.workspaces.keepAll()
    else for (const failure of await engine.workspaces.discardAll()) err(paint(ansi.yellow, `warning: a worktree could not be removed: ${safe(failure)}`))
    client.close()
    await engine.close()
  }
  return code
}

function buildSpecs(options: RunCommandOptions): Array<{ spec: ServerSpec; password?: string }> {
  const specs: Array<{ spec: ServerSpec; password?: string }> = []
  for (let i = 1; i <= options.local; i++) {
    specs.push({ spec: { kind: 'local', id: `local-${i}`, name: `local-${i}`, capacity: options.capacity, directory: options.dir, demo: options.demo } })
  }
  options.ssh.forEach((dest, i) => {
    specs.push({
      spec: {
        kind: 'ssh',
        id: `ssh-${i + 1}`,
        name: dest.label,
        capacity: options.capacity,
        host: dest.host,
        user: dest.user,
        port: dest.port,
        remoteDirectory: options.remoteDir,
        demo: options.demo,
      },
    })
  })
  options.servers.forEach((raw, i) => {
    const { baseUrl, auth } = splitUrlCredentials(raw)
    const password = auth?.password ?? (options.passwordEnv ? process.env[options.passwordEnv] : undefined)
    specs.push({
      // --dir names the project on this machine: an attached server works there only when asked.
      spec: { kind: 'url', id: `server-${i + 1}`, name: new URL(baseUrl).host, capacity: options.capacity, baseUrl, username: auth?.username, directory: options.dirGiven ? options.dir : undefined },
      password,
    })
  })
  return specs
}

/**
 * Tasks carry no directory: each runs in its server's (the local --dir, or the --remote-dir over
 * SSH), or in its own worktree of --dir's repository (planned at submit; a folder in no
 * repository is shared, and a notice says so).
 */
function buildTasks(options: RunCommandOptions): TaskSpecInput[] {
  const specs = options.prompts.map((prompt) => ({
    prompt,
    target: options.broadcast ? { kind: 'broadcast' as const } : { kind: 'any' as const },
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    agent: options.agent,
    model: options.model,
    workspace: options.isolate ? { repo: options.dir, base: options.base, includeDirty: options.includeDirty, setup: options.setup, copy: options.copy, verify: options.verify } : undefined,
  }))
  return options.bestOf ? bestOfTasks(specs[0]!, options.bestOf, options.models ?? []) : specs
}

async function workspaceProblem(options: RunCommandOptions): Promise<string | undefined> {
  const git = new LocalGit()
  try {
    const facts = await inspectRepo(git, options.dir)
    // Attempts that shared one folder would write over each other, and compare nothing.
    if (!facts) return options.bestOf ? `--best-of: expected --dir in a git repository (each attempt gets its own worktree), got ${options.dir}, which is in none` : undefined
    if (!facts.head) return `${facts.root} has no commit yet, so there is nothing to start the worktrees from: commit once, or run with --no-isolate`
    if (options.base !== undefined) await resolveCommit(git, facts.root, options.base)
    return undefined
  } catch (error) {
    return `--base: ${errorMessage(error)}`.replace(/^--base: (?!expected a git ref)/, '')
  }
}

function worktreeNote(kept: boolean): string {
  return kept ? 'Results are on the branches flotilla/<task>; the worktrees were kept.' : 'Results are on the branches flotilla/<task> (git log, git diff, git merge); the worktrees were removed.'
}

/**
 * Resolves when every task is final. When no server can take work any more (all failed or
 * stopped), queued tasks would wait forever: they are cancelled with a reason instead.
 */
function waitAllFinal(engine: Engine, timeoutMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const all = engine.scheduler.list()
      if (all.every((t) => isFinalState(t.state))) return finish()
      const servers = engine.fleet.list()
      if (servers.length > 0 && servers.every((s) => s.state === 'failed' || s.state === 'stopped')) {
        for (const t of all) if (t.state === 'queued') engine.scheduler.cancel(t.id)
      }
    }
    const timer = setInterval(check, 200)
    const deadline = timeoutMs ? setTimeout(() => finish(), timeoutMs) : undefined
    const finish = () => {
      clearInterval(timer)
      clearTimeout(deadline)
      engine.scheduler.off('task', check)
      resolve()
    }
    engine.scheduler.on('task', check)
    check()
  })
}
