import { linkAnsi, scanLink } from './markdownLink'
import { TableBlock } from './markdownTable'

/**
 * An answer's Markdown as terminal text: **bold**, *italic* / _italic_, ~~strike~~, `code`,
 * [links](url) (markdownLink.ts), headings (bold), bullets (•), GFM tables as aligned columns
 * (markdownTable.ts: held until the table ends) and fenced code blocks (left as they are,
 * fences dimmed). Not a
 * Markdown parser: a small streaming pass over text that arrives in deltas, so it decides with
 * at most a few characters of lookahead and holds back only a line's first characters or a run
 * of marker characters at a chunk's end.
 *
 * Conservative where a guess could eat text: a marker opens only after a space, punctuation or
 * the line's start and before a non-space; it closes only after a non-space and before a space,
 * punctuation or the line's end; `\*` is a literal star; nothing spans a line (every style is
 * closed at a newline). A marker with no closer yet on a line still
 * streaming opens (the closer may be in the next delta); a finished line's lone one stays
 * literal. The input must already be terminal-safe (TerminalTextFilter): this adds
 * SGR sequences only.
 */
export class InlineMarkdown {
  private held = ''
  private lineStart = true
  private inFence = false
  private code = false
  private readonly open = new Set<Marker>()
  /** The previous character written (for flanking rules); '' at a line start. */
  private prev = ''
  private heading = false
  private readonly table = new TableBlock(InlineMarkdown.span, inlineMarkdownAnsi)

  /** Text inside a line (a link's text, a table cell): inline styles only, never a heading, bullet or table. */
  static span(text: string): string {
    const span = new InlineMarkdown()
    span.lineStart = false
    return span.end(text)
  }

  push(text: string): string {
    return this.run(text, false)
  }

  /** The text ended: what was held back is read as the end of its line, every open style is closed. */
  end(last = ''): string {
    const out = this.run(last, true) + this.closeAll()
    this.lineStart = true
    this.prev = ''
    return out
  }

