import { describe, expect, it } from 'vitest'
import { hasBatchSeparator, splitPromptBatch } from '../../core/view/promptBatch'

describe('prompt batch', () => {
  it('keeps the whole text as one prompt unless asked for one per line', () => {
    expect(splitPromptBatch('  @rate 5\n@reply hi  ')).toEqual(['@rate 5\n@reply hi'])
    expect(splitPromptBatch('  \n ')).toEqual([])
    expect(splitPromptBatch('  a\n\nb  \n', { onePerLine: true })).toEqual(['a', 'b'])
  })

  it('splits on lines holding only ---, keeping each prompt’s lines together (directives stay one prompt)', () => {
    const text = '@rate 5\n@reply first\n---\n@rate 20\n@reply second\n  ---  \n\n---\nthird\r\n---\r\n'
    expect(splitPromptBatch(text)).toEqual(['@rate 5\n@reply first', '@rate 20\n@reply second', 'third'])
    // One per line yields to the separator: otherwise "@rate 5" would be a prompt of its own.
    expect(splitPromptBatch(text, { onePerLine: true })).toEqual(['@rate 5\n@reply first', '@rate 20\n@reply second', 'third'])
    expect(hasBatchSeparator(text)).toBe(true)
  })

  it('--- inside a line, or with other text, separates nothing', () => {
    expect(splitPromptBatch('a --- b\n----\n-- -\n---x')).toEqual(['a --- b\n----\n-- -\n---x'])
    expect(hasBatchSeparator('a --- b\n----')).toBe(false)
  })

  it('\\--- is a literal --- line (and \\\\--- a literal \\--- line), in every mode', () => {
    expect(splitPromptBatch('title\n\\---\nbody\n---\nnext')).toEqual(['title\n---\nbody', 'next'])
    expect(splitPromptBatch('a\n\\---\nb')).toEqual(['a\n---\nb'])
    expect(splitPromptBatch('\\\\---', { onePerLine: true })).toEqual(['\\---'])
    expect(splitPromptBatch('  \\---  ', { onePerLine: true })).toEqual(['---'])
    // A backslash elsewhere is left alone.
    expect(splitPromptBatch('a\\---b\n\\-- -')).toEqual(['a\\---b\n\\-- -'])
  })
})
