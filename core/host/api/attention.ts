import { redact } from '../../view/redact'
import type { Engine } from '../engine'
import { redactedAttentionItem } from '../redactedPush'
import type { Handlers } from './types'

export function attentionHandlers(engine: Engine): Handlers<'attention.list' | 'attention.answer'> {
  return {
    // The same redacted items as the attention.added pushes.
    'attention.list': () => engine.attention.list().map((item) => redactedAttentionItem(item, (text) => redact(text, engine.secrets))),
    'attention.answer': async ({ id, answer }) => {
      await engine.attention.answer(id, answer)
      return { ok: true as const }
    },
  }
}
