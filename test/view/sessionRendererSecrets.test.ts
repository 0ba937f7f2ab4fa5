import { describe, expect, it } from 'vitest'
import type { OcEvent, OcPart } from '../../core/contract/opencode'
import { stripAnsi } from '../../core/view/ansi'
import { fixedSecrets, REDACTED } from '../../core/view/redact'
import { SessionRenderer } from '../../core/view/sessionRenderer'
import { delta, partEvent, renderAll, S } from '../support/ocEvents'

const secret = 'q7Vw-Pa55word'
const assistant: OcEvent = { type: 'message.updated', properties: { sessionID: S, info: { id: 'msg_a', sessionID: S, role: 'assistant', time: { created: 1 } } } }

describe('SessionRenderer with known secrets', () => {
  it('redacts a secret split across two deltas of a part, at every position', () => {
    const text = `the password is ${secret}!`
    for (let cut = 1; cut < text.length; cut++) {
      const r = new SessionRenderer(fixedSecrets([secret]))
      const out = renderAll(r, [assistant, delta('prt_1', text.slice(0, cut)), delta('prt_1', text.slice(cut)), partEvent({ id: 'prt_1', text, time: { start: 1, end: 2 } })])
      expect(out, `cut at ${cut}`).toBe(`the password is ${REDACTED}!`)
    }
  })

  it('releases a held prefix that is no secret when the part ends, before the next line', () => {
    const r = new SessionRenderer(fixedSecrets([secret]))
    expect(renderAll(r, [assistant, delta('prt_1', 'ends with q7V')])).toBe('ends with ')
    const tool = partEvent({ id: 'prt_tool', type: 'tool', tool: 'bash', callID: 'c', state: { status: 'running', input: { command: `echo ${secret}` } } })
    expect(renderAll(r, [tool])).toBe(`q7V\n⚙ bash echo ${REDACTED}\n`)
    expect(renderAll(r, [delta('prt_2', 'q7')]) + stripAnsi(r.finish())).toBe('q7\n')
  })

  it('redacts tool output, errors and replayed messages', () => {
    const r = new SessionRenderer(fixedSecrets([secret]))
    const done = partEvent({ id: 'prt_tool', type: 'tool', tool: 'bash', callID: 'c', state: { status: 'completed', input: { command: 'printenv' }, output: `PW=${secret}\n` } })
    const error: OcEvent = { type: 'session.error', properties: { sessionID: S, error: { name: 'Boom', data: { message: `bad ${JSON.stringify(secret)}` } } } }
    const out = renderAll(r, [assistant, done, error])
    expect(out).not.toContain(secret)
    expect(out).toContain(`PW=${REDACTED}`)
    const replayed = stripAnsi(r.replay({ info: { id: 'msg_b', sessionID: S, role: 'assistant', time: { created: 2 } }, parts: [{ id: 'prt_3', sessionID: S, messageID: 'msg_b', type: 'text', text: `x ${secret}` }] }))
    expect(replayed + r.finish()).toBe(`x ${REDACTED}\n`)
  })
})
