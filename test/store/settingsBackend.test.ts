import Conf from 'conf'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import type { Settings } from '../../core/contract/settings'
import { SettingsStore } from '../../core/store/settingsStore'

let dir: string | undefined
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }))

it('reads and writes through the backend it is given (the app passes electron-store), same file', () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-backend-'))
  const asked: Array<{ cwd: string; name: string; fileMode: number }> = []
  // A stand-in for electron-store (which needs Electron's app object): conf, which it extends.
  const { store } = SettingsStore.open(dir, (options) => {
    asked.push(options)
    return new Conf<Settings>({ cwd: options.cwd, configName: options.name, projectSuffix: '', configFileMode: options.fileMode })
  })
  expect(asked).toEqual([{ cwd: dir, name: 'config', fileMode: 0o600 }])
  store.update({ strategy: 'random' })
  expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ strategy: 'random', version: 1 })
  // The default backend (conf, for the CLI and the browser host) sees the same settings.
  expect(SettingsStore.open(dir).store.get().strategy).toBe('random')
})
