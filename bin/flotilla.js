#!/usr/bin/env node
// Runs the TypeScript engine directly through tsx, so `npx flotilla` works right after the
// install step with no build.
//
// tsx's loader exits the process on SIGINT/SIGTERM when it sees no listener of ours, which
// would skip `run`'s Ctrl-C cleanup (cancel tasks, stop servers). Listening before it loads
// keeps the signals ours; the CLI installs its real handlers as it starts.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => {})
const { register } = await import('tsx/esm/api')
register()
const { main } = await import('../core/host/cli/main.ts')
try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  // Whatever slipped past the command's own handling is still one line, never a stack trace.
  process.stderr.write(`flotilla: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}
