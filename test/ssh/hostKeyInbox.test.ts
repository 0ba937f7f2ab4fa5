import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttentionItem } from '../../core/contract/attention'
import { startHarness, type Harness } from '../support/harness'
import { knownHostsLine, SSHD_BINARY, startSshd, type Sshd } from '../support/sshd'

// In the app and `flotilla serve` nobody passes a host-key callback: an unknown key becomes an
// attention item, and the server connects once a human accepts it there.

const missing = !existsSync(SSHD_BINARY)
if (missing && process.env.CI === 'true') throw new Error(`${SSHD_BINARY} is missing: install openssh-server (CI must not skip the SSH tests)`)

let home: string
let sshd: Sshd
let h: Harness

beforeAll(async () => {
  if (missing) return
  home = mkdtempSync(join(tmpdir(), 'flotilla-hostkey-'))
  sshd = await startSshd()
  h = await startHarness(0, { ssh: { knownHostsPath: join(home, 'known_hosts'), config: { home }, agent: '' } })
}, 60_000)

afterAll(async () => {
  await h?.close()
  await sshd?.stop()
  if (home) rmSync(home, { recursive: true, force: true })
}, 60_000)

const added = () => h.pushes.filter((p) => p.event === 'attention.added').map((p) => p.payload as AttentionItem)

describe.skipIf(missing)('unknown host keys in the attention inbox', () => {
  it('asks once with the fingerprint; "always" connects and records the key', async () => {
    const spec = { kind: 'ssh' as const, id: 'far', name: 'far', capacity: 1, host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: sshd.userKey, remoteDirectory: sshd.home, demo: false }
    const started = h.engine.addServer(spec, { start: true })
    const item = await h.waitFor('a host-key item', () => added().find((i) => i.kind === 'hostKey'))
    expect(item).toMatchObject({ serverId: 'far', hostKey: { host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519' } })
    expect(item.title).toContain(item.hostKey!.fingerprint)
    expect(h.engine.fleet.get('far').state).toBe('starting')

    // A wrong kind of answer is refused and changes nothing.
    const wrong = await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'permission', reply: 'once' } })
    expect('error' in wrong && wrong.error.message).toMatch(/expected a hostKey answer/)

    const res = await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'hostKey', reply: 'always' } })
    expect(res).not.toHaveProperty('error')
    await started
    await h.waitFor('the server to be ready', () => h.engine.fleet.get('far').state === 'ready')
    expect(readFileSync(join(home, 'known_hosts'), 'utf8')).toContain(knownHostsLine(sshd))
    expect(h.engine.attention.list()).toEqual([])
    await h.engine.removeServer('far')
  }, 60_000)
})
