import { spawnGuarded } from '../launchers/processGroup'

export interface ShellCommandOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Killed (its whole process group) after this long. */
  timeoutMs: number
  signal?: AbortSignal
  /** Each line of its output (stdout and stderr) as it comes, untrusted: the caller makes it safe. */
  onLine?: (line: string) => void
}

export interface ShellCommandOutcome {
  /** null when it was killed (timeout, abort) or ended by a signal. */
  exitCode: number | null
  durationMs: number
  /** The last lines of its output (at most TAIL_LINES lines and TAIL_CHARS characters). */
  tail: string
  ended: 'exited' | 'timeout' | 'aborted'
}

const TAIL_LINES = 200
const TAIL_CHARS = 16_000
const MAX_LINE = 4_000

/**
 * A user's command (--setup, --verify) in a task's worktree: `sh -c`, in its own process group
 * behind the same guard as servers, so a timeout or an abort stops everything it started and a
 * Flotilla that dies takes it along. Only the tail of its output is kept.
 */
export async function runShellCommand(command: string, options: ShellCommandOptions): Promise<ShellCommandOutcome> {
  const started = Date.now()
  const tail: string[] = []
  let chars = 0
  const onLine = (raw: string) => {
    const line = raw.length > MAX_LINE ? `${raw.slice(0, MAX_LINE)}…` : raw
    tail.push(line)
    chars += line.length + 1
    while (tail.length > TAIL_LINES || (chars > TAIL_CHARS && tail.length > 1)) chars -= tail.shift()!.length + 1
    options.onLine?.(line)
  }
  // One stream, in the order it was written: stderr joins stdout inside the shell.
  const proc = spawnGuarded('/bin/sh', ['-c', `exec 2>&1\n${command}`], { cwd: options.cwd, env: options.env, onStdoutLine: onLine, onStderrLine: onLine })
  let ended: ShellCommandOutcome['ended'] = 'exited'
  const stop = (why: ShellCommandOutcome['ended']) => {
    if (ended === 'exited') ended = why
    void proc.stop(2_000)
  }
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs)
  const onAbort = () => stop('aborted')
  if (options.signal?.aborted) onAbort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const { code } = await proc.exited
    return { exitCode: ended === 'exited' ? code : null, durationMs: Date.now() - started, tail: tail.join('\n'), ended }
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  }
}
