import type { AttentionAnswer, AttentionItem, HostKeyInfo, InstallInfo, PassphraseInfo } from '../contract/attention'
import { itemId, type AttentionSink } from './attentionItem'

/** record: accept and add to known_hosts; once: accept for this run only; reject: refuse. */
export type HostKeyDecision = 'record' | 'once' | 'reject'

/** An SSH question in the inbox: its item (owned by one of the waiting servers) and its answer. */
interface Asked {
  item: AttentionItem
  waiting: Set<string>
  promise: Promise<AttentionAnswer | undefined>
  settle: (answer: AttentionAnswer | undefined) => void
}

/**
 * Flotilla's own questions while connecting over SSH (host key, passphrase, install), by
 * request id: a second asker of the same question (a retry, another server on the same host or
 * key) waits on the same item instead of asking again. Never re-read from a server: no server
 * asked them. An unanswered question whose servers all went away counts as refused.
 */
export class SshQuestions {
  private readonly asked = new Map<string, Asked>()
  /** Keys accepted "once": good for this run of Flotilla (reconnects included), not recorded. */
  private readonly acceptedOnce = new Set<string>()

  constructor(private readonly sink: AttentionSink) {}

  list(): AttentionItem[] {
    return [...this.asked.values()].map((asked) => asked.item)
  }

  get(id: string): AttentionItem | undefined {
    return this.find(id)?.item
  }

  /**
   * An unknown SSH host key for `serverId`: shown in the inbox until someone accepts or refuses
   * it. A retry while it is still open waits on the same item rather than asking again.
   */
  async askHostKey(serverId: string, key: HostKeyInfo): Promise<HostKeyDecision> {
    const requestId = `hostkey:${key.host}:${key.port}:${key.fingerprint}`
    if (this.acceptedOnce.has(requestId)) return 'once'
    const answer = await this.ask(serverId, requestId, {
      kind: 'hostKey',
      title: `Unknown SSH host key for ${key.port === 22 ? key.host : `${key.host}:${key.port}`}: ${key.keyType} ${key.fingerprint}`,
      hostKey: key,
    })
    if (answer?.kind !== 'hostKey' || answer.reply === 'reject') return 'reject'
    if (answer.reply === 'always') return 'record'
    this.acceptedOnce.add(requestId)
    return 'once'
  }

  /** The passphrase of an encrypted key file; undefined when the user skips the key. Never stored here. */
  async askPassphrase(serverId: string, info: PassphraseInfo): Promise<string | undefined> {
    const answer = await this.ask(serverId, `passphrase:${info.keyPath}`, {
      kind: 'passphrase',
      title: `${info.retry ? 'Wrong passphrase; try again. ' : ''}Passphrase for ${info.keyPath} (to log in to ${info.host})`,
      passphrase: info,
    })
    return answer?.kind === 'passphrase' ? answer.passphrase : undefined
  }

  /** May Flotilla install opencode on a host that lacks it? */
  async askInstall(serverId: string, info: InstallInfo): Promise<boolean> {
    const answer = await this.ask(serverId, `install:${info.host}`, {
      kind: 'install',
      title: `opencode is not installed on ${info.host}. Install it there with: ${info.command}`,
      install: info,
    })
    return answer?.kind === 'install' && answer.accept
  }

  /** Settles the question with `answer` (its kind already checked by the inbox) for everyone waiting on it. */
  answer(id: string, answer: AttentionAnswer): void {
    const asked = this.find(id)
    if (!asked) return
    this.asked.delete(asked.item.requestId)
    asked.settle(answer)
    this.sink.resolved(id)
  }

  /** A server went away: a question others still wait on moves to one of them; one nobody waits on is refused. */
  dropServer(serverId: string): void {
    for (const [requestId, asked] of this.asked) {
      asked.waiting.delete(serverId)
      if (asked.item.serverId !== serverId) continue
      this.sink.resolved(asked.item.id)
      const next = asked.waiting.values().next()
      if (next.done) {
        this.asked.delete(requestId)
        asked.settle(undefined)
        continue
      }
      asked.item = { ...asked.item, id: itemId(next.value, requestId), serverId: next.value }
      this.sink.added(asked.item)
    }
  }

  private ask(serverId: string, requestId: string, fields: Pick<AttentionItem, 'kind' | 'title' | 'hostKey' | 'passphrase' | 'install'>): Promise<AttentionAnswer | undefined> {
    const pending = this.asked.get(requestId)
    if (pending) {
      pending.waiting.add(serverId)
      return pending.promise
    }
    let settle!: (answer: AttentionAnswer | undefined) => void
    const promise = new Promise<AttentionAnswer | undefined>((resolve) => (settle = resolve))
    const item: AttentionItem = { id: itemId(serverId, requestId), requestId, serverId, createdAt: Date.now(), ...fields }
    this.asked.set(requestId, { item, waiting: new Set([serverId]), promise, settle })
    this.sink.added(item)
    return promise
  }

  private find(id: string): Asked | undefined {
    for (const asked of this.asked.values()) if (asked.item.id === id) return asked
    return undefined
  }
}
