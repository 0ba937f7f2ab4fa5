import { spawnSync } from 'node:child_process'
import { existsSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// bin/flotilla.js runs the CLI from a bundle it rebuilds whenever a file under core/ is newer
// (bin/cliBuild.js). A stale bundle would run yesterday's code in every CLI test, so this checks
// the rebuild itself, and that the source path still works.
const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'flotilla.js')
const BUNDLE = join(ROOT, 'out', 'cli', 'flotilla.mjs')

function flotilla(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 })
}

describe('the CLI bundle', () => {
  it('is rebuilt when it is older than the sources, and runs', () => {
    flotilla(['--help'])
    expect(existsSync(BUNDLE)).toBe(true)
    // Older than every source file: the next start must build it again before running it.
    utimesSync(BUNDLE, new Date(0), new Date(0))
    const result = flotilla(['--help'])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('flotilla run')
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThan(Date.now() - 60_000)
  })

  it('is not rebuilt when it is newer than the sources', () => {
    flotilla(['--help'])
    const built = statSync(BUNDLE).mtimeMs
    expect(flotilla(['--help']).status).toBe(0)
    expect(statSync(BUNDLE).mtimeMs).toBe(built)
  })

  it('gives way to the sources through tsx when asked (FLOTILLA_CLI_FROM_SOURCE)', () => {
    const result = flotilla(['run', '--local', 'x'], { FLOTILLA_CLI_FROM_SOURCE: '1' })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/--local/)
  })
})
