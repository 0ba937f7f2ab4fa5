import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Settings, type SettingsPatch } from '../../core/contract/settings'
import type { ServerSpec } from '../../core/contract/servers'
import { SettingsStore } from '../../core/store/settingsStore'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-settings-'))
  file = join(dir, 'config.json')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const DEFAULTS = Settings.parse({})
const localSpec: ServerSpec = { id: 'local-1', name: 'Local', kind: 'local', directory: '/tmp/project', capacity: 2, demo: false }
const urlSpec: ServerSpec = { id: 'remote', name: 'Remote', kind: 'url', baseUrl: 'http://127.0.0.1:4096', capacity: 1 }

const backups = () => readdirSync(dir).filter((f) => f.startsWith('config.json.corrupt-'))

describe('SettingsStore', () => {
  it('starts from defaults when there is no file, and creates it', () => {
    const { store, warning } = SettingsStore.open(dir)
    expect(warning).toBeUndefined()
    expect(store.get()).toEqual(DEFAULTS)
    expect(store.path).toBe(file)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(DEFAULTS)
  })

  it.each([
    ['invalid JSON', '{"servers": [ {"id": "a"'],
    ['JSON of the wrong shape', JSON.stringify({ strategy: 'fastest', servers: 'none' })],
    ['a server spec that no longer validates', JSON.stringify({ servers: [{ id: 'x', name: 'x', kind: 'local', directory: 'relative' }] })],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('backs up a file holding %s, uses defaults and warns', (_name, bytes) => {
    writeFileSync(file, bytes)
    const { store, warning } = SettingsStore.open(dir)
    expect(store.get()).toEqual(DEFAULTS)
    // The user is told, and told where the copy is.
    expect(warning).toMatch(/settings/)
    const [backup] = backups()
    expect(backups()).toHaveLength(1)
    expect(warning).toContain(backup)
    // Never silently emptied: the original bytes survive, exactly.
    expect(readFileSync(join(dir, backup!), 'utf8')).toBe(bytes)
    // And the live file is usable again.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(DEFAULTS)
  })

  it('keeps the servers and preferences of a valid file', () => {
    writeFileSync(file, JSON.stringify({ version: 1, strategy: 'random', servers: [localSpec, urlSpec], theme: 'dark' }))
    const { store, warning } = SettingsStore.open(dir)
    expect(warning).toBeUndefined()
    expect(backups()).toEqual([])
    expect(store.get()).toEqual({ ...DEFAULTS, strategy: 'random', theme: 'dark', servers: [localSpec, urlSpec] })
  })

  it('fills defaults into an older, partial file without warning', () => {
    writeFileSync(file, JSON.stringify({ servers: [urlSpec] }))
    const { store, warning } = SettingsStore.open(dir)
    expect(warning).toBeUndefined()
    expect(store.get()).toEqual({ ...DEFAULTS, servers: [urlSpec] })
  })

  it('saves updates and servers so a reopened store sees them', () => {
    const { store } = SettingsStore.open(dir)
    store.update({ strategy: 'round-robin', maxAttempts: 5 })
    store.saveServer(localSpec)
    store.saveServer(urlSpec)
    store.saveServer({ ...localSpec, capacity: 4 }) // same id: replaced, not duplicated
    store.removeServer('remote')
    const reopened = SettingsStore.open(dir)
    expect(reopened.warning).toBeUndefined()
    expect(reopened.store.get()).toEqual({ ...DEFAULTS, strategy: 'round-robin', maxAttempts: 5, servers: [{ ...localSpec, capacity: 4 }] })
  })

  it.each([
    ['maxAttempts out of range', { maxAttempts: 99 }],
    ['unknown strategy', { strategy: 'fastest' }],
    ['unknown theme', { theme: 'neon' }],
  ])('throws on an invalid update (%s) and leaves the file as it was', (_name, patch) => {
    const { store } = SettingsStore.open(dir)
    store.update({ theme: 'light' })
    const before = readFileSync(file, 'utf8')
    expect(() => store.update(patch as unknown as SettingsPatch)).toThrow(/settings not saved/)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(store.get().theme).toBe('light')
  })

  it('throws on an invalid server spec and leaves the file as it was', () => {
    const { store } = SettingsStore.open(dir)
    store.saveServer(urlSpec)
    const before = readFileSync(file, 'utf8')
    expect(() => store.saveServer({ ...localSpec, directory: 'relative' } as ServerSpec)).toThrow(/servers/)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(store.get().servers).toEqual([urlSpec])
  })
})
