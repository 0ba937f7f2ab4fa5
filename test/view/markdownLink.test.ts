import { describe, expect, it } from 'vitest'
import type { OcEvent } from '../../core/contract/opencode'
import { InlineMarkdown, inlineMarkdownAnsi as md } from '../../core/view/inlineMarkdownAnsi'
import { linkAnsi } from '../../core/view/markdownLink'
import { SessionRenderer } from '../../core/view/sessionRenderer'
import { partEvent, S } from '../support/ocEvents'

const U = '\x1b[4m'
const NU = '\x1b[24m'
const Q = '\x1b[90m'
const NQ = '\x1b[39m'
/** Any escape but an SGR sequence (Flotilla's colours), and any other control but newline. */
const NOT_SGR = /\x1b(?!\[[0-9;]*m)|[\x00-\x09\x0b-\x1a\x1c-\x1f\x7f-\x9f]/

describe('Markdown links as terminal text (issue 12)', () => {
  it('shows the text underlined, then the URL quieter in parentheses', () => {
    expect(md('see [the docs](https://x.test/a) now')).toBe(`see ${U}the docs${NU} ${Q}(https://x.test/a)${NQ} now`)
    // A URL with balanced parentheses keeps them; one whose text is the URL shows it once.
    expect(md('[Foo](https://w.test/Foo_(bar)).')).toBe(`${U}Foo${NU} ${Q}(https://w.test/Foo_(bar))${NQ}.`)
    expect(md('[https://x.test](https://x.test)')).toBe(`${U}https://x.test${NU}`)
  })

  it('renders emphasis inside the link text, and a link inside bold', () => {
    expect(md('[**b** c](u)')).toBe(`${U}\x1b[1mb\x1b[22m c${NU} ${Q}(u)${NQ}`)
    expect(md('**see [a](u)**')).toBe(`\x1b[1msee ${U}a${NU} ${Q}(u)${NQ}\x1b[22m`)
  })

  it('leaves brackets that are not links as they are', () => {
    for (const text of ['array[0] = x', '[x] (y)', '[a](b c)', '[](u)', '[a]()', '- [ ] todo', '`[a](u)`']) {
      expect(md(text).replace(/\x1b\[[0-9;]*m/g, '')).toBe(text.replace(/^- /, '• ').replace(/`/g, ''))
    }
  })

  it('streams: a link split anywhere across deltas gives the same text, and a stray [ waits only for its line', () => {
    const text = 'Read [the guide](https://x.test/g?a=1) then [x] next.\n'
    const whole = md(text)
    for (const size of [1, 2, 3, 7]) {
      const m = new InlineMarkdown()
      let out = ''
      for (let i = 0; i < text.length; i += size) out += m.push(text.slice(i, i + size))
      expect(out + m.end()).toBe(whole)
    }
    const m = new InlineMarkdown()
    expect(m.push('a [b')).toBe('a ')
    expect(m.push('] c')).toBe('[b] c')
  })

  it('a hostile URL (OSC 8, BEL, CSI, C1) from a model never reaches the terminal as a control', () => {
    const r = new SessionRenderer()
    const assistant: OcEvent = { type: 'message.updated', properties: { sessionID: S, info: { id: 'msg_a', sessionID: S, role: 'assistant', time: { created: 1 } } } }
    r.render(assistant)
    const hostile = '[click](https://x.test/\x1b]8;;https://evil.test\x07a\x9b2Jb\x1b[31mc\x07d)'
    const out = r.render(partEvent({ id: 'prt_1', text: `go ${hostile} now`, time: { start: 1, end: 2 } })) + r.finish()
    expect(out).toBe(`go ${U}click${NU} ${Q}(https://x.test/abcd)${NQ} now\n`)
    expect(out).not.toMatch(NOT_SGR)
  })

  it('strips controls from a URL given straight to it, as well (defence in depth)', () => {
    const out = linkAnsi('t', 't', 'https://x.test/\x1b]52;c;aGk=\x07p\x1b[2Jq\x00\x9b31mr\x85s\x7f')
    expect(out).toBe(`${U}t${NU} ${Q}(https://x.test/pqrs)${NQ}`)
    expect(out).not.toMatch(NOT_SGR)
  })
})
