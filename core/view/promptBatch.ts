/**
 * A batch of prompts in one text (the prompt bar, `flotilla run --prompts FILE`).
 *
 * - A line holding only `---` (spaces around allowed) separates prompts, so a prompt may span
 *   lines (e.g. `@rate 5` and `@reply …` of the scripted model stay one prompt).
 * - Without any separator line: one prompt per non-empty line when `onePerLine`, else the whole
 *   text is one prompt.
 * - A literal `---` line inside a prompt is written `\---` (one backslash is removed from a line
 *   holding only backslashes and `---`, so `\\---` gives `\---`).
 * Each prompt is trimmed; empty ones are dropped.
 */
export const BATCH_SEPARATOR = '---'

const SEPARATOR = /^[ \t]*---[ \t]*$/
const ESCAPED = /^([ \t]*)\\(\\*---[ \t]*)$/

export interface BatchOptions {
  /** Without a separator line, each non-empty line is a prompt of its own. */
  onePerLine?: boolean
}

export function splitPromptBatch(text: string, options: BatchOptions = {}): string[] {
  const lines = text.split(/\r?\n/)
  const unescape = (line: string) => line.replace(ESCAPED, '$1$2')
  if (lines.some((line) => SEPARATOR.test(line))) {
    const blocks: string[][] = [[]]
    for (const line of lines) {
      if (SEPARATOR.test(line)) blocks.push([])
      else blocks[blocks.length - 1]!.push(unescape(line))
    }
    return blocks.map((block) => block.join('\n').trim()).filter(Boolean)
  }
  if (options.onePerLine) return lines.map((line) => unescape(line).trim()).filter(Boolean)
  const whole = lines.map(unescape).join('\n').trim()
  return whole ? [whole] : []
}

/** Whether the text holds a separator line (the batch is split on those, whatever `onePerLine` says). */
export function hasBatchSeparator(text: string): boolean {
  return text.split(/\r?\n/).some((line) => SEPARATOR.test(line))
}
