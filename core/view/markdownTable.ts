import { charWidth } from './textWidth'

/**
 * GFM tables in an answer (`| a | b |`, then a `|---|:--:|` delimiter row) as aligned columns.
 *
 * Two halves, because the width is known only where the text is wrapped: TableBlock (fed line by
 * line by InlineMarkdown, which knows no width) lays a table out at its natural width, and
 * fitTableRow (called by the pane's WordWrapper, which knows the width) narrows one laid-out row
 * to a width. Every row of a table carries its columns' full widths (cells are padded), so each
 * row is narrowed on its own, the same way, and the rows stay aligned; a resize re-wraps them.
 *
 * A laid-out row is recognised by its bars: `\x1b[90m│\x1b[39m`. Model text cannot hold that
 * (it is terminal-safe: no ESC), so only a row laid out here is ever taken for one.
 */

export const TABLE_BAR = '\x1b[90m│\x1b[39m'
const RULE_START = '\x1b[90m├'
const QUIET_OFF = '\x1b[39m'
const BOLD = '\x1b[1m'
const UNBOLD = '\x1b[22m'

type Align = 'left' | 'right' | 'center'

/** A line that may be a table's row: a `|` first (after at most 3 spaces, as in GFM). */
const ROW_LINE = /^ {0,3}\|/
/** What a delimiter row's start may look like while it streams. */
const DELIMITER_PREFIX = /^ {0,3}[|:\- \t]*$/

export type TableStep = { kind: 'hold'; out: string } | { kind: 'take'; out: string } | { kind: 'pass'; out: string }

/**
 * The table state of one streamed text, a line at a time. A `|` line is held until the next line
 * says whether it is a table's header (the delimiter row follows) or text; a table is held until
 * its first line that is not a row, then written whole (its columns need every row's width).
 */
export class TableBlock {
  private candidate: string | undefined
  private rows: string[] | undefined

  /**
   * @param inline renders one cell's (or a text line's) inline Markdown
   * @param textLine renders a line that turned out not to be a table's, as the line it is
   */
  constructor(
    private readonly inline: (text: string) => string,
    private readonly textLine: (line: string) => string,
  ) {}

  /**
   * The next line: `head` is what has arrived of it, `complete` whether all of it has (a newline
   * followed, or the text ended), `ended` whether a newline followed. hold = wait for more of the
   * line; take = the line is the table's (consumed); pass = the caller renders the line itself.
   */
  offer(head: string, complete: boolean, ended: boolean): TableStep {
    let out = ''
    if (this.rows) {
      const first = /\S/.exec(head)
      if (!first && !complete) return { kind: 'hold', out }
      if (first && head[first.index] === '|' && ROW_LINE.test(head)) {
        if (!complete) return { kind: 'hold', out }
        this.rows.push(head)
        return { kind: 'take', out }
      }
      out += this.flush()
    } else if (this.candidate !== undefined) {
      if (!complete && DELIMITER_PREFIX.test(head)) return { kind: 'hold', out }
      if (complete && isDelimiterFor(this.candidate, head)) {
        this.rows = [this.candidate, head]
        this.candidate = undefined
        return { kind: 'take', out }
      }
      out += this.flush()
    }
    if (!ROW_LINE.test(head)) return { kind: 'pass', out }
    if (!complete) return { kind: 'hold', out }
    // The text's last line cannot be a header: no delimiter row can follow it.
    if (!ended) return { kind: 'pass', out }
    this.candidate = head
    return { kind: 'take', out }
  }

  /** What is held, written: a table laid out, or a lone `|` line as text. */
  flush(): string {
    const candidate = this.candidate
    const rows = this.rows
    this.candidate = undefined
    this.rows = undefined
    if (candidate !== undefined) return this.textLine(candidate) + '\n'
    return rows ? layOutTable(rows, this.inline) : ''
  }
}

/** A row's cells: outer pipes off, split at pipes that are not escaped (`\|` is a pipe in a cell). */
export function tableCells(line: string): string[] {
  let body = line.trim()
  if (body.startsWith('|')) body = body.slice(1)
  if (body.endsWith('|') && !body.endsWith('\\|')) body = body.slice(0, -1)
  return body.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'))
}

function isDelimiterFor(header: string, line: string): boolean {
  const cells = tableCells(line)
  return cells.length === tableCells(header).length && cells.every((c) => /^:?-+:?$/.test(c))
}

function alignOf(delimiter: string): Align {
  const left = delimiter.startsWith(':')
  const right = delimiter.endsWith(':')
  return left && right ? 'center' : right ? 'right' : 'left'
}

/** Rows (header, delimiter, body) at their natural width: bars between cells, a rule under the header. */
function layOutTable(rows: string[], inline: (text: string) => string): string {
  const header = tableCells(rows[0]!)
  const aligns = tableCells(rows[1]!).map(alignOf)
  const n = header.length
  // GFM: a body row's missing cells are empty, its extra ones dropped.
  const cells = [header.map((c) => (c ? BOLD + inline(c) + UNBOLD : '')), ...rows.slice(2).map((r) => fill(tableCells(r), n).map(inline))]
  const widths = Array.from({ length: n }, (_, i) => Math.max(1, ...cells.map((row) => visibleWidth(row[i]!))))
  const lines = cells.map((row) => rowLine(row.map((c, i) => pad(c, widths[i]!, aligns[i]!))))
  lines.splice(1, 0, ruleLine(widths))
  return lines.join('\n') + '\n'
}

