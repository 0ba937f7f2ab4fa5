import { mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { localFolder } from '../../core/host/cli/options'
import { parseServeArgs } from '../../core/host/cli/serveArgs'

// A `~` the shell did not expand (quoted, or from a script) is the home folder, as in a shell.
describe('folders on the command line', () => {
  it('expands a leading ~ to the home folder and resolves the rest against the current folder', () => {
    expect(localFolder('/work', '~', '/home/ann')).toBe('/home/ann')
    expect(localFolder('/work', '~/project', '/home/ann')).toBe('/home/ann/project')
    expect(localFolder('/work', 'sub/dir', '/home/ann')).toBe('/work/sub/dir')
    expect(localFolder('/work', '/abs', '/home/ann')).toBe('/abs')
    // Only "~" and "~/": a folder named "~x" is a folder of the current one.
    expect(localFolder('/work', '~x', '/home/ann')).toBe('/work/~x')
  })

  it("serve --dir '~/…' is a folder in the home folder", () => {
    const dir = mkdtempSync(join(homedir(), '.flotilla-test-dir-'))
    try {
      const name = dir.slice(homedir().length + 1)
      expect(parseServeArgs(['--dir', `~/${name}`], tmpdir()).dir).toBe(dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
