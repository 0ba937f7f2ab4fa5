import { EventEmitter } from 'node:events'
import type { AttentionAnswer, AttentionItem, HostKeyInfo, InstallInfo, PassphraseInfo } from '../contract/attention'
import type { OcEvent, OcPermissionRequest, OcQuestionRequest } from '../contract/opencode'
import { FlotillaError } from '../lib/errors'
import { ServerRequestError } from '../opencode/client'
import { permissionCommand, permissionSubject } from '../view/permissionText'
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
  /**
   * Questions asked while connecting over SSH (host key, passphrase, install), by request id: a
   * second asker of the same question (a retry, another server on the same host or key) waits
   * on the same item instead of asking again. Settled with undefined when the item goes away.
   */
  private readonly asked = new Map<string, Asked>()
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

  /** `directory`: the opencode instance the request lives in (answers must go to the same one). */
  onEvent(serverId: string, event: OcEvent, directory?: string): void {
    switch (event.type) {
      case 'permission.asked':
        this.addPermission(serverId, event.properties, directory)
        break
      case 'question.asked':
        this.addQuestion(serverId, event.properties, directory)
        break
      case 'permission.replied':
      case 'question.replied':
      case 'question.rejected':
        this.resolve(itemId(serverId, event.properties.requestID))
        break
    }
  }

  /**
   * Replace what we hold for this server with what it says is pending now. opencode answers
   * `/permission` and `/question` per instance (folder), so each folder with live sessions is
   * asked: `directories`, plus the folders of the requests we hold; undefined is the server's own.
   */
  async resync(server: ManagedServer, directories: readonly string[] = []): Promise<void> {
    const client = server.client
    if (!client) return
    const folders = new Set<string | undefined>([undefined, ...directories])
    for (const item of this.items.values()) if (item.serverId === server.id && item.directory) folders.add(item.directory)
    const answers = await Promise.all(
      [...folders].map(async (directory) => {
        try {
          const [permissions, questions] = await Promise.all([client.permissions(directory), client.questions(directory)])
          return { directory, permissions, questions }
        } catch (error) {
          // A folder that went away (a removed worktree) must not keep the stream from opening:
          // its requests stay as they are, and the others are brought up to date.
          if (error instanceof ServerRequestError && error.status !== undefined) return { directory, failed: true as const }
          throw error
        }
      }),
    )
    const asked = new Set<string | undefined>()
    const live = new Set<string>()
    for (const a of answers) {
      if ('failed' in a) continue
      asked.add(a.directory)
      for (const r of [...a.permissions, ...a.questions]) live.add(itemId(server.id, r.id))
    }
    for (const [id, item] of this.items) {
      if (item.serverId !== server.id || SSH_KINDS.has(item.kind) || live.has(id)) continue
      if (item.directory !== undefined && !asked.has(item.directory)) continue
      this.resolve(id)
    }
    for (const a of answers) {
      if ('failed' in a) continue
      for (const p of a.permissions) this.addPermission(server.id, p, a.directory)
      for (const q of a.questions) this.addQuestion(server.id, q, a.directory)
    }
  }

  /**
   * A server went away: whatever it was asking can no longer be answered. A shared SSH question
   * stays open while other servers still wait on it: its item moves to one of them.
   */
  dropServer(serverId: string): void {
    for (const asked of this.asked.values()) {
      asked.waiting.delete(serverId)
      const item = this.items.get(asked.itemId)
      const next = asked.waiting.values().next()
      if (item?.serverId !== serverId || next.done) continue
      this.items.delete(asked.itemId)
      this.emit('resolved', asked.itemId)
      asked.itemId = itemId(next.value, item.requestId)
      this.add({ ...item, id: asked.itemId, serverId: next.value })
    }
    for (const [id, item] of this.items) if (item.serverId === serverId) this.resolve(id)
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

  async answer(id: string, answer: AttentionAnswer): Promise<void> {
    const item = this.items.get(id)
    if (!item) throw new FlotillaError(`expected a pending attention item id, got "${id}"`, 'not_found')
    const expected = ANSWER_KINDS[item.kind]
    if (!expected.includes(answer.kind)) throw new FlotillaError(`expected a ${expected.join(' or ')} answer for this ${item.kind}, got "${answer.kind}"`, 'bad_request')
    const asked = this.asked.get(item.requestId)
    if (asked) {
      // Settled before resolve(), which would otherwise count it as refused.
      asked.settle(answer)
      this.asked.delete(item.requestId)
      this.resolve(id)
      return
    }
    const client = this.fleet.get(item.serverId).client
    if (!client) throw new FlotillaError(`server ${item.serverId} is not running`, 'unavailable')
    const directory = item.directory
    if (answer.kind === 'permission') await client.replyPermission(item.requestId, answer.reply, answer.message, directory)
    else if (answer.kind === 'question') await client.replyQuestion(item.requestId, answer.answers, directory)
    else if (answer.kind === 'question-reject') await client.rejectQuestion(item.requestId, directory)
    this.resolve(id)
  }

  private ask(serverId: string, requestId: string, fields: Pick<AttentionItem, 'kind' | 'title' | 'hostKey' | 'passphrase' | 'install'>): Promise<AttentionAnswer | undefined> {
    const pending = this.asked.get(requestId)
    if (pending) {
      pending.waiting.add(serverId)
      return pending.promise
    }
    let settle!: (answer: AttentionAnswer | undefined) => void
    const promise = new Promise<AttentionAnswer | undefined>((resolve) => (settle = resolve))
    const id = itemId(serverId, requestId)
    this.asked.set(requestId, { itemId: id, waiting: new Set([serverId]), promise, settle })
    this.add({ id, requestId, serverId, createdAt: Date.now(), ...fields })
    return promise
  }

  private addPermission(serverId: string, p: OcPermissionRequest, directory: string | undefined): void {
    const command = permissionCommand(p.metadata)
    const subject = permissionSubject({ permission: p.permission, command, patterns: p.patterns })
    this.add({
      directory,
      id: itemId(serverId, p.id),
      requestId: p.id,
      kind: 'permission',
      serverId,
      sessionId: p.sessionID,
      taskId: this.taskForSession(serverId, p.sessionID),
      // The title is a summary (notifications, logs); `command` carries the whole command.
      title: `${p.permission}${subject ? `: ${subject}` : ''}`.slice(0, 500),
      permission: p.permission,
      command,
      patterns: p.patterns,
      always: p.always,
      createdAt: Date.now(),
    })
  }

  private addQuestion(serverId: string, q: OcQuestionRequest, directory: string | undefined): void {
    this.add({
      directory,
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

  private add(item: AttentionItem & { directory?: string }): void {
    if (this.items.has(item.id)) return
    this.items.set(item.id, item)
    this.emit('added', item)
  }

  private resolve(id: string): void {
    // An unanswered SSH question whose server went away counts as refused.
    const item = this.items.get(id)
    const asked = item && this.asked.get(item.requestId)
    if (asked?.itemId === id) {
      asked.settle(undefined)
      this.asked.delete(item!.requestId)
    }
    if (this.items.delete(id)) this.emit('resolved', id)
  }
}

/** An SSH question in the inbox: its item (owned by one of the waiting servers) and its answer. */
interface Asked {
  itemId: string
  waiting: Set<string>
  promise: Promise<AttentionAnswer | undefined>
  settle: (answer: AttentionAnswer | undefined) => void
}

/** Which answers fit which item. */
const ANSWER_KINDS: Record<AttentionItem['kind'], AttentionAnswer['kind'][]> = {
  permission: ['permission'],
  question: ['question', 'question-reject'],
  hostKey: ['hostKey'],
  passphrase: ['passphrase'],
  install: ['install'],
}

/** Asked by Flotilla itself while connecting, not by an opencode server (so never re-read from one). */
const SSH_KINDS = new Set<AttentionItem['kind']>(['hostKey', 'passphrase', 'install'])

/** record: accept and add to known_hosts; once: accept for this run only; reject: refuse. */
export type HostKeyDecision = 'record' | 'once' | 'reject'

export function itemId(serverId: string, requestId: string): string {
  return `${serverId}/${requestId}`
}
