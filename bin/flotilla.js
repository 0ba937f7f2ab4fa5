#!/usr/bin/env node
// Runs the TypeScript engine directly through tsx, so `npx flotilla` works right after the
// install step with no build.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../core/host/cli/main.ts')
const code = await main(process.argv.slice(2))
process.exitCode = code
