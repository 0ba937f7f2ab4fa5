import type { OcEvent, OcPart } from '../../core/contract/opencode'
import { stripAnsi } from '../../core/view/ansi'
import type { SessionRenderer } from '../../core/view/sessionRenderer'

/** Builders of one session's opencode events, for the session renderer's tests. */
export const S = 'ses_1'

export const message = (id: string, role: 'user' | 'assistant', extra: object = {}): OcEvent => ({
  type: 'message.updated',
  properties: { sessionID: S, info: { id, sessionID: S, role, time: { created: 1 }, ...extra } },
})

export const partEvent = (part: Partial<OcPart> & { id: string }): OcEvent => ({
  type: 'message.part.updated',
  properties: { sessionID: S, part: { sessionID: S, messageID: 'msg_a', type: 'text', ...part } },
})

export const delta = (partID: string, text: string): OcEvent => ({
  type: 'message.part.delta',
  properties: { sessionID: S, messageID: 'msg_a', partID, field: 'text', delta: text },
})

/** Renders events in order; returns the plain text (ANSI stripped). */
export function renderAll(r: SessionRenderer, events: OcEvent[]): string {
  return stripAnsi(events.map((e) => r.render(e)).join(''))
}
