import type { AttentionAnswer, AttentionItem } from '../contract/attention'
import { FlotillaError } from '../lib/errors'

/** Where an attention service says that an item came or went (the inbox pushes both to every client). */
export interface AttentionSink {
  added(item: AttentionItem): void
  resolved(id: string): void
}

export function itemId(serverId: string, requestId: string): string {
  return `${serverId}/${requestId}`
}

/** Which answers fit which item. */
const ANSWER_KINDS: Record<AttentionItem['kind'], AttentionAnswer['kind'][]> = {
  permission: ['permission'],
  question: ['question', 'question-reject'],
  hostKey: ['hostKey'],
  passphrase: ['passphrase'],
  install: ['install'],
}

/** Refuses an answer of the wrong kind (a permission reply to a host key) before anything is settled. */
export function checkAnswerFits(item: AttentionItem, answer: AttentionAnswer): void {
  const expected = ANSWER_KINDS[item.kind]
  if (!expected.includes(answer.kind)) throw new FlotillaError(`expected a ${expected.join(' or ')} answer for this ${item.kind}, got "${answer.kind}"`, 'bad_request')
}
