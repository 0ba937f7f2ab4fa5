// @vitest-environment jsdom
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Markdown } from '../../renderer/src/components/Markdown'
import { highlight } from '../../renderer/src/markdown/highlight'
import { parseInline, parseMarkdown } from '../../renderer/src/markdown/parse'

const html = (source: string) => renderToStaticMarkup(createElement(Markdown, { source }))

describe('markdown', () => {
  it('renders a <script> as text, never as an element', () => {
    const out = html('Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>')
    expect(out).not.toContain('<script')
    expect(out).not.toContain('<img')
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    const host = document.createElement('div')
    host.innerHTML = out
    expect(host.querySelector('script, img')).toBeNull()
    expect(host.textContent).toContain('<script>alert(1)</script>')
  })

  it('keeps only http(s) and mailto links; javascript: stays text', () => {
    const out = html('[ok](https://example.com) [bad](javascript:alert(1)) [data](data:text/html,x)')
    expect(out).toContain('href="https://example.com"')
    expect(out).not.toContain('javascript:alert(1)"')
    expect(out).not.toMatch(/href="(javascript|data):/)
    expect(out).toContain('[bad](javascript:alert(1))')
  })

  it('parses paragraphs, fences, lists, headings and quotes', () => {
    const blocks = parseMarkdown('# Title\n\nfirst line\nsecond line\n\n```ts\nconst x = 1\n```\n\n- a\n- b\n  more\n\n3. three\n4. four\n\n> quoted\n\n---')
    expect(blocks.map((b) => b.type)).toEqual(['heading', 'paragraph', 'code', 'list', 'list', 'quote', 'rule'])
    expect(blocks[2]).toEqual({ type: 'code', lang: 'ts', code: 'const x = 1' })
    expect(blocks[3]).toMatchObject({ ordered: false, items: [[{ text: 'a' }], [{ text: 'b more' }]] })
    expect(blocks[4]).toMatchObject({ ordered: true, start: 3 })
  })

  it('keeps a fence body verbatim, markup and all', () => {
    const out = html('```html\n<b>not bold</b> **not strong**\n```')
    const host = document.createElement('div')
    host.innerHTML = out
    expect(host.querySelector('pre code')?.textContent).toBe('<b>not bold</b> **not strong**')
    expect(host.querySelector('b, strong')).toBeNull()
  })

  it('parses inline code, bold, italics; leaves snake_case alone', () => {
    expect(parseInline('use `a*b` and **bold** and *it*')).toEqual([
      { type: 'text', text: 'use ' },
      { type: 'code', text: 'a*b' },
      { type: 'text', text: ' and ' },
      { type: 'strong', children: [{ type: 'text', text: 'bold' }] },
      { type: 'text', text: ' and ' },
      { type: 'em', children: [{ type: 'text', text: 'it' }] },
    ])
    expect(html('use `x` and **y**')).toBe('<div class="markdown"><p>use <code>x</code> and <strong>y</strong></p></div>')
    expect(parseInline('snake_case_name')).toEqual([{ type: 'text', text: 'snake_case_name' }])
    expect(parseInline('a \\*literal\\*')).toEqual([{ type: 'text', text: 'a *literal*' }])
  })

  it('renders an unterminated fence to the end and odd input without throwing', () => {
    expect(() => html('```\nopen fence\n**')).not.toThrow()
    expect(() => html('*'.repeat(2000) + '`'.repeat(500) + '['.repeat(500))).not.toThrow()
  })

  it('highlights comments, strings, numbers and keywords', () => {
    const kinds = highlight('const s = "x" // note\nreturn 42', 'ts').filter((t) => t.kind !== 'plain')
    expect(kinds).toEqual([
      { kind: 'keyword', text: 'const' },
      { kind: 'string', text: '"x"' },
      { kind: 'comment', text: '// note' },
      { kind: 'keyword', text: 'return' },
      { kind: 'number', text: '42' },
    ])
    expect(highlight('x = 1 # py', 'python').some((t) => t.kind === 'comment' && t.text === '# py')).toBe(true)
    const code = 'let a = "b" /* c */ 1'
    expect(highlight(code, 'js').map((t) => t.text).join('')).toBe(code)
  })
})