  /** `final`: nothing follows, so the end of the input is the end of its line. */
  private run(text: string, final: boolean): string {
    const input = this.held + text
    this.held = ''
    let out = ''
    let i = 0
    while (i < input.length) {
      if (this.lineStart) {
        const lineEnd = input.indexOf('\n', i)
        const head = input.slice(i, lineEnd < 0 ? undefined : lineEnd)
        if (!this.inFence) {
          const step = this.table.offer(head, lineEnd >= 0 || final, lineEnd >= 0)
          out += step.out
          if (step.kind === 'hold') {
            this.held = input.slice(i)
            return out
          }
          if (step.kind === 'take') {
            i = lineEnd < 0 ? input.length : lineEnd + 1
            continue
          }
        }
        // Not enough of the line yet to tell a fence, heading or bullet from text.
        if (!final && lineEnd < 0 && head.length < 8 && /^\s{0,3}([`~]{0,3}|#{0,6}|[-*+])$/.test(head)) {
          this.held = input.slice(i)
          return out
        }
        this.lineStart = false
        const fence = /^\s{0,3}(```|~~~)/.exec(head)
        if (fence) {
          this.inFence = !this.inFence
          const end = lineEnd < 0 ? input.length : lineEnd
          out += DIM + input.slice(i, end) + UNDIM
          i = end
          continue
        }
        if (!this.inFence) {
          const h = /^#{1,6} /.exec(head)
          if (h) {
            out += HEADING_ON
            this.heading = true
            i += h[0].length
            continue
          }
          const bullet = /^(\s*)[-*+] /.exec(head)
          if (bullet) {
            out += bullet[1] + '• '
            this.prev = ' '
            i += bullet[0].length
            continue
          }
        }
      }
      const ch = input[i]!
      if (ch === '\n') {
        out += this.closeAll() + '\n'
        this.lineStart = true
        this.prev = ''
        i++
        continue
      }
      if (this.inFence) {
        const end = input.indexOf('\n', i)
        out += input.slice(i, end < 0 ? undefined : end)
        i = end < 0 ? input.length : end
        continue
      }
      if (ch === '\\' && i + 1 < input.length && PUNCTUATION.test(input[i + 1]!)) {
        out += input[i + 1]
        this.prev = input[i + 1]!
        i += 2
        continue
      }
      if (ch === '\\' && i + 1 === input.length && !final) {
        this.held = ch
        return out
      }
      if (ch === '[' && !this.code) {
        const link = scanLink(input, i, final)
        if (link.kind === 'wait') {
          this.held = input.slice(i)
          return out
        }
        if (link.kind === 'link') {
          out += linkAnsi(InlineMarkdown.span(link.text), link.text, link.url)
          this.prev = ')'
          i = link.end
          continue
        }
      }
      if (ch === '`') {
        out += this.code ? CODE_OFF : CODE_ON
        this.code = !this.code
        this.prev = ch
        i++
        continue
      }
      if (!this.code && (ch === '*' || ch === '_' || ch === '~')) {
        let run = 1
        while (input[i + run] === ch) run++
        // The character after the run decides: wait for it.
        if (i + run === input.length && !final) {
          this.held = input.slice(i)
          return out
        }
        const next = input[i + run] ?? '\n'
        const marker = markerOf(ch, run)
        if (marker) {
          const before = this.prev
          const canOpen = !isSpace(next) && (before === '' || isSpace(before) || PUNCTUATION.test(before))
          const canClose = before !== '' && !isSpace(before) && (isSpace(next) || PUNCTUATION.test(next))
          if (this.open.has(marker) && canClose) {
            out += STYLE[marker][1]
            this.open.delete(marker)
            this.prev = ch
            i += run
            continue
          }
          if (!this.open.has(marker) && canOpen && hasCloser(input, i + run, ch.repeat(run), final)) {
            out += STYLE[marker][0]
            this.open.add(marker)
            this.prev = ch
            i += run
            continue
          }
        }
        out += input.slice(i, i + run)
        this.prev = ch
        i += run
        continue
      }
      out += ch
      this.prev = ch
      i++
    }
    // Nothing follows: a table (or a `|` line) still held is written.
    return final ? out + this.table.flush() : out
  }

  private closeAll(): string {
    let out = ''
    for (const marker of this.open) out += STYLE[marker][1]
    this.open.clear()
    if (this.code) out += CODE_OFF
    this.code = false
    if (this.heading) out += HEADING_OFF
    this.heading = false
    return out
  }
}

/** A whole text at once. */
export function inlineMarkdownAnsi(text: string): string {
  return new InlineMarkdown().end(text)
}

type Marker = 'bold' | 'italic' | 'strike' | 'boldItalic'

function markerOf(ch: string, run: number): Marker | undefined {
  if (ch === '~') return run === 2 ? 'strike' : undefined
  if (run === 1) return 'italic'
  if (run === 2) return 'bold'
  if (run === 3) return 'boldItalic'
  return undefined
}

/**
 * Whether the rest of what has arrived of this line holds a closer. An opener with none yet may
 * still be closed by a later delta; it opens only when the line is not finished, so a finished
 * line's lone marker ("a *b") stays literal.
 */
function hasCloser(input: string, from: number, marker: string, final: boolean): boolean {
  const lineEnd = input.indexOf('\n', from)
  const rest = input.slice(from, lineEnd < 0 ? undefined : lineEnd)
  return rest.includes(marker) || (lineEnd < 0 && !final)
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n'
const PUNCTUATION = /[!-/:-@[-`{-~]/

const DIM = '\x1b[2m'
const UNDIM = '\x1b[22m'
const CODE_ON = '\x1b[36m'
const CODE_OFF = '\x1b[39m'
const HEADING_ON = '\x1b[1;4m'
const HEADING_OFF = '\x1b[22;24m'
const STYLE: Record<Marker, [string, string]> = {
  bold: ['\x1b[1m', '\x1b[22m'],
  italic: ['\x1b[3m', '\x1b[23m'],
  strike: ['\x1b[9m', '\x1b[29m'],
  boldItalic: ['\x1b[1;3m', '\x1b[22;23m'],
}
