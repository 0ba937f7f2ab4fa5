import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { UrlSpec } from '../../core/contract/servers'
import { Engine } from '../../core/host/engine'
import type { LaunchContext, Launcher, RunningServer } from '../../core/launchers/types'
import { SecretStore, type SecretCipher } from '../../core/store/secretStore'

/** A stand-in for Electron's safeStorage (the OS keychain is not reachable here): AES-GCM. */
function keychain(available = true): SecretCipher {
  const key = randomBytes(32)
  return {
    available: () => available,
    encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body])
    },
    decrypt(data) {
      const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12))
      d.setAuthTag(data.subarray(12, 28))
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8')
    },
  }
}

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-secrets-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('SecretStore', () => {
  it('keeps secrets encrypted in a 0600 file and reads them back', () => {
    const cipher = keychain()
    const path = join(dir, 'secrets.json')
    new SecretStore(path, cipher).set('remote-1', 'hunter2-very-secret')
    const raw = readFileSync(path, 'utf8')
    expect(raw).not.toContain('hunter2')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const again = new SecretStore(path, cipher)
    expect(again.get('remote-1')).toBe('hunter2-very-secret')
    again.delete('remote-1')
    expect(new SecretStore(path, cipher).get('remote-1')).toBeUndefined()
  })

  it('writes nothing without a keychain, and cannot read what another keychain sealed', () => {
    const path = join(dir, 'secrets.json')
    const none = new SecretStore(path, keychain(false))
    none.set('a', 'x')
    expect(none.persistent).toBe(false)
    expect(() => readFileSync(path)).toThrow()
    new SecretStore(path, keychain()).set('a', 'x')
    expect(new SecretStore(path, keychain()).get('a')).toBeUndefined()
  })

  it('a corrupt file is kept aside with a warning, not silently emptied', () => {
    const path = join(dir, 'secrets.json')
    writeFileSync(path, '{not json')
    const store = new SecretStore(path, keychain())
    expect(store.warning).toMatch(/unreadable secrets file .* kept it as .*corrupt/)
    expect(readFileSync(store.warning!.match(/kept it as (\S+?);/)![1]!, 'utf8')).toBe('{not json')
  })
})

describe('saved url servers keep their password across restarts (in the keychain, not the settings)', () => {
  it('passes the saved password to the launcher after a restart', async () => {
    const seen: Array<string | undefined> = []
    const launcher: Launcher<UrlSpec> = {
      owns: false,
      async start(spec: UrlSpec, context: LaunchContext): Promise<RunningServer> {
        seen.push(context.password)
        throw new Error(`stub: not contacting ${spec.baseUrl}`)
      },
    }
    const cipher = keychain()
    const options = () => ({ settingsDir: dir, secrets: new SecretStore(join(dir, 'secrets.json'), cipher), launchers: { url: launcher } })
    const first = await Engine.create(options())
    await first.addServer({ kind: 'url', id: 'remote', name: 'remote', capacity: 1, baseUrl: 'http://127.0.0.1:9' }, { password: 'p@ss-word-1', persist: true, start: false })
    await first.close()
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).not.toContain('p@ss-word-1')

    const second = await Engine.create(options())
    await second.loadSavedServers(false)
    await second.fleet.get('remote').start()
    expect(seen).toEqual(['p@ss-word-1'])
    await second.removeServer('remote')
    expect(new SecretStore(join(dir, 'secrets.json'), cipher).get('remote')).toBeUndefined()
    await second.close()
  })
})
