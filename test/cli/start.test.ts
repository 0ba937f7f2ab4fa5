import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const START = fileURLToPath(new URL('../../bin/start.js', import.meta.url))

function electronBinaryInstalled(): boolean {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
    const pathFile = join(dir, 'path.txt')
    return existsSync(pathFile) && existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()))
  } catch {
    return false
  }
}

// Where Electron's binary exists, `npm start` opens the app instead: nothing to check here.
it.skipIf(electronBinaryInstalled())('npm start without Electron says how to use flotilla serve instead, without a stack trace', () => {
  const run = spawnSync(process.execPath, [START], { encoding: 'utf8', timeout: 30_000 })
  expect(run.status).toBe(1)
  expect(run.stderr).toMatch(/npx flotilla serve .*one-time login link/)
  expect(run.stderr).toMatch(/npx flotilla serve --demo --local 2/)
  expect(run.stderr).not.toMatch(/arrives with the UI work/)
  expect(run.stderr).not.toMatch(/^\s+at /m)
})
