import type { AttentionAnswer, AttentionItem } from '../contract/attention'
import type { OcEvent, OcPermissionRequest, OcQuestionRequest } from '../contract/opencode'
import { FlotillaError } from '../lib/errors'
import { ServerRequestError } from '../opencode/client'
import { permissionCommand, permissionSubject } from '../view/permissionText'
import { itemId, type AttentionSink } from './attentionItem'
import type { Fleet } from './fleet'
import type { ManagedServer } from './managedServer'

/** An item with the opencode instance (folder) it lives in: its answer must go to the same one. */
type HeldItem = AttentionItem & { directory?: string }

/**
 * Permission and question requests from every opencode server. Kept in step with the servers
 * by their events, and re-read from `/permission` and `/question` after every (re)connect
 * because the stream cannot replay what was asked while it was down.
 */
export class OpencodeRequests {
  private readonly items = new Map<string, HeldItem>()

  constructor(
    private readonly fleet: Fleet,
    private readonly taskForSession: (serverId: string, sessionId: string) => string | undefined,
    private readonly sink: AttentionSink,
  ) {}

  list(): AttentionItem[] {
    return [...this.items.values()].map(withoutDirectory)
  }

  get(id: string): AttentionItem | undefined {
    const item = this.items.get(id)
    return item && withoutDirectory(item)
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
      if (item.serverId !== server.id || live.has(id)) continue
      if (item.directory !== undefined && !asked.has(item.directory)) continue
      this.resolve(id)
    }
    for (const a of answers) {
      if ('failed' in a) continue
      for (const p of a.permissions) this.addPermission(server.id, p, a.directory)
      for (const q of a.questions) this.addQuestion(server.id, q, a.directory)
    }
  }

  /** A server went away: whatever it was asking can no longer be answered. */
  dropServer(serverId: string): void {
    for (const [id, item] of this.items) if (item.serverId === serverId) this.resolve(id)
  }

  /** Sends `answer` (its kind already checked by the inbox) to the server that asked, in the folder it asked in. */
  async answer(id: string, answer: AttentionAnswer): Promise<void> {
    const item = this.items.get(id)
    if (!item) throw new FlotillaError(`expected a pending attention item id, got "${id}"`, 'not_found')
    const client = this.fleet.get(item.serverId).client
    if (!client) throw new FlotillaError(`server ${item.serverId} is not running`, 'unavailable')
    const directory = item.directory
    if (answer.kind === 'permission') await client.replyPermission(item.requestId, answer.reply, answer.message, directory)
    else if (answer.kind === 'question') await client.replyQuestion(item.requestId, answer.answers, directory)
    else if (answer.kind === 'question-reject') await client.rejectQuestion(item.requestId, directory)
    this.resolve(id)
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

  private add(item: HeldItem): void {
    if (this.items.has(item.id)) return
    this.items.set(item.id, item)
    this.sink.added(item)
  }

  private resolve(id: string): void {
    if (this.items.delete(id)) this.sink.resolved(id)
  }
}

function withoutDirectory({ directory: _directory, ...item }: HeldItem): AttentionItem {
  return item
}
