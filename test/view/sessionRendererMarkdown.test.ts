import { describe, expect, it } from 'vitest'
import type { OcEvent } from '../../core/contract/opencode'
import { stripAnsi } from '../../core/view/ansi'
import { fixedSecrets, REDACTED } from '../../core/view/redact'
import { SessionRenderer } from '../../core/view/sessionRenderer'
import { delta, partEvent, S } from '../support/ocEvents'

const assistant: OcEvent = { type: 'message.updated', properties: { sessionID: S, info: { id: 'msg_a', sessionID: S, role: 'assistant', time: { created: 1 } } } }
const raw = (r: SessionRenderer, events: OcEvent[]) => events.map((e) => r.render(e)).join('') + r.finish()

describe('SessionRenderer: answers’ Markdown as ANSI (issue 12)', () => {
  it('streamed **bold** split across deltas is bold, without its markers', () => {
    const r = new SessionRenderer()
    const out = raw(r, [assistant, delta('prt_1', 'The *'), delta('prt_1', '*Bold'), delta('prt_1', '** claim'), partEvent({ id: 'prt_1', text: 'The **Bold** claim', time: { start: 1, end: 2 } })])
    expect(out).toContain('\x1b[1mBold\x1b[22m')
    expect(stripAnsi(out)).toBe('The Bold claim\n')
  })

  it('a secret with Markdown markers in it is still redacted (redaction comes first)', () => {
    const secret = 'ab**cd**ef'
    const r = new SessionRenderer(fixedSecrets([secret]))
    const out = stripAnsi(raw(r, [assistant, delta('prt_1', `key ${secret.slice(0, 4)}`), delta('prt_1', `${secret.slice(4)} end`), partEvent({ id: 'prt_1', text: `key ${secret} end`, time: { start: 1, end: 2 } })]))
    expect(out).toBe(`key ${REDACTED} end\n`)
  })

  it('escape sequences a model writes inside emphasis are still dropped', () => {
    const r = new SessionRenderer()
    const out = raw(r, [assistant, partEvent({ id: 'prt_1', text: 'a **b\x1b]52;c;aGk=\x07c** d', time: { start: 1, end: 2 } })])
    expect(out).not.toContain('\x1b]52')
    expect(stripAnsi(out)).toBe('a bc d\n')
  })

  it('reasoning stays plain text (dimmed), its markers kept', () => {
    const r = new SessionRenderer()
    const out = stripAnsi(raw(r, [assistant, partEvent({ id: 'prt_r', type: 'reasoning', text: 'think **hard**', time: { start: 1, end: 2 } })]))
    expect(out).toBe('think **hard**\n')
  })

  it('a streamed table is held until it ends, then written whole before the next structured line', () => {
    const r = new SessionRenderer()
    r.render(assistant)
    const shown = [delta('prt_1', 'Sizes:\n| f | n |\n|---|--'), delta('prt_1', '-|\n| a | 1 |\n')].map((e) => r.render(e)).join('')
    // Nothing of the table yet: its columns need every row.
    expect(stripAnsi(shown)).toBe('Sizes:\n')
    const tool = r.render(partEvent({ id: 'prt_t', type: 'tool', tool: 'bash', callID: 'c1', state: { status: 'running', input: { command: 'ls' } } }))
    expect(stripAnsi(tool)).toBe('│ f │ n │\n├───┼───┤\n│ a │ 1 │\n⚙ bash ls\n')
  })
})
