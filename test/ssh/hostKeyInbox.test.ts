import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttentionItem } from '../../core/contract/attention'
import { startHarness, type Harness } from '../support/harness'
import { knownHostsLine, sshdMissing, startSshd, type Sshd } from '../support/sshd'

// In the app and `flotilla serve` nobody passes a host-key callback: an unknown key becomes an
// attention item, and the server connects once a human accepts it there.

const missing = sshdMissing()

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

/** As if the user had connected before (idempotent). */
function trust(): void {
  const path = join(home, 'known_hosts')
  const line = knownHostsLine(sshd)
  if (!existsSync(path) || !readFileSync(path, 'utf8').includes(line)) appendFileSync(path, `${line}\n`)
}

const added = () => h.pushes.filter((p) => p.event === 'attention.added').map((p) => p.payload as AttentionItem)

describe.skipIf(missing)('SSH questions in the attention inbox', () => {
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

  it('asks for a key\'s passphrase (again after a wrong one), never shows it, and does not ask again for the next server', async () => {
    trust()
    const key = sshd.userKeyPassphrase
    const spec = (id: string) => ({ kind: 'ssh' as const, id, name: id, capacity: 1, host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: key.path, remoteDirectory: sshd.home, demo: false })
    const started = h.engine.addServer(spec('locked'), { start: true })
    const first = await h.waitFor('a passphrase item', () => h.engine.attention.list().find((i) => i.kind === 'passphrase'))
    expect(first).toMatchObject({ serverId: 'locked', passphrase: { keyPath: key.path, host: `${sshd.user}@127.0.0.1`, retry: false } })

    // Bad input changes nothing: an empty passphrase is not a passphrase.
    const empty = await h.dispatcher.call('attention.answer', { id: first.id, answer: { kind: 'passphrase', passphrase: '' } })
    expect('error' in empty && empty.error.message).toMatch(/passphrase/)
    expect(h.engine.attention.list().map((i) => i.id)).toContain(first.id)

    await h.dispatcher.call('attention.answer', { id: first.id, answer: { kind: 'passphrase', passphrase: 'not the passphrase' } })
    const retry = await h.waitFor('the passphrase asked again', () => h.engine.attention.list().find((i) => i.kind === 'passphrase'))
    expect(retry.passphrase?.retry).toBe(true)
    expect(retry.title).toMatch(/^Wrong passphrase/)
    await h.dispatcher.call('attention.answer', { id: retry.id, answer: { kind: 'passphrase', passphrase: key.passphrase } })
    await started
    expect(h.engine.fleet.view('locked').state).toBe('ready')

    // The unlocked key is kept in memory: a second server on it connects without a question.
    await h.engine.addServer(spec('locked-2'), { start: true })
    expect(h.engine.fleet.view('locked-2').state).toBe('ready')
    expect(added().filter((i) => i.kind === 'passphrase')).toHaveLength(2)
    // The secret is in no item and no push.
    expect(JSON.stringify(h.pushes)).not.toContain(key.passphrase)
    await h.engine.removeServer('locked')
    await h.engine.removeServer('locked-2')
  }, 90_000)

  it('skipping the passphrase fails the server with what was tried', async () => {
    trust()
    // A key of its own: the engine may hold the other one unlocked already.
    const key = join(home, 'id_locked_copy')
    copyFileSync(sshd.userKeyPassphrase.path, key)
    chmodSync(key, 0o600)
    const started = h.engine.addServer({ kind: 'ssh', id: 'skipped', name: 'skipped', capacity: 1, host: '127.0.0.1', port: sshd.port, user: sshd.user, identityFile: key, remoteDirectory: sshd.home, demo: false }, { start: true })
    const item = await h.waitFor('a passphrase item', () => h.engine.attention.list().find((i) => i.kind === 'passphrase' && i.serverId === 'skipped'))
    await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'passphrase' } })
    await started
    const view = h.engine.fleet.view('skipped')
    expect(view.state).toBe('failed')
    expect(view.lastError).toMatch(/no usable key.*encrypted and no passphrase given/)
    await h.engine.removeServer('skipped')
  }, 60_000)
})
