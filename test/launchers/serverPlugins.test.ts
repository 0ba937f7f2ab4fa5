import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { installLocalPlugin, withSecretGuard } from '../../core/launchers/plugin/serverPlugins'
import { SECRET_GUARD_PLUGIN_FILE, SECRET_GUARD_PLUGIN_SOURCE } from '../../core/launchers/plugin/secretGuardPlugin'
import { spawnGuarded } from '../../core/launchers/processGroup'

const dir = mkdtempSync(join(tmpdir(), 'flotilla-plugins-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the secret-guard plugin in a server config', () => {
  it('is added to the user\'s own OPENCODE_CONFIG_CONTENT, keeping their plugins and settings, once', () => {
    const user = JSON.stringify({ plugin: ['their-plugin@1.0.0'], model: 'a/b' })
    const merged = withSecretGuard(user, '/state/plugins/guard.js')
    expect(JSON.parse(merged)).toEqual({ plugin: ['their-plugin@1.0.0', 'file:///state/plugins/guard.js'], model: 'a/b' })
    expect(JSON.parse(withSecretGuard(merged, '/state/plugins/guard.js')).plugin).toEqual(['their-plugin@1.0.0', 'file:///state/plugins/guard.js'])
    expect(JSON.parse(withSecretGuard(undefined, '/p.js'))).toEqual({ plugin: ['file:///p.js'] })
  })

  it('refuses a config it cannot read rather than dropping it', () => {
    expect(() => withSecretGuard('{ not json', '/p.js')).toThrow(/OPENCODE_CONFIG_CONTENT is not JSON/)
    expect(() => withSecretGuard('[1]', '/p.js')).toThrow(/not a JSON object/)
  })

  it('is written 0600 in a 0700 folder of the state folder, and rewritten when someone changed it', () => {
    const path = installLocalPlugin(dir)
    expect(path).toBe(join(dir, 'plugins', SECRET_GUARD_PLUGIN_FILE))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'plugins')).mode & 0o777).toBe(0o700)
    writeFileSync(path, 'tampered')
    installLocalPlugin(dir)
    expect(readFileSync(path, 'utf8')).toBe(SECRET_GUARD_PLUGIN_SOURCE)
  })
})

describe('the guard', () => {
  it('hands a secret to the command through its stdin: in the command\'s environment, in nobody else\'s', async () => {
    const lines: string[] = []
    const proc = spawnGuarded('/bin/sh', ['-c', 'printenv GUARDED_SECRET; exec sleep 30'], {
      secretEnv: { name: 'GUARDED_SECRET', value: 'not-for-the-guard' },
      onStdoutLine: (line) => lines.push(line),
    })
    try {
      const child = await proc.childPid
      await expect.poll(() => lines).toEqual(['not-for-the-guard'])
      expect(readFileSync(`/proc/${child}/environ`, 'latin1')).toContain('GUARDED_SECRET=not-for-the-guard')
      expect(readFileSync(`/proc/${proc.groupId}/environ`, 'latin1')).not.toContain('not-for-the-guard')
    } finally {
      await proc.stop(500)
    }
  })

  it('refuses a secret that is also in the environment it was given', () => {
    expect(() => spawnGuarded('/bin/true', [], { env: { S: 'x' }, secretEnv: { name: 'S', value: 'x' } })).toThrow(/through the guard/)
  })
})
