import { describe, expect, it } from 'vitest'
import type { AttentionItem } from '../../core/contract/attention'
import { AttentionInbox } from '../../core/fleet/attention'
import type { Fleet } from '../../core/fleet/fleet'

const key = { host: 'box', port: 2222, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' }

function inbox() {
  const box = new AttentionInbox({} as Fleet, () => undefined)
  const added: AttentionItem[] = []
  const resolved: string[] = []
  box.on('added', (i) => added.push(i))
  box.on('resolved', (id) => resolved.push(id))
  return { box, added, resolved }
}

describe('host keys in the attention inbox', () => {
  it('asks once per key however often a connection retries, and answers them all', async () => {
    const { box, added } = inbox()
    const first = box.askHostKey('s1', key)
    const retry = box.askHostKey('s1', key)
    expect(added).toHaveLength(1)
    expect(added[0]).toMatchObject({ kind: 'hostKey', serverId: 's1', hostKey: key })
    await box.answer(added[0]!.id, { kind: 'hostKey', reply: 'always' })
    expect(await first).toBe('record')
    expect(await retry).toBe('record')
    expect(box.list()).toEqual([])
  })

  it('"once" is remembered for this run (a reconnect does not ask again) but not recorded', async () => {
    const { box, added } = inbox()
    const asked = box.askHostKey('s1', key)
    await box.answer(added[0]!.id, { kind: 'hostKey', reply: 'once' })
    expect(await asked).toBe('once')
    expect(await box.askHostKey('s1', key)).toBe('once')
    expect(added).toHaveLength(1)
  })

  it('refuses when rejected, or when the server goes away unanswered', async () => {
    const { box, added, resolved } = inbox()
    const rejected = box.askHostKey('s1', key)
    await box.answer(added[0]!.id, { kind: 'hostKey', reply: 'reject' })
    expect(await rejected).toBe('reject')
    const orphan = box.askHostKey('s2', { ...key, fingerprint: 'SHA256:def' })
    box.dropServer('s2')
    expect(await orphan).toBe('reject')
    expect(resolved).toHaveLength(2)
  })

  it('refuses a permission answer for a host key, and keeps the item', async () => {
    const { box, added } = inbox()
    void box.askHostKey('s1', key)
    await expect(box.answer(added[0]!.id, { kind: 'permission', reply: 'once' })).rejects.toThrow(/expected a hostKey answer/)
    expect(box.list()).toHaveLength(1)
  })

  it('a question two servers wait on stays open when the one that asked first goes away', async () => {
    const { box, added, resolved } = inbox()
    const first = box.askHostKey('s1', key)
    const second = box.askHostKey('s2', key)
    expect(added).toHaveLength(1)
    box.dropServer('s1')
    // The item moved to s2; nothing was refused.
    expect(resolved).toEqual([added[0]!.id])
    expect(box.list()).toEqual([expect.objectContaining({ serverId: 's2', hostKey: key })])
    await box.answer(box.list()[0]!.id, { kind: 'hostKey', reply: 'always' })
    expect(await second).toBe('record')
    expect(await first).toBe('record')
    box.dropServer('s2')
    expect(box.list()).toEqual([])
  })
})
