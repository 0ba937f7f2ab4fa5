import { fitTableRow, TABLE_BAR } from './markdownTable'
import { charWidth } from './textWidth'

export { charWidth } from './textWidth'

/**
 * Soft wrap for terminal panes: xterm.js breaks a long line at the last column, mid-word, so
 * task text is wrapped here, at word boundaries, to the pane's width before it is written.
 *
 * Streaming: text arrives in chunks (deltas), and the last word of a chunk is written at once
 * (a pane must not lag a word behind). When the next chunk makes that word too long for the
 * line, the wrapper moves it: back to where it began (CHA), erase to the end of the line (EL),
 * newline, the word again. The input is the session renderer's output: plain text made safe by
 * TerminalTextFilter plus Flotilla's own SGR colours; any other escape sequence passes through
 * with no width.
 *
 * A continuation line keeps the logical line's leading indent (and a list bullet's), so tool
 * output ("  │ …") and lists stay readable. A word longer than the line is broken hard.
 *
 * A table row laid out by markdownTable.ts is never broken: it is held until its line is whole,
 * then narrowed to the width (fitTableRow), its cells cut with `…`.
 */
export class WordWrapper {
  private readonly width: number
  /** Column where the current (unfinished) word starts. */
  private wordStart = 0
  private word = ''
  private wordWidth = 0
  /** How much of `word` is already written out. */
  private emitted = 0
  /** The SGR state when the current word started (a moved word is redrawn in it). */
  private wordStyle = ''
  private readonly style = new SgrState()
  /** Still reading the line's leading whitespace (and bullet): it sets the hanging indent. */
  private leading = true
  private indent = 0
  private escape = ''
  private highSurrogate = ''
  /** Spaces before the current word, written only once a word follows on this line (a break drops them). */
  private spaces = 0
  /** The line so far, held while it is (or may still turn out to be) a laid-out table row. */
  private row: string | undefined

  constructor(width: number) {
    this.width = Math.max(8, Math.floor(Number.isFinite(width) ? width : 80))
  }

  push(text: string): string {
    let out = ''
    let i = 0
    while (i < text.length) {
      const newline = text.indexOf('\n', i)
      const end = newline < 0 ? text.length : newline
      if (this.row !== undefined || (text[i] === '\x1b' && this.atLineStart())) {
        const row = (this.row ?? '') + text.slice(i, end)
        i = end
        this.row = undefined
        if (newline < 0 && mayBeTableRow(row)) this.row = row // the rest of the row is still to come
        else if (newline >= 0 && isTableRow(row)) out += fitTableRow(row, this.width)
        else out += this.chars(row)
        continue
      }
      // The line's text up to (with) its newline; the next line may start a row.
      out += this.chars(text.slice(i, newline < 0 ? end : end + 1))
      i = newline < 0 ? end : end + 1
    }
    // The unfinished word is shown now; it moves if it turns out too long for this line.
    return out + this.flushWord()
  }

  /** Nothing visible on this line yet (colours only): a table row may start here. */
  private atLineStart(): boolean {
    return this.leading && !this.escape && this.wordStart + this.wordWidth === 0 && this.spaces === 0
  }

  private chars(text: string): string {
    let out = ''
    for (let i = 0; i < text.length; i++) {
      let ch = text[i]!
      const code = ch.charCodeAt(0)
      if (this.escape) {
        this.escape += ch
        if (endsEscape(this.escape)) {
          this.style.apply(this.escape)
          this.word += this.escape
          this.escape = ''
        } else if (this.escape.length > 64) {
          this.word += this.escape // not a sequence we know: let it through as it came
          this.escape = ''
        }
        continue
      }
      if (code === 0x1b) {
        this.escape = ch
        continue
      }
      if (this.highSurrogate) {
        ch = this.highSurrogate + ch
        this.highSurrogate = ''
      } else if (code >= 0xd800 && code <= 0xdbff) {
        this.highSurrogate = ch
        continue
      }
      if (ch === '\n') {
        out += this.flushWord() + '\n'
        this.spaces = 0
        this.newLine(0)
        this.leading = true
        this.indent = 0
      } else if (ch === ' ' || ch === '\t') {
        out += this.space(ch === '\t' ? 8 - ((this.wordStart + this.wordWidth) % 8) : 1)
      } else {
        if (this.leading) {
          this.leading = false
          const col = this.wordStart + this.wordWidth
          this.indent = col + (isBullet(ch) ? 2 : 0)
        }
        out += this.char(ch, charWidth(ch.codePointAt(0)!))
      }
    }
    return out
  }

