import { describe, expect, it } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { charWidth, WordWrapper, wrapText } from '../../core/view/wrap'

/** What a terminal shows after the wrapper's output: CHA + EL (a moved word) applied to plain text. */
function screen(out: string): string[] {
  const lines: string[] = ['']
  const re = /\x1b\[(\d*)G\x1b\[K|\x1b\[[0-9;]*m|\n|[^\x1b\n]/gu
  for (const m of out.matchAll(re)) {
    const tok = m[0]
    if (tok === '\n') lines.push('')
    else if (m[1] !== undefined) lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, Number(m[1]) - 1)
    else if (!tok.startsWith('\x1b')) lines[lines.length - 1] += tok
  }
  return lines
}

describe('WordWrapper', () => {
  it('breaks at word boundaries, never mid-word, dropping the space at the break', () => {
    const lines = wrapText('the quick brown fox jumps over the lazy dog', 16).split('\n')
    expect(lines).toEqual(['the quick brown', 'fox jumps over', 'the lazy dog'])
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(16)
  })

  it('keeps short lines and existing newlines as they are', () => {
    expect(wrapText('a b\nc d\n', 20)).toBe('a b\nc d\n')
  })

  it('breaks a word longer than the line hard, where the line ends', () => {
    expect(wrapText('x'.repeat(25), 10).split('\n')).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)])
  })

  it('ignores colour sequences when measuring, and keeps them', () => {
    const text = `\x1b[1m${'word '.repeat(6)}\x1b[22m`
    const out = wrapText(text, 12)
    expect(stripAnsi(out).split('\n')).toEqual(['word word', 'word word', 'word word '])
    expect(out).toContain('\x1b[1m')
    expect(out).toContain('\x1b[22m')
  })

  it('indents continuation lines like the line they continue (tool output, bullets)', () => {
    expect(wrapText('  │ alpha beta gamma delta', 14).split('\n')).toEqual(['  │ alpha beta', '    gamma', '    delta'])
    expect(wrapText('• one two three four', 10).split('\n')).toEqual(['• one two', '  three', '  four'])
  })

  it('streams: a word split across chunks that no longer fits is moved (erased and written on the next line)', () => {
    const w = new WordWrapper(10)
    const a = w.push('hello wor')
    expect(a).toBe('hello wor')
    const b = w.push('ld again')
    // The 'wor' already on screen is erased from its column and 'world' starts the next line.
    expect(b.startsWith('\x1b[7G\x1b[K')).toBe(true)
    expect(screen(a + b)).toEqual(['hello ', 'world', 'again'])
  })

  it('gives the same screen however the text is split into chunks', () => {
    const text = 'Streaming answers arrive in small deltas, and **every** word must stay whole at any width.\n  │ indented tool output that is long\n'
    for (const width of [12, 20, 33]) {
      const whole = screen(wrapText(text, width)).map((l) => l.trimEnd())
      for (const size of [1, 3, 7]) {
        const w = new WordWrapper(width)
        let out = ''
        for (let i = 0; i < text.length; i += size) out += w.push(text.slice(i, i + size))
        expect(screen(out).map((l) => l.trimEnd())).toEqual(whole)
      }
      for (const line of whole) expect(line.length).toBeLessThanOrEqual(width)
    }
  })

  it('redraws a moved word in the style it started with', () => {
    const w = new WordWrapper(10)
    const out = w.push('hello \x1b[31mwo') + w.push('rld\x1b[39m')
    // Reset, then red again before "world".
    expect(out).toContain('\n\x1b[0m\x1b[31mwo')
  })

  it('counts wide characters as two columns', () => {
    expect(charWidth('界'.codePointAt(0)!)).toBe(2)
    expect(charWidth('a'.codePointAt(0)!)).toBe(1)
    expect(wrapText('界界界 界界界', 8).split('\n')).toEqual(['界界界', '界界界'])
  })
})
