import { EventEmitter } from 'node:events'
import type { AttentionAnswer, AttentionItem, HostKeyInfo } from '../contract/attention'
import type { OcAnyEvent, OcPermissionRequest, OcQuestionRequest } from '../contract/opencode'
import { FlotillaError } from '../lib/errors'
import type { Fleet } from './fleet'
import type { ManagedServer } from './managedServer'

export interface AttentionEvents {
  added: [item: AttentionItem]
  resolved: [id: string]
}

/**
 * Permission and question requests from every server, in one inbox. Kept in step with the
 * servers by their events, and re-read from `/permission` and `/question` after every
 * (re)connect because the stream cannot replay what was asked while it was down.
 */
export class AttentionInbox extends EventEmitter<AttentionEvents> {
  private readonly items = new Map<string, AttentionItem & { directory?: string }>()
  /** Host keys waiting for a human, by item id: every connection attempt for it waits on the same answer. */
  private readonly hostKeyAnswers = new Map<string, { promise: Promise<HostKeyDecision>; settle: (decision: HostKeyDecision) => void }>()
  /** Keys accepted "once": good for this run of Flotilla (reconnects included), not recorded. */
  private readonly acceptedOnce = new Set<string>()

  constructor(
    private readonly fleet: Fleet,
    private readonly taskForSession: (serverId: string, sessionId: string) => string | undefined,
  ) {
    super()
  }

  list(): AttentionItem[] {
    return [...this.items.values()].map(({ directory: _directory, ...item }) => item)
  }

  onEvent(serverId: string, event: OcAnyEvent): void {
    switch (event.type) {
      case 'permission.asked':
        this.addPermission(serverId, (event as Extract<OcAnyEvent, { type: 'permission.asked' }>).properties)
        break
      case 'question.asked':
        this.addQuestion(serverId, (event as Extract<OcAnyEvent, { type: 'question.asked' }>).properties)
        break
      case 'permission.replied':
      case 'question.replied':
      case 'question.rejected':
        this.resolve(itemId(serverId, String((event.properties as { requestID?: unknown }).requestID)))
        break
    }
  }

  /** Replace what we hold for this server with what it says is pending now. */
  async resync(server: ManagedServer): Promise<void> {
    const client = server.client
    if (!client) return
    const [permissions, questions] = await Promise.all([client.permissions(), client.questions()])
    const live = new Set([...permissions, ...questions].map((r) => itemId(server.id, r.id)))
    for (const [id, item] of this.items) if (item.serverId === server.id && item.kind !== 'hostKey' && !live.has(id)) this.resolve(id)
    for (const p of permissions) this.addPermission(server.id, p)
    for (const q of questions) this.addQuestion(server.id, q)
  }

  /** A server went away: whatever it was asking can no longer be answered. */
  dropServer(serverId: string): void {
    for (const [id, item] of this.items) if (item.serverId === serverId) this.resolve(id)
  }

  /**
   * An unknown SSH host key for `serverId`: shown in the inbox until someone accepts or refuses
   * it. A retry while it is still open waits on the same item rather than asking again.
   */
  askHostKey(serverId: string, key: HostKeyInfo): Promise<HostKeyDecision> {
    const requestId = `hostkey:${key.host}:${key.port}:${key.fingerprint}`
    if (this.acceptedOnce.has(requestId)) return Promise.resolve('once')
    const id = itemId(serverId, requestId)
    const pending = this.hostKeyAnswers.get(id)
    if (pending) return pending.promise
    let settle!: (decision: HostKeyDecision) => void
    const promise = new Promise<HostKeyDecision>((resolve) => (settle = resolve))
    this.hostKeyAnswers.set(id, { promise, settle })
    this.add({
      id,
      requestId,
      kind: 'hostKey',
      serverId,
      title: `Unknown SSH host key for ${key.port === 22 ? key.host : `${key.host}:${key.port}`}: ${key.keyType} ${key.fingerprint}`,
      hostKey: key,
      createdAt: Date.now(),
    })
    return promise
  }

  async answer(id: string, answer: AttentionAnswer): Promise<void> {
    const item = this.items.get(id)
    if (!item) throw new FlotillaError(`expected a pending attention item id, got "${id}"`, 'not_found')
    if ((item.kind === 'hostKey') !== (answer.kind === 'hostKey')) {
      throw new FlotillaError(`expected a ${item.kind === 'hostKey' ? 'hostKey' : 'permission or question'} answer for this ${item.kind}, got "${answer.kind}"`, 'bad_request')
    }
    if (answer.kind === 'hostKey') {
      const decision: HostKeyDecision = answer.reply === 'reject' ? 'reject' : answer.reply === 'always' ? 'record' : 'once'
      if (decision === 'once') this.acceptedOnce.add(item.requestId)
      // Settled before resolve(), which would otherwise count it as refused.
      this.hostKeyAnswers.get(id)?.settle(decision)
      this.hostKeyAnswers.delete(id)
      this.resolve(id)
      return
    }
    const expected = item.kind === 'permission' ? 'permission' : 'question or question-reject'
    if ((item.kind === 'permission') !== (answer.kind === 'permission')) {
      throw new FlotillaError(`expected a ${expected} answer for this ${item.kind}, got "${answer.kind}"`, 'bad_request')
    }
    const client = this.fleet.get(item.serverId).client
    if (!client) throw new FlotillaError(`server ${item.serverId} is not running`, 'unavailable')
    if (answer.kind === 'permission') await client.replyPermission(item.requestId, answer.reply, answer.message)
    else if (answer.kind === 'question') await client.replyQuestion(item.requestId, answer.answers)
    else if (answer.kind === 'question-reject') await client.rejectQuestion(item.requestId)
    this.resolve(id)
  }

  private addPermission(serverId: string, p: OcPermissionRequest): void {
    this.add({
      id: itemId(serverId, p.id),
      requestId: p.id,
      kind: 'permission',
      serverId,
      sessionId: p.sessionID,
      taskId: this.taskForSession(serverId, p.sessionID),
      title: `${p.permission}${p.patterns.length ? `: ${p.patterns.join(' ')}` : ''}`.slice(0, 500),
      patterns: p.patterns,
      createdAt: Date.now(),
    })
  }

  private addQuestion(serverId: string, q: OcQuestionRequest): void {
    this.add({
      id: itemId(serverId, q.id),
      requestId: q.id,
      kind: 'question',
      serverId,
      sessionId: q.sessionID,
      taskId: this.taskForSession(serverId, q.sessionID),
      title: q.questions.map((x) => x.question).join(' / ').slice(0, 500) || 'question',
      questions: q.questions.map((x) => ({
        question: x.question,
        header: x.header,
        options: x.options.map((o) => ({ label: o.label, description: o.description })),
        multiple: x.multiple,
      })),
      createdAt: Date.now(),
    })
  }

  private add(item: AttentionItem): void {
    if (this.items.has(item.id)) return
    this.items.set(item.id, item)
    this.emit('added', item)
  }

  private resolve(id: string): void {
    // An unanswered host key whose server went away counts as refused.
    this.hostKeyAnswers.get(id)?.settle('reject')
    this.hostKeyAnswers.delete(id)
    if (this.items.delete(id)) this.emit('resolved', id)
  }
}

/** record: accept and add to known_hosts; once: accept for this run only; reject: refuse. */
export type HostKeyDecision = 'record' | 'once' | 'reject'

export function itemId(serverId: string, requestId: string): string {
  return `${serverId}/${requestId}`
}
