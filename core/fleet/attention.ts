import { EventEmitter } from 'node:events'
import type { AttentionAnswer, AttentionItem, HostKeyInfo, InstallInfo, PassphraseInfo } from '../contract/attention'
import type { OcEvent } from '../contract/opencode'
import { FlotillaError } from '../lib/errors'
import { checkAnswerFits, type AttentionSink } from './attentionItem'
import type { Fleet } from './fleet'
import type { ManagedServer } from './managedServer'
import { OpencodeRequests } from './opencodeRequests'
import { SshQuestions, type HostKeyDecision } from './sshQuestions'

export interface AttentionEvents {
  added: [item: AttentionItem]
  resolved: [id: string]
}

/**
 * The attention inbox: everything that waits on the user, in one list with one answer method.
 * Two services fill it: opencode's permission and question requests (OpencodeRequests), and
 * Flotilla's own questions while connecting over SSH (SshQuestions).
 */
export class AttentionInbox extends EventEmitter<AttentionEvents> {
  private readonly requests: OpencodeRequests
  private readonly ssh: SshQuestions

  constructor(fleet: Fleet, taskForSession: (serverId: string, sessionId: string) => string | undefined) {
    super()
    const sink: AttentionSink = { added: (item) => this.emit('added', item), resolved: (id) => this.emit('resolved', id) }
    this.requests = new OpencodeRequests(fleet, taskForSession, sink)
    this.ssh = new SshQuestions(sink)
  }

  /** Oldest first (a stable sort: items asked in the same millisecond keep their service's order). */
  list(): AttentionItem[] {
    return [...this.requests.list(), ...this.ssh.list()].sort((a, b) => a.createdAt - b.createdAt)
  }

  onEvent(serverId: string, event: OcEvent, directory?: string): void {
    this.requests.onEvent(serverId, event, directory)
  }

  resync(server: ManagedServer, directories: readonly string[] = []): Promise<void> {
    return this.requests.resync(server, directories)
  }

  dropServer(serverId: string): void {
    this.ssh.dropServer(serverId)
    this.requests.dropServer(serverId)
  }

  askHostKey(serverId: string, key: HostKeyInfo): Promise<HostKeyDecision> {
    return this.ssh.askHostKey(serverId, key)
  }

  askPassphrase(serverId: string, info: PassphraseInfo): Promise<string | undefined> {
    return this.ssh.askPassphrase(serverId, info)
  }

  askInstall(serverId: string, info: InstallInfo): Promise<boolean> {
    return this.ssh.askInstall(serverId, info)
  }

  async answer(id: string, answer: AttentionAnswer): Promise<void> {
    const sshItem = this.ssh.get(id)
    const item = sshItem ?? this.requests.get(id)
    if (!item) throw new FlotillaError(`expected a pending attention item id, got "${id}"`, 'not_found')
    checkAnswerFits(item, answer)
    if (sshItem) this.ssh.answer(id, answer)
    else await this.requests.answer(id, answer)
  }
}