  /** Writes what of the current word is not written yet (with the spaces before it, the first time). */
  private flushWord(): string {
    if (this.word.length === this.emitted) return ''
    const lead = this.emitted === 0 && this.spaces > 0 ? ' '.repeat(this.spaces) : ''
    this.spaces = 0
    const out = lead + this.word.slice(this.emitted)
    this.emitted = this.word.length
    return out
  }

  /** The hanging indent of continuation lines (none when it would leave too little room). */
  private continuation(): number {
    return this.indent <= this.width / 2 ? this.indent : 0
  }

  private newLine(col: number): void {
    this.word = ''
    this.wordWidth = 0
    this.emitted = 0
    this.wordStart = col
    this.wordStyle = this.style.toSgr()
  }

  private space(n: number): string {
    const out = this.flushWord()
    const col = this.wordStart + this.wordWidth
    if (col + n > this.width) {
      // The break falls on the space: it is dropped, the next word starts the next line.
      const indent = this.continuation()
      this.newLine(indent)
      this.spaces = 0
      return out + '\n' + ' '.repeat(indent)
    }
    this.newLine(col + n)
    this.spaces += n
    return out
  }

  private char(ch: string, w: number): string {
    let out = ''
    if (this.wordStart + this.wordWidth + w > this.width) {
      const indent = this.continuation()
      this.spaces = 0 // the spaces before a word that moves stay behind, unwritten
      if (this.wordStart > indent && indent + this.wordWidth + w <= this.width) {
        // Move the word to the next line; if part of it is on screen already, erase that part.
        if (this.emitted > 0) out += `\x1b[${this.wordStart + 1}G\x1b[K`
        const restyle = this.emitted > 0 ? `\x1b[0m${this.wordStyle}` : ''
        out += '\n' + ' '.repeat(indent) + restyle + this.word
        this.emitted = this.word.length
        this.wordStart = indent
      } else {
        // Longer than a line: broken where the line ends.
        out += this.flushWord() + '\n' + ' '.repeat(indent)
        this.newLine(indent)
      }
    }
    this.word += ch
    this.wordWidth += w
    return out
  }
}

/** Wraps a whole text (a resize re-wraps a pane's history with this). */
export function wrapText(text: string, width: number): string {
  return new WordWrapper(width).push(text)
}

/** Where a row laid out by markdownTable.ts starts (after any resets: a pane's kept history may start with one). */
const ROW_STARTS = [TABLE_BAR.slice(0, TABLE_BAR.indexOf('│') + 1), '\x1b[90m├']
const RESETS = /^(?:\x1b\[0m)+/

function isTableRow(line: string): boolean {
  const body = line.replace(RESETS, '')
  return ROW_STARTS.some((start) => body.startsWith(start))
}

/** Whether a line's start, still arriving, may turn out to be such a row. */
function mayBeTableRow(line: string): boolean {
  const body = line.replace(RESETS, '')
  return ROW_STARTS.some((start) => body.startsWith(start) || start.startsWith(body)) || '\x1b[0m'.startsWith(body)
}

function endsEscape(seq: string): boolean {
  if (seq.length < 2) return false
  if (seq[1] === '[') return seq.length > 2 && /[\x40-\x7e]/.test(seq[seq.length - 1]!)
  return true // a two-character escape
}

function isBullet(ch: string): boolean {
  return ch === '•' || ch === '-' || ch === '*' || ch === '│'
}

/** The SGR attributes in force, enough to redraw a moved word as it was. */
class SgrState {
  private attrs = new Map<string, string>()

  apply(seq: string): void {
    if (seq[1] !== '[' || !seq.endsWith('m')) return
    const params = seq.slice(2, -1).split(';')
    for (let i = 0; i < params.length; i++) {
      const p = Number(params[i] || '0')
      if (p === 0) this.attrs.clear()
      else if (p === 38 || p === 48) {
        // 38;5;n or 38;2;r;g;b
        const n = params[i + 1] === '2' ? 4 : 2
        this.attrs.set(p === 38 ? 'fg' : 'bg', params.slice(i, i + 1 + n).join(';'))
        i += n
      } else if ((p >= 30 && p <= 37) || (p >= 90 && p <= 97)) this.attrs.set('fg', String(p))
      else if (p === 39) this.attrs.delete('fg')
      else if ((p >= 40 && p <= 47) || (p >= 100 && p <= 107)) this.attrs.set('bg', String(p))
      else if (p === 49) this.attrs.delete('bg')
      else if (p === 22) {
        this.attrs.delete('1')
        this.attrs.delete('2')
      } else if (p >= 23 && p <= 29) this.attrs.delete(String(p - 20))
      else if (p >= 1 && p <= 9) this.attrs.set(String(p), String(p))
    }
  }

  toSgr(): string {
    return this.attrs.size === 0 ? '' : `\x1b[${[...this.attrs.values()].join(';')}m`
  }
}
