// @vitest-environment jsdom
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Markdown } from '../../renderer/src/components/Markdown'
import { MAX_HIGHLIGHT } from '../../renderer/src/markdown/highlight'
import { safeHref } from '../../renderer/src/markdown/links'

const html = (source: string) => renderToStaticMarkup(createElement(Markdown, { source }))

/** The answer rendered into a detached DOM tree, to query like the page would. */
function dom(source: string): HTMLElement {
  const host = document.createElement('div')
  host.innerHTML = html(source)
  return host
}

describe('markdown: hostile answers stay inert', () => {
  it('renders <script>, <img onerror>, <iframe> and inline HTML as text, never as elements', () => {
    const source = [
      'Hello <script>alert(1)</script>',
      '',
      '<img src=x onerror=alert(1)>',
      '',
      '<div onclick="alert(2)"><iframe src="https://evil.example"></iframe></div>',
      '',
      'inline <b onmouseover="alert(3)">bold?</b> <style>body{display:none}</style>',
    ].join('\n')
    const out = html(source)
    expect(out).not.toMatch(/<(script|img|iframe|style|b|div onclick)[\s>]/)
    expect(out).not.toMatch(/<[^>]*\son\w+=/)
    const host = dom(source)
    expect(host.querySelector('script, img, iframe, style, b, [onclick], [onerror], [onmouseover]')).toBeNull()
    expect(host.textContent).toContain('<script>alert(1)</script>')
    expect(host.textContent).toContain('<img src=x onerror=alert(1)>')
    expect(host.textContent).toContain('<b onmouseover="alert(3)">bold?</b>')
  })

  it('keeps only http(s) and mailto links, opened in a new window without referrer; others stay text', () => {
    const host = dom(
      '[ok](https://example.com) [mail](mailto:a@b.example) [bad](javascript:alert(1)) [data](data:text/html,x) [rel](./x.md) [JS](  JAVASCRIPT:alert(1))',
    )
    const links = [...host.querySelectorAll('a')]
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com', 'mailto:a@b.example'])
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank')
      expect(a.getAttribute('rel')).toBe('noreferrer noopener')
    }
    expect(host.innerHTML).not.toMatch(/href="\s*(javascript|data):/i)
    expect(host.textContent).toContain('[bad](javascript:alert(1))')
    expect(host.textContent).toContain('[data](data:text/html,x)')
    expect(host.textContent).toContain('[rel](./x.md)')
  })

  it('never loads an image: a link to it (http) or its alt text', () => {
    const host = dom('![diagram](https://example.com/a.png) ![pixel](data:image/png;base64,AAAA) ![](javascript:alert(1))')
    expect(host.querySelector('img')).toBeNull()
    const link = host.querySelector('a.md-image')
    expect(link?.getAttribute('href')).toBe('https://example.com/a.png')
    expect(link?.textContent).toBe('image: diagram')
    expect(host.textContent).toContain('image: pixel')
    expect(host.innerHTML).not.toMatch(/(src|href)="(data|javascript):/)
  })

  it('drops ANSI escape sequences and controls; the text around them stays', () => {
    const host = dom('\u001b[31mred\u001b[0m and \u001b]52;c;ZXZpbA==\u0007clip \u009b2Jx')
    expect(host.textContent).toBe('red and clip x')
    expect(host.innerHTML).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
  })

  it('keeps a fence body verbatim, markup and all', () => {
    const host = dom('```html\n<b>not bold</b> **not strong** <script>x</script>\n```')
    expect(host.querySelector('pre code')?.textContent).toBe('<b>not bold</b> **not strong** <script>x</script>\n')
    expect(host.querySelector('b, strong, script')).toBeNull()
  })

  it('survives odd input without throwing', () => {
    expect(() => html('```\nopen fence\n**')).not.toThrow()
    expect(() => html('*'.repeat(2000) + '`'.repeat(500) + '['.repeat(500) + '|'.repeat(500))).not.toThrow()
    expect(dom('```\nopen fence\n**').querySelector('pre code')?.textContent).toBe('open fence\n**\n')
  })

  it('safeHref allows http(s) and mailto only', () => {
    expect(safeHref('https://a.example')).toBe('https://a.example')
    expect(safeHref('HTTP://a.example')).toBe('HTTP://a.example')
    expect(safeHref('mailto:x@y')).toBe('mailto:x@y')
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', '/relative', '#anchor', '//host/x'])
      expect(safeHref(bad)).toBeUndefined()
  })
})

describe('markdown: GFM', () => {
  it('renders paragraphs, inline code, emphasis and headings (shifted below the detail heading)', () => {
    expect(html('use `x` and **y** and *z*')).toBe(
      '<div class="markdown"><p>use <code>x</code> and <strong>y</strong> and <em>z</em></p></div>',
    )
    const host = dom('# Title\n\n## Sub\n\nsnake_case_name and a \\*literal\\*')
    expect(host.querySelector('h3')?.textContent).toBe('Title')
    expect(host.querySelector('h4')?.textContent).toBe('Sub')
    expect(host.querySelector('h1, h2')).toBeNull()
    expect(host.querySelector('p')?.textContent).toBe('snake_case_name and a *literal*')
  })

  it('renders a table with header, body and alignment, in a scroll wrapper', () => {
    const host = dom('| name | ms |\n| :--- | ---: |\n| `a` | 12 |\n| b | 3 |')
    const table = host.querySelector('div.md-table > table')
    expect(table).not.toBeNull()
    expect([...table!.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual(['name', 'ms'])
    const rows = [...table!.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))
    expect(rows).toEqual([
      ['a', '12'],
      ['b', '3'],
    ])
    expect(table!.querySelector('tbody td code')?.textContent).toBe('a')
    expect(table!.querySelector('thead th:last-child')?.getAttribute('style') ?? table!.querySelector('thead th:last-child')?.getAttribute('align')).toMatch(/right/)
  })

  it('renders nested lists, ordered lists with a start, and task lists', () => {
    const host = dom('- a\n  - a1\n    1. deep\n- b\n\n3. three\n4. four\n\n- [x] done\n- [ ] todo')
    const outer = host.querySelector('ul')!
    expect(outer.querySelector(':scope > li > ul > li')?.firstChild?.textContent?.trim()).toBe('a1')
    expect(outer.querySelector(':scope > li > ul > li > ol > li')?.textContent).toBe('deep')
    const ol = [...host.querySelectorAll('ol')].find((o) => o.getAttribute('start') === '3')
    expect(ol?.querySelectorAll('li')).toHaveLength(2)
    const boxes = [...host.querySelectorAll<HTMLInputElement>('li input[type=checkbox]')]
    expect(boxes.map((b) => b.checked)).toEqual([true, false])
    expect(boxes.every((b) => b.disabled)).toBe(true)
    expect(boxes.map((b) => b.getAttribute('aria-label'))).toEqual(['done', 'not done'])
    expect(host.querySelector('ul.contains-task-list li.task-list-item')?.textContent).toContain('done')
  })

  it('renders strikethrough, quotes, rules and autolinks', () => {
    const host = dom('~~gone~~\n\n> quoted\n\n---\n\nsee https://example.com/x')
    expect(host.querySelector('del')?.textContent).toBe('gone')
    expect(host.querySelector('blockquote')?.textContent?.trim()).toBe('quoted')
    expect(host.querySelector('hr')).not.toBeNull()
    expect(host.querySelector('a')?.getAttribute('href')).toBe('https://example.com/x')
  })

  it('highlights fenced code by language with highlight.js classes', () => {
    const host = dom('```ts\nconst s: string = "x" // note\nreturn 42\n```')
    const pre = host.querySelector('pre.code-block')!
    expect(pre.getAttribute('data-lang')).toBe('ts')
    const code = pre.querySelector('code')!
    expect(code.className).toContain('hljs')
    expect(code.className).toContain('language-ts')
    const kinds = (cls: string) => [...code.querySelectorAll(`.hljs-${cls}`)].map((el) => el.textContent)
    expect(kinds('keyword')).toEqual(expect.arrayContaining(['const', 'return']))
    expect(kinds('string')).toEqual(['"x"'])
    expect(kinds('comment')).toEqual(['// note'])
    expect(kinds('number')).toEqual(['42'])
    expect(code.textContent).toBe('const s: string = "x" // note\nreturn 42\n')
  })

  it('highlights the registered aliases; an unknown language or no language stays plain', () => {
    expect(dom('```python\nx = 1 # py\n```').querySelector('.hljs-comment')?.textContent).toBe('# py')
    expect(dom('```sh\necho hi # c\n```').querySelector('.hljs-comment')?.textContent).toBe('# c')
    expect(dom('```diff\n-a\n+b\n```').querySelector('.hljs-addition')?.textContent).toBe('+b')
    const unknown = dom('```cobol\nMOVE 1 TO X.\n```').querySelector('pre code')!
    expect(unknown.querySelector('span')).toBeNull()
    expect(unknown.textContent).toBe('MOVE 1 TO X.\n')
    expect(dom('```\nconst x = 1\n```').querySelector('pre code span')).toBeNull()
  })

  it('shows a code block over the highlight limit plain', () => {
    const big = 'const x = 1\n'.repeat(Math.ceil(MAX_HIGHLIGHT / 12) + 1)
    const code = dom('```ts\n' + big + '```').querySelector('pre code')!
    expect(code.querySelector('span')).toBeNull()
    expect(code.textContent).toBe(big)
  })
})
