import { describe, expect, it } from 'vitest'
import { InlineMarkdown, inlineMarkdownAnsi as md } from '../../core/view/inlineMarkdownAnsi'

const BOLD = '\x1b[1m'
const UNBOLD = '\x1b[22m'

describe('inline Markdown as ANSI', () => {
  it('renders bold, italic, strike and code without their markers', () => {
    expect(md('a **Bold** b')).toBe(`a ${BOLD}Bold${UNBOLD} b`)
    expect(md('an *em* and _em_')).toBe('an \x1b[3mem\x1b[23m and \x1b[3mem\x1b[23m')
    expect(md('~~gone~~')).toBe('\x1b[9mgone\x1b[29m')
    expect(md('run `npm test` now')).toBe('run \x1b[36mnpm test\x1b[39m now')
  })

  it('leaves markers that are not emphasis alone', () => {
    expect(md('2 * 3 * 4')).toBe('2 * 3 * 4')
    expect(md('snake_case_name and a*b*c')).toBe('snake_case_name and a*b*c')
    expect(md('an unclosed *star here')).toBe('an unclosed *star here')
    expect(md('\\*literal\\*')).toBe('*literal*')
  })

  it('does not style inside code spans or fenced blocks', () => {
    expect(md('`a **b** c`')).toBe('\x1b[36ma **b** c\x1b[39m')
    const out = md('```ts\nconst x = **y**\n```\nafter **b**')
    expect(out).toContain('const x = **y**')
    expect(out).toContain(`after ${BOLD}b${UNBOLD}`)
  })

  it('headings are bold, bullets are dots', () => {
    expect(md('## Plan\n- one\n')).toBe('\x1b[1;4mPlan\x1b[22;24m\n• one\n')
  })

  it('closes every style at the end of a line: nothing bleeds into the next', () => {
    const out = md('**open and the line ends\nnext')
    expect(out.endsWith('next')).toBe(true)
    expect(out.split('\n')[1]).toBe('next')
  })

  it('streams: markers split across deltas give the same text', () => {
    const text = 'Use **bold** and `code` here.\n## Head\n- item *em*\n'
    const whole = md(text)
    for (const size of [1, 2, 5]) {
      const m = new InlineMarkdown()
      let out = ''
      for (let i = 0; i < text.length; i += size) out += m.push(text.slice(i, i + size))
      expect(out + m.end()).toBe(whole)
    }
  })
})
