// A small headless terminal model for the WezTerm stand-in: enough of a VT parser to keep a
// screen, a scrollback, the cursor, the title (OSC 0/2), the cwd (OSC 7) and the few modes the
// stand-in reports (bracketed paste, cursor visibility and shape). Colours and other attributes
// are parsed and dropped. Line text follows WezTerm's rules: a row holds only the cells that were
// written (no padding to the width), erasing prunes trailing blanks, wrapped rows stay separate
// rows, and the screen always has `rows` rows (empty ones are "").

const WIDE = /\p{Emoji_Presentation}/u
const ZERO_WIDTH = /[\p{M}\u200d\ufe0e\ufe0f]/u

function charWidth(ch) {
  if (ZERO_WIDTH.test(ch)) return 0
  const c = ch.codePointAt(0)
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x20000 && c <= 0x3fffd) ||
    WIDE.test(ch)
  ) {
    return 2
  }
  return 1
}

const SHAPES = ['Default', 'BlinkingBlock', 'SteadyBlock', 'BlinkingUnderline', 'SteadyUnderline', 'BlinkingBar', 'SteadyBar']

function newLine() {
  return { cells: [], wrapped: false }
}

function pruneTrailingBlanks(line) {
  while (line.cells.length > 0 && line.cells[line.cells.length - 1] === ' ') line.cells.pop()
}

class Buffer {
  constructor(rows, scrollbackLimit) {
    this.rows = rows
    this.scrollbackLimit = scrollbackLimit
    /** Scrollback then screen; the screen is the last `rows` lines. */
    this.lines = Array.from({ length: rows }, newLine)
    /** Stable row index of lines[0] (grows as old scrollback is dropped). */
    this.offset = 0
    this.saved = { x: 0, y: 0 }
  }
  row(y) {
    return this.lines[this.lines.length - this.rows + y]
  }
  setRow(y, line) {
    this.lines[this.lines.length - this.rows + y] = line
  }
  get physicalTop() {
    return this.offset + this.lines.length - this.rows
  }
  trim() {
    const excess = this.lines.length - this.rows - this.scrollbackLimit
    if (excess > 0) {
      this.lines.splice(0, excess)
      this.offset += excess
    }
  }
}

export class Terminal {
  /**
   * @param {{rows?: number, cols?: number, scrollback?: number, reply?: (data: string) => void}} opts
   *   `reply` receives the terminal's answers to queries (DSR, DA1), to be written to the pty.
   */
  constructor({ rows = 24, cols = 80, scrollback = 3500, reply = () => {} } = {}) {
    this.rows = rows
    this.cols = cols
    this.scrollbackLimit = scrollback
    this.reply = reply
    this.title = 'wezterm'
    /** Set by OSC 7, already normalised like Url::parse does; null until a program sends one. */
    this.cwdUrl = null
    this.reset()
  }

  reset() {
    this.primary = new Buffer(this.rows, this.scrollbackLimit)
    this.alt = new Buffer(this.rows, 0)
    this.buf = this.primary
    this.x = 0
    this.y = 0
    this.pendingWrap = false
    this.top = 0
    this.bottom = this.rows - 1
    this.autowrap = true
    this.bracketedPaste = false
    this.cursorVisible = true
    this.cursorShape = 'Default'
    this.state = 'ground'
    this.seq = ''
  }

  // ---- input -------------------------------------------------------------------------------

  feed(data) {
    for (const ch of data) this.step(ch)
  }