function fill(cells: string[], n: number): string[] {
  return Array.from({ length: n }, (_, i) => cells[i] ?? '')
}

function rowLine(paddedCells: string[]): string {
  return TABLE_BAR + paddedCells.map((c) => ` ${c} `).join(TABLE_BAR) + TABLE_BAR
}

function ruleLine(widths: number[]): string {
  return RULE_START + widths.map((w) => '─'.repeat(w + 2)).join('┼') + '┤' + QUIET_OFF
}

function pad(cell: string, width: number, align: Align): string {
  const room = Math.max(0, width - visibleWidth(cell))
  if (align === 'right') return ' '.repeat(room) + cell
  if (align === 'center') return ' '.repeat(Math.floor(room / 2)) + cell + ' '.repeat(room - Math.floor(room / 2))
  return cell + ' '.repeat(room)
}

/** SGR sequences (the only escapes in a laid-out row), and one character at a time otherwise. */
const TOKEN = /\x1b\[[0-9;]*m|[\s\S]/gu

/** Columns a text takes on a terminal, its SGR sequences taking none. */
export function visibleWidth(text: string): number {
  let n = 0
  for (const [token] of text.matchAll(TOKEN)) if (token[0] !== '\x1b') n += charWidth(token.codePointAt(0)!)
  return n
}

/**
 * One row laid out by TableBlock, narrowed to `width` columns when it is wider: the widest
 * columns give way first (each keeps at least one), a cut cell ends in `…`. Anything that is not
 * such a row comes back unchanged, and so does a row that fits.
 */
export function fitTableRow(line: string, width: number): string {
  const lead = /^(?:\x1b\[0m)*/.exec(line)![0]
  const body = line.slice(lead.length)
  if (body.startsWith(RULE_START)) {
    const inner = body.slice(RULE_START.length, body.length - 1 - QUIET_OFF.length)
    const widths = inner.split('┼').map((s) => [...s].length - 2)
    const fitted = fitColumns(widths, width)
    return fitted.every((w, i) => w === widths[i]) ? line : lead + ruleLine(fitted)
  }
  if (!body.startsWith(TABLE_BAR) || !body.endsWith(TABLE_BAR)) return line
  const cells = body.slice(TABLE_BAR.length, -TABLE_BAR.length).split(TABLE_BAR).map((c) => c.slice(1, -1))
  const widths = cells.map(visibleWidth)
  const fitted = fitColumns(widths, width)
  if (fitted.every((w, i) => w === widths[i])) return line
  return lead + rowLine(cells.map((c, i) => fitCell(c, fitted[i]!)))
}

/** Column widths that fit `width` with the bars and spaces (3 per column, 1 more): the widest columns are cut to an equal share. */
export function fitColumns(widths: number[], width: number): number[] {
  const n = widths.length
  let budget = width - (3 * n + 1)
  if (widths.reduce((a, b) => a + b, 0) <= budget) return widths
  const out = widths.slice()
  const byWidth = widths.map((_, i) => i).sort((a, b) => widths[a]! - widths[b]! || a - b)
  let left = n
  let k = 0
  // Narrow columns keep their width while it is within an equal share of what is left.
  for (; k < n; k++) {
    const i = byWidth[k]!
    if (widths[i]! > Math.floor(budget / left)) break
    budget -= widths[i]!
    left--
  }
  const cut = byWidth.slice(k).sort((a, b) => a - b)
  const share = Math.floor(budget / Math.max(1, left))
  let extra = budget - share * left
  for (const i of cut) out[i] = Math.max(1, share + (extra-- > 0 ? 1 : 0))
  return out
}

/** A padded cell at `width` columns: its padding re-made (kept on the side it was), its text cut with `…` when too long. */
function fitCell(cell: string, width: number): string {
  const leading = /^ */.exec(cell)![0].length
  const trailing = /(?<! ) *$/.exec(cell)![0].length
  const text = cell.slice(leading, cell.length - trailing)
  const align: Align = leading > 0 && trailing > 0 ? 'center' : leading > 0 ? 'right' : 'left'
  if (visibleWidth(text) <= width) return pad(text, width, align)
  let out = ''
  let used = 0
  let cutting = false
  for (const [token] of text.matchAll(TOKEN)) {
    if (token[0] === '\x1b') out += token // styles stay balanced: every closer is kept
    else if (!cutting) {
      const w = charWidth(token.codePointAt(0)!)
      if (used + w > width - 1) cutting = true
      else {
        out += token
        used += w
      }
    }
  }
  return pad(out.replace(/ +((?:\x1b\[[0-9;]*m)*)$/, '$1') + '…', width, 'left')
}
