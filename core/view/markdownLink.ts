import { sanitizeTerminalText } from './terminalText'

/**
 * Markdown links, `[text](url)`, for the answer renderer (inlineMarkdownAnsi.ts): the text
 * underlined, then the URL quieter in parentheses. Not an OSC 8 hyperlink: what Flotilla writes
 * to a terminal holds no escape sequence but its own SGR colours (terminalText.ts), and a
 * pane's wrapper measures text by SGR alone; an OSC 8 sequence carrying a model's URL would
 * break both rules.
 */

export type LinkScan = { kind: 'link'; text: string; url: string; end: number } | { kind: 'wait' } | { kind: 'literal' }

/** A link longer than this (text and URL) is read as text, so a stray `[` never holds a stream back for long. */
const MAX_LINK_CHARS = 2_048

/**
 * What starts at `input[at]` (a `[`): a whole link on this line, literal text, or `wait` when the
 * line is still streaming (`final` false, no newline yet) and what follows could still become one.
 */
export function scanLink(input: string, at: number, final: boolean): LinkScan {
  const lineEnd = input.indexOf('\n', at)
  const stop = lineEnd < 0 ? input.length : lineEnd
  const open = lineEnd < 0 && !final
  const wait = (): LinkScan => (open && stop - at < MAX_LINK_CHARS ? { kind: 'wait' } : { kind: 'literal' })
  const close = input.indexOf(']', at + 1)
  if (close < 0 || close >= stop) return input.slice(at + 1, stop).includes('[') ? { kind: 'literal' } : wait()
  const text = input.slice(at + 1, close)
  if (text.trim() === '' || text.includes('[')) return { kind: 'literal' }
  if (close + 1 === stop) return wait()
  if (input[close + 1] !== '(') return { kind: 'literal' }
  // The URL runs to the `)` that balances its `(` (Wikipedia's `Foo_(bar)`); no spaces (titles are not read).
  let depth = 0
  for (let j = close + 2; j < stop; j++) {
    const c = input[j]!
    if (c === ' ' || c === '\t' || c === '<' || c === '>') return { kind: 'literal' }
    if (c === '(') depth++
    else if (c === ')') {
      if (depth > 0) depth--
      else return j === close + 2 ? { kind: 'literal' } : { kind: 'link', text, url: input.slice(close + 2, j), end: j + 1 }
    }
  }
  return wait()
}

const UNDERLINE = '\x1b[4m'
const NO_UNDERLINE = '\x1b[24m'
/** ansi.dim's bright black: readable on both pane themes, unlike SGR 2. */
const QUIET = '\x1b[90m'
const NO_QUIET = '\x1b[39m'

/**
 * A link as terminal text: `styledText` (the link text, already rendered) underlined, then the
 * URL in parentheses. The URL is made terminal-safe here again (its caller's input should be
 * already): nothing in it can reach a terminal as a control. A link whose text is its URL shows it once.
 */
export function linkAnsi(styledText: string, plainText: string, url: string): string {
  const safeUrl = sanitizeTerminalText(url).replace(/[\x00-\x20\x7f-\x9f]/g, '')
  const text = `${UNDERLINE}${styledText}${NO_UNDERLINE}`
  if (!safeUrl || safeUrl === plainText.trim() || `mailto:${plainText.trim()}` === safeUrl) return text
  return `${text} ${QUIET}(${safeUrl})${NO_QUIET}`
}