  step(ch) {
    const c = ch.codePointAt(0)
    switch (this.state) {
      case 'ground':
        if (c === 0x1b) this.state = 'esc'
        else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) this.control(c)
        else this.print(ch)
        return
      case 'esc':
        this.escape(ch, c)
        return
      case 'escInter':
        // ESC <intermediates> <final>: designations and the like, all ignored.
        if (c >= 0x30 && c <= 0x7e) this.state = 'ground'
        else if (c === 0x1b) this.state = 'esc'
        return
      case 'csi':
        if (c >= 0x40 && c <= 0x7e) {
          this.state = 'ground'
          this.csi(this.seq, ch)
        } else if (c >= 0x20 && c <= 0x3f) {
          this.seq += ch
        } else if (c === 0x1b) {
          this.state = 'esc'
        } else if (c === 0x18 || c === 0x1a) {
          this.state = 'ground'
        } else if (c < 0x20) {
          this.control(c)
        }
        return
      case 'osc':
        if (c === 0x07) {
          this.state = 'ground'
          this.osc(this.seq)
        } else if (c === 0x1b) {
          this.state = 'oscEsc'
        } else if (c === 0x18 || c === 0x1a) {
          this.state = 'ground'
        } else {
          this.seq += ch
        }
        return
      case 'oscEsc':
        this.state = 'ground'
        this.osc(this.seq)
        if (ch !== '\\') this.step(ch)
        return
      case 'string':
        // DCS, SOS, PM, APC: swallowed up to ST (or BEL, leniently).
        if (c === 0x1b) this.state = 'stringEsc'
        else if (c === 0x07 || c === 0x18 || c === 0x1a) this.state = 'ground'
        return
      case 'stringEsc':
        this.state = ch === '\\' ? 'ground' : 'string'
        return
    }
  }

  control(c) {
    switch (c) {
      case 0x0d:
        this.x = 0
        this.pendingWrap = false
        break
      case 0x0a:
      case 0x0b:
      case 0x0c:
        this.pendingWrap = false
        this.lineFeed()
        break
      case 0x08:
        this.pendingWrap = false
        if (this.x > 0) this.x--
        break
      case 0x09:
        this.x = Math.min(this.cols - 1, (Math.floor(this.x / 8) + 1) * 8)
        break
      default:
        break
    }
  }

  escape(ch, c) {
    this.state = 'ground'
    switch (ch) {
      case '[':
        this.state = 'csi'
        this.seq = ''
        return
      case ']':
        this.state = 'osc'
        this.seq = ''
        return
      case 'P':
      case 'X':
      case '^':
      case '_':
        this.state = 'string'
        return
      case '7':
        this.saveCursor()
        return
      case '8':
        this.restoreCursor()
        return
      case 'D':
        this.lineFeed()
        return
      case 'E':
        this.x = 0
        this.lineFeed()
        return
      case 'M':
        this.pendingWrap = false
        if (this.y === this.top) this.scrollDown(1)
        else if (this.y > 0) this.y--
        return
      case 'c':
        this.reset()
        return
      default:
        if (c >= 0x20 && c <= 0x2f) this.state = 'escInter'
    }
  }

  print(ch) {
    const width = charWidth(ch)
    if (width === 0) {
      // Combining mark: joins the previous cell.
      const line = this.buf.row(this.y)
      const at = this.pendingWrap ? this.x : this.x - 1
      if (at >= 0 && at < line.cells.length) line.cells[at] += ch
      return
    }
    if (this.pendingWrap && this.autowrap) this.wrap()
    if (width === 2 && this.x === this.cols - 1 && this.autowrap) this.wrap()
    const line = this.buf.row(this.y)
    this.setCell(line, this.x, ch)
    if (width === 2 && this.x + 1 < this.cols) this.setCell(line, this.x + 1, '')
    this.pendingWrap = false
    this.x += width
    if (this.x >= this.cols) {
      this.x = this.cols - 1
      this.pendingWrap = this.autowrap
    }
  }

  wrap() {
    this.buf.row(this.y).wrapped = true
    this.x = 0
    this.pendingWrap = false
    this.lineFeed()
  }

  setCell(line, x, s) {
    while (line.cells.length < x) line.cells.push(' ')
    line.cells[x] = s
  }

  lineFeed() {
    if (this.y === this.bottom) this.scrollUp(1)
    else if (this.y < this.rows - 1) this.y++
  }

  scrollUp(n) {
    const buf = this.buf
    if (this.top === 0 && this.bottom === this.rows - 1 && buf === this.primary) {
      for (let i = 0; i < n; i++) buf.lines.push(newLine())
      buf.trim()
      return
    }
    for (let i = 0; i < n; i++) {
      const base = buf.lines.length - this.rows
      buf.lines.splice(base + this.top, 1)
      buf.lines.splice(base + this.bottom, 0, newLine())
    }
  }

  scrollDown(n) {
    const buf = this.buf
    for (let i = 0; i < n; i++) {
      const base = buf.lines.length - this.rows
      buf.lines.splice(base + this.bottom, 1)
      buf.lines.splice(base + this.top, 0, newLine())
    }
  }

  saveCursor() {
    this.buf.saved = { x: this.x, y: this.y }
  }

  restoreCursor() {
    this.x = Math.min(this.buf.saved.x, this.cols - 1)
    this.y = Math.min(this.buf.saved.y, this.rows - 1)
    this.pendingWrap = false
  }

  eraseLine(y, mode) {
    const line = this.buf.row(y)
    if (mode === 0) {
      if (line.cells.length > this.x) line.cells.length = this.x
      line.wrapped = false
    } else if (mode === 1) {
      for (let i = 0; i <= this.x; i++) this.setCell(line, i, ' ')
    } else {
      this.buf.setRow(y, newLine())
      return
    }
    pruneTrailingBlanks(line)
  }

  csi(seq, final) {
    let priv = ''
    let params = seq
    if (params.length > 0 && '?>=<'.includes(params[0])) {
      priv = params[0]
      params = params.slice(1)
    }
    let inter = ''
    const m = /[\x20-\x2f]+$/.exec(params)
    if (m) {
      inter = m[0]
      params = params.slice(0, m.index)
    }
    const nums = params === '' ? [] : params.split(';').map((p) => (p === '' ? 0 : Number.parseInt(p.split(':')[0], 10) || 0))
    const arg = (i, dflt) => (nums[i] ? nums[i] : dflt)
    const clampX = (x) => Math.max(0, Math.min(this.cols - 1, x))
    const clampY = (y) => Math.max(0, Math.min(this.rows - 1, y))

    if (inter === ' ' && final === 'q') {
      this.cursorShape = SHAPES[arg(0, 0)] ?? 'Default'
      return
    }
    if (inter !== '') return

    if (priv === '?' && (final === 'h' || final === 'l')) {
      for (const mode of nums) this.privateMode(mode, final === 'h')
      return
    }
    if (priv !== '' && final !== 'c') return

    switch (final) {
      case 'A':
        this.y = Math.max(this.y >= this.top ? this.top : 0, this.y - arg(0, 1))
        break
      case 'B':
      case 'e':
        this.y = Math.min(this.y <= this.bottom ? this.bottom : this.rows - 1, this.y + arg(0, 1))
        break
      case 'C':
      case 'a':
        this.x = clampX(this.x + arg(0, 1))
        break
      case 'D':
        this.x = clampX(this.x - arg(0, 1))
        break
      case 'E':
        this.x = 0
        this.y = clampY(this.y + arg(0, 1))
        break
      case 'F':
        this.x = 0
        this.y = clampY(this.y - arg(0, 1))
        break
      case 'G':
      case '`':
        this.x = clampX(arg(0, 1) - 1)
        break
      case 'd':
        this.y = clampY(arg(0, 1) - 1)
        break
      case 'H':
      case 'f':
        this.y = clampY(arg(0, 1) - 1)
        this.x = clampX(arg(1, 1) - 1)
        break
      case 'J': {
        const mode = nums[0] ?? 0
        if (mode === 0) {
          this.eraseLine(this.y, 0)
          for (let y = this.y + 1; y < this.rows; y++) this.buf.setRow(y, newLine())
        } else if (mode === 1) {
          for (let y = 0; y < this.y; y++) this.buf.setRow(y, newLine())
          this.eraseLine(this.y, 1)
        } else if (mode === 2) {
          for (let y = 0; y < this.rows; y++) this.buf.setRow(y, newLine())
        } else if (mode === 3) {
          const drop = this.buf.lines.length - this.rows
          this.buf.lines.splice(0, drop)
          this.buf.offset += drop
        }
        break
      }
      case 'K':
        this.eraseLine(this.y, nums[0] ?? 0)
        break
      case 'L':
      case 'M': {
        if (this.y < this.top || this.y > this.bottom) break
        const n = Math.min(arg(0, 1), this.bottom - this.y + 1)
        const base = this.buf.lines.length - this.rows
        for (let i = 0; i < n; i++) {
          if (final === 'L') {
            this.buf.lines.splice(base + this.bottom, 1)
            this.buf.lines.splice(base + this.y, 0, newLine())
          } else {
            this.buf.lines.splice(base + this.y, 1)
            this.buf.lines.splice(base + this.bottom, 0, newLine())
          }
        }
        this.x = 0
        break
      }
      case '@': {
        const line = this.buf.row(this.y)
        if (line.cells.length > this.x) {
          line.cells.splice(this.x, 0, ...Array(arg(0, 1)).fill(' '))
          if (line.cells.length > this.cols) line.cells.length = this.cols
        }
        break
      }
      case 'P': {
        const line = this.buf.row(this.y)
        line.cells.splice(this.x, arg(0, 1))
        break
      }
      case 'X': {
        const line = this.buf.row(this.y)
        const end = Math.min(line.cells.length, this.x + arg(0, 1))
        for (let i = this.x; i < end; i++) line.cells[i] = ' '
        pruneTrailingBlanks(line)
        break
      }
      case 'S':
        this.scrollUp(arg(0, 1))
        break
      case 'T':
        if (nums.length <= 1) this.scrollDown(arg(0, 1))
        break
      case 'r': {
        const top = arg(0, 1) - 1
        const bottom = arg(1, this.rows) - 1
        if (top < bottom && bottom < this.rows) {
          this.top = top
          this.bottom = bottom
          this.x = 0
          this.y = 0
        }
        break
      }
      case 's':
        this.saveCursor()
        break
      case 'u':
        this.restoreCursor()
        break
      case 'n':
        if (nums[0] === 5) this.reply('\x1b[0n')
        else if (nums[0] === 6) this.reply(`\x1b[${this.y + 1};${this.x + 1}R`)
        break
      case 'c':
        if (priv === '' && (nums[0] ?? 0) === 0) this.reply('\x1b[?65;4;6;18;22c')
        break
      default:
        break
    }
    if (final !== 'm') this.pendingWrap = false
  }

  privateMode(mode, on) {
    switch (mode) {
      case 7:
        this.autowrap = on
        break
      case 25:
        this.cursorVisible = on
        break
      case 2004:
        this.bracketedPaste = on
        break
      case 47:
      case 1047:
      case 1049: {
        const wantAlt = on
        if ((this.buf === this.alt) === wantAlt) break
        if (mode === 1049 && on) this.saveCursor()
        if (wantAlt) {
          this.alt = new Buffer(this.rows, 0)
          this.buf = this.alt
        } else {
          this.buf = this.primary
          if (mode === 1049) this.restoreCursor()
        }
        break
      }
      default:
        break
    }
  }

  osc(body) {
    const semi = body.indexOf(';')
    const code = semi < 0 ? body : body.slice(0, semi)
    const rest = semi < 0 ? '' : body.slice(semi + 1)
    if (code === '0' || code === '2') {
      this.title = rest
    } else if (code === '7') {
      try {
        this.cwdUrl = new URL(rest).href
      } catch {
        // WezTerm ignores an OSC 7 it cannot parse.
      }
    }
  }

  // ---- output ------------------------------------------------------------------------------

  /** Like WezTerm's GetPaneRenderableDimensions: stable row indices of the screen and scrollback. */
  dimensions() {
    return { physicalTop: this.buf.physicalTop, scrollbackTop: this.buf.offset, rows: this.rows }
  }

  /** Text of the stable rows in [start, endExclusive), one string per row. */
  lines(start, endExclusive) {
    const buf = this.buf
    const from = Math.max(start, buf.offset)
    const to = Math.min(endExclusive, buf.offset + buf.lines.length)
    const out = []
    for (let i = from; i < to; i++) out.push(buf.lines[i - buf.offset].cells.join(''))
    return out
  }
}
