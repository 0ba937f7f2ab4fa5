import { describe, expect, it } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { InlineMarkdown, inlineMarkdownAnsi as md } from '../../core/view/inlineMarkdownAnsi'
import { fitColumns, visibleWidth } from '../../core/view/markdownTable'
import { WordWrapper, wrapText } from '../../core/view/wrap'

const BAR = '\x1b[90m│\x1b[39m'
const B = (s: string) => `\x1b[1m${s}\x1b[22m`
const rule = (inner: string) => `\x1b[90m├${inner}┤\x1b[39m`

const TABLE = ['| File | Lines | Note |', '|:-----|------:|:----:|', '| a.ts | 12 | ok |', '| `long/path/to/b.ts` | 1024 | needs a look |', ''].join('\n')

describe('GFM tables as aligned columns (issue 12)', () => {
  it('lays a table out at its natural width: bold header, a rule, cells padded to their alignment', () => {
    expect(md(TABLE).split('\n')).toEqual([
      `${BAR} ${B('File')}${' '.repeat(13)} ${BAR} ${B('Lines')} ${BAR}     ${B('Note')}     ${BAR}`,
      rule(`${'─'.repeat(19)}┼${'─'.repeat(7)}┼${'─'.repeat(14)}`),
      `${BAR} a.ts${' '.repeat(13)} ${BAR}    12 ${BAR}      ok      ${BAR}`,
      `${BAR} \x1b[36mlong/path/to/b.ts\x1b[39m ${BAR}  1024 ${BAR} needs a look ${BAR}`,
      '',
    ])
  })

  it('a table wider than the pane is cut to it: the widest columns give way, cells end in …, rows stay aligned', () => {
    const lines = stripAnsi(wrapText(md(TABLE), 30)).split('\n')
    expect(lines).toEqual([
      '│ File     │ Lines │  Note   │',
      '├──────────┼───────┼─────────┤',
      '│ a.ts     │    12 │   ok    │',
      '│ long/pa… │  1024 │ needs…  │',
      '',
    ])
    // The narrowest columns keep their width (Lines), the widest give way: 8 + 5 + 7 and the bars make 30.
    // Re-wrapped at another width (a resize), from the same text.
    const wider = stripAnsi(wrapText(md(TABLE), 40)).split('\n')
    expect(wider[3]).toBe('│ long/path/to… │  1024 │ needs a look │')
    for (const width of [12, 20, 30, 40, 80]) {
      const shown = stripAnsi(wrapText(md(TABLE), width)).split('\n').filter(Boolean)
      for (const line of shown) expect(visibleWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(Math.max(width, 13))
      // Every row's bars are in the same columns.
      const bars = (l: string) => [...l].flatMap((c, i) => ('│┼├┤'.includes(c) ? [i] : []))
      for (const line of shown) expect(bars(line)).toEqual(bars(shown[0]!))
    }
  })

  it('a cut cell keeps its styles closed, and wide characters count as two columns', () => {
    const out = wrapText(md('| 名前 | x |\n|---|---|\n| **修复修复修复修复** | y |\n'), 14)
    const row = out.split('\n')[2]!
    // 6 columns for the cell: 修复 (4) and … fit, a third 修 would not.
    expect(stripAnsi(row)).toBe('│ 修复…  │ y │')
    expect(row).toContain('\x1b[1m修复\x1b[22m…')
  })

  it('streams: a table split anywhere across deltas, and across the wrapper’s chunks, gives the same text', () => {
    const text = `Here:\n${TABLE}after **x**\n`
    const whole = md(text)
    const wrapped = wrapText(whole, 30)
    for (const size of [1, 2, 5, 13]) {
      const m = new InlineMarkdown()
      const w = new WordWrapper(30)
      let out = ''
      let shown = ''
      for (let i = 0; i < text.length; i += size) {
        const piece = m.push(text.slice(i, i + size))
        out += piece
        for (let j = 0; j < piece.length; j += size) shown += w.push(piece.slice(j, j + size))
      }
      const last = m.end()
      expect(out + last).toBe(whole)
      expect(shown + w.push(last)).toBe(wrapped)
    }
  })

  it('lines with pipes that are not a table stay text; a \\| is a pipe inside a cell', () => {
    expect(md('| not | a table |\nnext line\n')).toBe('| not | a table |\nnext line\n')
    expect(md('| only a header |\n')).toBe('| only a header |\n')
    expect(md('| a | b |\n|---|\n')).toBe('| a | b |\n|---|\n')
    expect(stripAnsi(md('| op | means |\n|---|---|\n| `a \\| b` | or |\n'))).toBe('│ op    │ means │\n├───────┼───────┤\n│ a | b │ or    │\n')
    // A fenced block's pipes are code.
    expect(stripAnsi(md('```\n| a | b |\n|---|---|\n```\n'))).toBe('```\n| a | b |\n|---|---|\n```\n')
  })

  it('fitColumns keeps narrow columns whole and shares the rest among the wide ones', () => {
    expect(fitColumns([4, 5, 12], 80)).toEqual([4, 5, 12])
    expect(fitColumns([17, 5, 12], 30)).toEqual([8, 5, 7])
    expect(fitColumns([3, 40, 40], 40)).toEqual([3, 14, 13])
    // Too narrow for every column: each keeps one (the row is then wider than asked).
    expect(fitColumns([10, 10], 5)).toEqual([1, 1])
  })
})
