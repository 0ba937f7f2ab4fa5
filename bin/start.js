#!/usr/bin/env node
// `npm start`: launch the Electron app, or say plainly what to do when its binary is missing.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
let binary
try {
  const electronDir = dirname(require.resolve('electron/package.json'))
  const pathFile = join(electronDir, 'path.txt')
  binary = existsSync(pathFile) ? join(electronDir, 'dist', (await import('node:fs')).readFileSync(pathFile, 'utf8').trim()) : undefined
} catch {
  binary = undefined
}
if (!binary || !existsSync(binary)) {
  process.stderr.write(
    'Flotilla: the Electron binary is not installed (it is downloaded by `npm ci` only where the network\n' +
      'allows; here it was skipped). Either run `npm ci` again on a machine with internet access, then\n' +
      '`npm start`; or use the same app in your browser, without Electron:\n' +
      '  npx flotilla serve                       (prints a one-time login link to open; your saved servers)\n' +
      '  npx flotilla serve --demo --local 2      (to try it: 2 local servers on the scripted model)\n' +
      'or from the terminal: npx flotilla run --demo --local 3 "a task"\n',
  )
  process.exit(1)
}
const child = spawn('npx', ['electron-vite', 'preview'], { stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 1))
