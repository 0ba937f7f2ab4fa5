import type { Engine } from '../engine'
import type { Handlers } from './types'

export function attentionHandlers(engine: Engine): Handlers<'attention.list' | 'attention.answer'> {
  return {
    'attention.list': () => engine.attention.list(),
    'attention.answer': async ({ id, answer }) => {
      await engine.attention.answer(id, answer)
      return { ok: true as const }
    },
  }
}
