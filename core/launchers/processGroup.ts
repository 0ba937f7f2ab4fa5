import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { PermanentError } from '../lib/errors'
import { localDirectoryProblem } from './localDirectory'

/**
 * Runs a command as the child of a tiny `sh` guard in its own process group, so that:
 * - stop() signals the whole group (opencode and anything it started);
 * - if Flotilla dies without cleaning up (even SIGKILL), the guard sees its stdin pipe close
 *   and stops the command: no orphan outlives Flotilla.
 * The guard prints the command's pid on stderr ("flotilla-child-pid N") before anything else.
 * Its first stdin line is a secret for the command's environment only (empty: none), so the
 * secret is in no process's initial environment but the command's (/proc/PID/environ shows that).
 */
const GUARD = [
  'name=$1; shift',
  'IFS= read -r secret || exit 1',
  // Exported in a subshell that becomes the command: neither the guard nor the watcher's cat has it.
  'if [ -n "$name" ]; then ( export "$name=$secret"; exec "$@" ) </dev/null & else "$@" </dev/null & fi',
  'child=$!',
  'secret=; unset secret',
  'echo "flotilla-child-pid $child" >&2',
  'exec 3<&0',
  // The watcher holds the pipe from Flotilla; EOF means Flotilla is gone.
  '( cat <&3 >/dev/null 2>&1; kill -TERM $child 2>/dev/null; sleep 5; kill -KILL $child 2>/dev/null ) &',
  'exec 3<&-',
  // A signal to the group must not kill the guard first (its exit would SIGKILL the group and
  // cut opencode's graceful shutdown short): pass it on, then keep waiting for the child.
  "trap 'kill -TERM $child 2>/dev/null' TERM INT HUP",
  // Wait first: a child that already ended is reaped by the shell, and only `wait` still knows
  // its status (kill -0 would fail and lose it). Re-wait while a trapped signal cut a wait short.
  'wait $child',
  'status=$?',
  'while kill -0 $child 2>/dev/null; do wait $child; status=$?; done',
  'exit $status',
].join('\n')

export interface GuardedProcess {
  /** The guard (= process group id). */
  groupId: number
  /** The command's own pid, once the guard has reported it. */
  childPid: Promise<number>
  process: ChildProcess
  exited: Promise<{ code: number | null; signal: string | null }>
  /** Signals the whole group; ESRCH (already gone) is not an error. */
  signal(signal: NodeJS.Signals): void
  /** SIGTERM, then SIGKILL after graceMs if the group's leader is still there. */
  stop(graceMs?: number): Promise<void>
}

const liveGroups = new Set<number>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Last resort on a crash or process.exit(): synchronous, so only signals can be sent.
  process.on('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGKILL')
  })
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal)
  } catch {
    // ESRCH: the group is already gone.
  }
}

export interface GuardOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Set in the command's environment only, handed to the guard on its stdin (never in `env`). */
  secretEnv?: { name: string; value: string }
  onStdoutLine?: (line: string) => void
  onStderrLine?: (line: string) => void
}

export function spawnGuarded(
  command: string,
  args: string[],
  options: GuardOptions,
): GuardedProcess {
  installExitHook()
  const folderProblem = options.cwd === undefined ? undefined : localDirectoryProblem(options.cwd)
  if (folderProblem) throw new PermanentError(folderProblem)
  const secret = options.secretEnv
  if (secret && (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secret.name) || /[\r\n\0]/.test(secret.value))) {
    throw new Error('a guarded secret needs a variable name and a value on one line')
  }
  if (secret && (options.env ?? process.env)[secret.name] !== undefined) throw new Error(`${secret.name} must reach the command through the guard, not its environment`)
  const child = spawn('/bin/sh', ['-c', GUARD, 'flotilla-guard', secret?.name ?? '', command, ...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  // Without a listener, a spawn or signal error is thrown at the process and takes all of
  // Flotilla down; a failed spawn is reported below as this server's error instead.
  child.on('error', () => {})
  if (child.pid === undefined) throw new Error(`could not run /bin/sh to start ${command}`)
  const groupId = child.pid
  liveGroups.add(groupId)
  let resolvePid: (pid: number) => void = () => {}
  let rejectPid: (error: Error) => void = () => {}
  const childPid = new Promise<number>((resolve, reject) => {
    resolvePid = resolve
    rejectPid = reject
  })
  childPid.catch(() => {})
  createInterface({ input: child.stdout! }).on('line', (line) => options.onStdoutLine?.(line))
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const match = /^flotilla-child-pid (\d+)$/.exec(line)
    if (match) resolvePid(Number(match[1]))
    else options.onStderrLine?.(line)
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      liveGroups.delete(groupId)
      // Sweep what the command left in its group (its own children, the watcher).
      killGroup(groupId, 'SIGKILL')
      child.stdin?.destroy()
      rejectPid(new Error('process exited before reporting its pid'))
      resolve({ code, signal })
    })
  })
  // A broken pipe on the guard's stdin just means it is gone; exit handling covers it.
  child.stdin?.on('error', () => {})
  // The first line, always sent (empty = no secret); the pipe then stays open as the lifeline.
  child.stdin?.write(`${secret?.value ?? ''}\n`)

  const guarded: GuardedProcess = {
    groupId,
    childPid,
    process: child,
    exited,
    signal: (signal) => killGroup(groupId, signal),
    async stop(graceMs = 3_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      killGroup(groupId, 'SIGTERM')
      const timer = setTimeout(() => killGroup(groupId, 'SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  return guarded
}
