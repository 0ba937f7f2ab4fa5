#!/usr/bin/env node
// Runs the CLI from a bundle built on demand (bin/cliBuild.js), so `npx flotilla` works right
// after the install step with no build step; where the bundle cannot be built, the TypeScript
// runs directly through tsx.
//
// Signals are ours from the first line: tsx's loader exits the process on SIGINT/SIGTERM when it
// sees no listener, which would skip `run`'s Ctrl-C cleanup (cancel tasks, stop servers). The
// CLI installs its real handlers as it starts.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => {})
const { ensureCliBundle } = await import('./cliBuild.js')
const bundle = process.env.FLOTILLA_CLI_FROM_SOURCE ? undefined : await ensureCliBundle()
let main
if (bundle) {
  ;({ main } = await import(bundle))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../core/host/cli/main.ts'))
}
try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  // Whatever slipped past the command's own handling is still one line, never a stack trace.
  process.stderr.write(`flotilla: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}
