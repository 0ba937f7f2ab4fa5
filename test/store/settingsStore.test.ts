import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
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

  it('keeps top-level keys it does not know (a newer version\'s), through its own writes, without a warning', () => {
    writeFileSync(file, JSON.stringify({ strategy: 'random', servers: [urlSpec], workspaces: { root: '/srv/wt' }, futureFlag: true }))
    const { store, warning } = SettingsStore.open(dir)
    expect(warning).toBeUndefined()
    expect(backups()).toEqual([])
    store.update({ theme: 'dark' })
    store.saveServer(localSpec)
    const onDisk = JSON.parse(readFileSync(file, 'utf8'))
    expect(onDisk).toMatchObject({ workspaces: { root: '/srv/wt' }, futureFlag: true, strategy: 'random', theme: 'dark', servers: [urlSpec, localSpec] })
    // What this version understands is still exactly the schema.
    expect(store.get()).toEqual({ ...DEFAULTS, strategy: 'random', theme: 'dark', servers: [urlSpec, localSpec] })
  })

  it('drops only the saved server that is invalid, keeps the others and every preference, backs up and names it', () => {
    const bad = { id: 'gpu', name: 'GPU box', kind: 'url', baseUrl: 'http://10.0.0.2:4096', capacity: 0 }
    const bytes = JSON.stringify({ strategy: 'round-robin', theme: 'light', servers: [localSpec, bad, urlSpec], extra: 1 })
    writeFileSync(file, bytes)
    const { store, warning } = SettingsStore.open(dir)
    expect(store.get()).toEqual({ ...DEFAULTS, strategy: 'round-robin', theme: 'light', servers: [localSpec, urlSpec] })
    expect(warning).toMatch(/servers\[1\] "gpu" \(capacity: .*>=1/)
    expect(warning).not.toContain('local-1')
    const [backup] = backups()
    expect(backups()).toHaveLength(1)
    expect(warning).toContain(backup)
    expect(readFileSync(join(dir, backup!), 'utf8')).toBe(bytes)
    expect(JSON.parse(readFileSync(file, 'utf8')).extra).toBe(1)
    // Opening again finds nothing more to drop.
    expect(SettingsStore.open(dir).warning).toBeUndefined()
    expect(backups()).toHaveLength(1)
  })

  it('puts one invalid preference back to its default and keeps the rest, with a warning naming it', () => {
    writeFileSync(file, JSON.stringify({ strategy: 'fastest', theme: 'dark', maxAttempts: 4, servers: [urlSpec] }))
    const { store, warning } = SettingsStore.open(dir)
    expect(store.get()).toEqual({ ...DEFAULTS, theme: 'dark', maxAttempts: 4, servers: [urlSpec] })
    expect(warning).toMatch(/dropped strategy \(.*got "fastest"\)/)
    expect(backups()).toHaveLength(1)
  })

  it('drops a second server with an id already taken, keeping the first', () => {
    writeFileSync(file, JSON.stringify({ servers: [urlSpec, { ...localSpec, id: 'remote' }] }))
    const { store, warning } = SettingsStore.open(dir)
    expect(store.get().servers).toEqual([urlSpec])
    expect(warning).toMatch(/servers\[1\] "remote" \(expected a unique id/)
  })

  it('creates config.json 0600 in a 0700 folder, and tightens an older 0644 file in a 0755 folder', () => {
    const fresh = join(dir, 'fresh', 'flotilla')
    SettingsStore.open(fresh).store.update({ theme: 'dark' })
    expect(statSync(fresh).mode & 0o777).toBe(0o700)
    expect(statSync(join(fresh, 'config.json')).mode & 0o777).toBe(0o600)

    const old = join(dir, 'old')
    mkdirSync(old, { mode: 0o755 })
    chmodSync(old, 0o755)
    writeFileSync(join(old, 'config.json'), JSON.stringify({ servers: [urlSpec] }), { mode: 0o644 })
    chmodSync(join(old, 'config.json'), 0o644)
    const { store } = SettingsStore.open(old)
    expect(statSync(old).mode & 0o777).toBe(0o700)
    expect(statSync(join(old, 'config.json')).mode & 0o777).toBe(0o600)
    store.saveServer(localSpec) // conf rewrites the file (temp + rename): still 0600
    expect(statSync(join(old, 'config.json')).mode & 0o777).toBe(0o600)
  })
})
