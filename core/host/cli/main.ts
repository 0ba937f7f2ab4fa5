import { readFileSync } from 'node:fs'
import { runCommand } from './run'
import { ttyAsk } from './ttyPrompt'
import { parseRunArgs, RUN_USAGE, UsageError } from './runArgs'
import { fixedSecrets, redact } from '../../view/redact'
import { commandLineSecrets } from './secrets'
import { serveCommand } from './serve'
import { GC_USAGE, gcCommand, parseGcArgs } from './gc'
import { parseServeArgs, SERVE_USAGE } from './serveArgs'

const USAGE = `Usage: flotilla <command> [options]

Commands:
  run [options] [prompt ...]   fan prompts out to opencode servers (flotilla run --help)
  serve [options]              the dashboard in a browser (flotilla serve --help)
  gc [--dry-run] [--ssh DEST]  remove worktrees a crashed run left behind, here and on SSH machines (flotilla gc --help)

Try: flotilla run --demo --local 3 "task one" "task two" "task three"`

/** The CLI entry point. Returns the process exit code (0 ok, 1 task failure, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE + '\n')
    return command ? 0 : 2
  }
  if (command === 'run') {
    // Known from the command line, before anything can be printed: every line run prints is redacted.
    const secrets = fixedSecrets(commandLineSecrets(rest, process.env))
    const say = (stream: NodeJS.WriteStream, text: string) => stream.write(redact(text, secrets))
    const options = parseOrExit('run', RUN_USAGE, rest, () => parseRunArgs(rest, process.cwd(), () => readFileSync(0, 'utf8')), say)
    if (typeof options === 'number') return options
    let firstInterrupt: number | undefined
    let onInterrupt: () => void = () => {}
    const interrupted = new Promise<void>((resolve) => (onInterrupt = resolve))
    const handler = () => {
      const now = Date.now()
      if (firstInterrupt === undefined) {
        firstInterrupt = now
        onInterrupt()
        return
      }
      // A second Ctrl-C means now: exit, and the exit hook kills what is still running. The
      // tsx loader re-delivers a signal within milliseconds; only a later one is a second press.
      if (now - firstInterrupt > 500) process.exit(130)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    try {
      return await runCommand(options, {
        out: (line) => say(process.stdout, line + '\n'),
        err: (line) => say(process.stderr, line + '\n'),
        color: !options.json && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
        interrupted,
        // Standard input may carry the prompts (--prompts -); then it cannot answer questions.
        ask: options.promptsFromStdin ? undefined : ttyAsk(),
      })
    } catch (error) {
      say(process.stderr, `flotilla run: ${error instanceof Error ? error.message : String(error)}\n`)
      return 1
    } finally {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  }
  if (command === 'gc') {
    const options = parseOrExit('gc', GC_USAGE, rest, () => parseGcArgs(rest))
    if (typeof options === 'number') return options
    try {
      return await gcCommand(options, { out: (line) => process.stdout.write(line + '\n'), err: (line) => process.stderr.write(line + '\n'), ask: ttyAsk() })
    } catch (error) {
      process.stderr.write(`flotilla gc: ${(error as Error).message}\n`)
      return 1
    }
  }
  if (command === 'serve') {
    const options = parseOrExit('serve', SERVE_USAGE, rest, () => parseServeArgs(rest, process.cwd()))
    if (typeof options === 'number') return options
    let onStop: () => void = () => {}
    const stopped = new Promise<void>((resolve) => (onStop = resolve))
    process.on('SIGINT', onStop)
    process.on('SIGTERM', onStop)
    try {
      return await serveCommand(options, {
        out: (line) => process.stdout.write(line + '\n'),
        err: (line) => process.stderr.write(line + '\n'),
        stopped,
      })
    } catch (error) {
      process.stderr.write(`flotilla serve: ${(error as Error).message}\n`)
      return 1
    } finally {
      process.off('SIGINT', onStop)
      process.off('SIGTERM', onStop)
    }
  }
  process.stderr.write(`flotilla: expected a command (run, serve, gc), got "${command}"\n\n${USAGE}\n`)
  return 2
}

/** Parsed options, or the exit code after printing the usage (0 for --help, 2 for a mistake). */
function parseOrExit<T>(
  command: string,
  usage: string,
  argv: string[],
  parse: () => T,
  say = (stream: NodeJS.WriteStream, text: string) => stream.write(text),
): T | number {
  try {
    return parse()
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    if (error.message) say(process.stderr, `flotilla ${command}: ${error.message}\n\n`)
    process.stderr.write(usage + '\n')
    return argv.includes('--help') || argv.includes('-h') ? 0 : 2
  }
}
