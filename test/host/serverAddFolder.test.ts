import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createDispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'

// servers.add refuses a folder on this machine that does not exist, naming the field, and
// changes nothing: no server in the fleet, nothing saved.
const dir = mkdtempSync(join(tmpdir(), 'flotilla-add-folder-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('servers.add with a folder that does not exist', () => {
  it.each(['local', 'tmux', 'wezterm'] as const)('refuses a %s server on the directory field and saves nothing', async (kind) => {
    const engine = await Engine.create({ settingsDir: join(dir, kind), weztermDomainsFile: join(dir, 'domains.lua') })
    const dispatcher = createDispatcher(engine, () => {})
    try {
      const missing = join(dir, 'no-such-project')
      const extra = kind === 'tmux' ? { session: 'flotilla' } : {}
      const res = await dispatcher.call('servers.add', { spec: { kind, id: 'typo', name: 'typo', directory: missing, ...extra }, persist: true, start: false })
      expect(res).toEqual({ id: 0, error: { code: 'bad_request', message: `servers.add: spec.directory: the directory ${missing} does not exist` } })
      expect(engine.fleet.has('typo')).toBe(false)
      const file = join(dir, kind, 'config.json')
      expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toContain('typo')
      // A file is not a folder either.
      writeFileSync(join(dir, 'a-file'), '')
      const notDir = await dispatcher.call('servers.add', { spec: { kind, id: 'typo', name: 'typo', directory: join(dir, 'a-file'), ...extra }, start: false })
      expect(notDir).toMatchObject({ error: { code: 'bad_request', message: `servers.add: spec.directory: ${join(dir, 'a-file')} is not a directory` } })
    } finally {
      dispatcher.dispose()
      await engine.close()
    }
  })
})
