import { ansi, formatDuration, oneLine } from '../../view/ansi'
import { sanitizeTerminalText } from '../../view/terminalText'

/**
 * The live status footer of `flotilla run` on a terminal: a few lines at the bottom (counts,
 * each server's current task, elapsed, cost) that the streamed lines scroll above, as build
 * tools that run many jobs do. renderFooter is pure; FooterWriter erases and redraws it around
 * what is printed. Never used without a terminal: pipes and CI get plain lines.
 */

export interface FooterTask {
  id: string
  /** Untrusted (a prompt's first line, a title): made safe here. */
  title: string
  /** dispatched = bound to its server, not working yet (its worktree shipped and made, --setup run, a session opened); running = the agent works. */
  state: 'dispatched' | 'running'
  /** What a dispatched task waits for, shown before its title ("preparing its worktree"). */
  doing?: string
  since?: number
}

export interface FooterServer {
  name: string
  /** The server's state (starting, ready, busy, unhealthy, failed, ...). */
  state: string
  /** Untrusted (a launcher's output line): shown after a task-less server's state. */
  detail?: string
  tasks: FooterTask[]
}

export interface FooterCounts {
  total: number
  done: number
  running: number
  queued: number
  failed: number
  cancelled: number
}

export interface FooterState {
  counts: FooterCounts
  servers: FooterServer[]
  elapsedMs: number
  /** USD of the results so far. */
  cost: number
  /** A long step under way before tasks run (starting servers): shown instead of the counts. */
  step?: string
  now: number
}

export interface FooterLayout {
  /** The terminal's columns: every line stays shorter, so none wraps. */
  width: number
  /** At most this many lines (the counts line included). */
  maxLines: number
  color: boolean
}

/** The footer's lines, each narrower than `width`, no newline in any. No escape sequence unless `color`. */
export function renderFooter(state: FooterState, layout: FooterLayout): string[] {
  const width = Math.max(10, layout.width - 1) // the last column would wrap on some terminals
  const paint = (f: (s: string) => string, s: string) => (layout.color ? f(s) : s)
  const { counts } = state
  const head = state.step
    ? [safeLine(state.step, width), formatDuration(state.elapsedMs)]
    : [
        `${counts.done}/${counts.total} done`,
        `${counts.running} running`,
        `${counts.queued} queued`,
        ...(counts.failed ? [`${counts.failed} failed`] : []),
        ...(counts.cancelled ? [`${counts.cancelled} cancelled`] : []),
        formatDuration(state.elapsedMs),
        formatCost(state.cost),
      ]
  const lines = [paint(ansi.bold, truncate(`■ ${head.join(' · ')}`, width))]
  const room = Math.max(0, layout.maxLines - 1)
  if (room === 0) return lines
  const nameWidth = Math.min(24, Math.max(0, ...state.servers.map((s) => displayWidth(safeLine(s.name, 24)))))
  // Busy servers first, so a full footer still shows what runs.
  const servers = [...state.servers].sort((a, b) => Number(b.tasks.length > 0) - Number(a.tasks.length > 0))
  const shown = servers.length > room ? servers.slice(0, room - 1) : servers
  for (const server of shown) {
    const name = padTo(safeLine(server.name, 24), nameWidth)
    const first = server.tasks[0]
    if (!first) {
      const idle = server.state === 'ready' ? 'idle' : safeLine(server.state, 20)
      const detail = server.detail ? ` · ${safeLine(server.detail, 200)}` : ''
      lines.push(paint(ansi.dim, truncate(`  ${name}  ${idle}${detail}`, width)))
      continue
    }
    const mark = first.state === 'running' ? '▶' : '⧗'
    const age = first.since === undefined ? '' : ` (${formatDuration(Math.max(0, state.now - first.since))})`
    const more = server.tasks.length > 1 ? ` +${server.tasks.length - 1}` : ''
    const tail = `${age}${more}`
    const lead = `  ${name}  ${mark} ${first.id} `
    // What a dispatched task waits for (shipping, setup and its output) gives way after the title, the id and the age never.
    const room = width - displayWidth(lead) - displayWidth(tail)
    const waitsFor = first.state === 'dispatched' && first.doing ? safeLine(first.doing, 100) : ''
    const doing = !waitsFor ? '' : displayWidth(waitsFor) + 3 < room ? `${waitsFor} · ` : room > 1 ? truncate(waitsFor, room) : ''
    const headPart = lead + doing
    // The title gives way first, so the task id, the age and the +n stay visible.
    const titleRoom = room - displayWidth(doing)
    const title = titleRoom > 1 ? truncate(safeLine(first.title, 200), titleRoom) : ''
    lines.push(truncate(`${headPart}${title}${tail}`, width))
  }
  if (shown.length < servers.length) {
    const rest = servers.slice(shown.length)
    const idle = rest.filter((s) => s.tasks.length === 0).length
    lines.push(paint(ansi.dim, truncate(`  … ${rest.length} more server${rest.length === 1 ? '' : 's'}${idle ? ` (${idle} idle)` : ''}`, width)))
  }
  return lines
}

function formatCost(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : usd > 0 ? `$${usd.toFixed(4)}` : '$0'
}

/** Untrusted text as one safe line: escape sequences and controls gone, whitespace collapsed. */
function safeLine(text: string, max: number): string {
  return oneLine(sanitizeTerminalText(text), max)
}

function padTo(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

/** Cut to at most `width` terminal columns, with … where it was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text
  let out = ''
  let used = 0
  for (const char of text) {
    const w = charWidth(char)
    if (used + w > width - 1) break
    out += char
    used += w
  }
  return out + '…'
}

/** Terminal columns of plain text (no escape sequences): wide East Asian characters and emoji take two, combining marks none. */
export function displayWidth(text: string): number {
  let n = 0
  for (const char of text) n += charWidth(char)
  return n
}

function charWidth(char: string): number {
  const c = char.codePointAt(0)!
  if ((c >= 0x300 && c <= 0x36f) || c === 0x200b || (c >= 0xfe00 && c <= 0xfe0f)) return 0
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) ||
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  )
    return 2
  return 1
}

/** Cursor up over the footer's lines (the cursor sits on the line below it), then erase to the end of the screen. */
export function eraseFooter(lines: number): string {
  return lines > 0 ? `\x1b[${lines}A\r\x1b[J` : ''
}

export interface FooterSink {
  /** A line on stdout (the sink adds the newline). */
  out(line: string): void
  /** A line on stderr (the sink adds the newline). */
  err(line: string): void
  /** Control bytes only (never text) on the footer's terminal, stdout. */
  control(sequence: string): void
}

export interface FooterWriterOptions {
  /** Lines are written at most this often, in one batch with one redraw (default 100 ms). */
  throttleMs?: number
  /** The footer is redrawn this often while nothing is printed, for its clock (default 1000 ms). */
  tickMs?: number
  /** stderr is the same terminal: its lines must go above the footer too. Otherwise they pass straight through. */
  errOnTerminal: boolean
  now?: () => number
}

type Pending = { stream: 'out' | 'err'; line: string }

/**
 * Prints lines above the footer: each batch erases the footer, writes the lines, redraws it.
 * close() writes what is pending and leaves the screen without a footer; after it, lines pass
 * straight through.
 */
export class FooterWriter {
  private drawn = 0
  private pending: Pending[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly ticker: ReturnType<typeof setInterval> | undefined
  private lastFlush = -Infinity
  private suspended = false
  private closed = false
  private readonly throttleMs: number
  private readonly now: () => number

  constructor(
    private readonly sink: FooterSink,
    private readonly render: () => string[],
    private readonly options: FooterWriterOptions,
  ) {
    this.throttleMs = options.throttleMs ?? 100
    this.now = options.now ?? Date.now
    this.ticker = setInterval(() => {
      if (!this.closed && !this.suspended && this.pending.length === 0) this.flush()
    }, options.tickMs ?? 1000)
    this.ticker.unref?.()
  }

  readonly out = (line: string): void => this.add('out', line)

  readonly err = (line: string): void => {
    if (!this.options.errOnTerminal) this.sink.err(line)
    else this.add('err', line)
  }

  /** What the footer shows changed: redraw it (throttled like lines). */
  refresh(): void {
    if (!this.closed && !this.suspended) this.schedule()
  }

  /** Takes the footer off the screen until resume() (a question is asked on the terminal). */
  suspend(): void {
    if (this.closed) return
    this.flush()
    this.erase()
    this.suspended = true
  }

  resume(): void {
    if (this.closed || !this.suspended) return
    this.suspended = false
    this.flush()
  }

  /** Writes what is pending, erases the footer, stops its timers. Idempotent. */
  close(): void {
    if (this.closed) return
    this.suspended = true
    this.flush()
    this.erase()
    this.closed = true
    clearTimeout(this.timer)
    clearInterval(this.ticker)
  }

  private add(stream: Pending['stream'], line: string): void {
    if (this.closed || this.suspended) {
      if (stream === 'out') this.sink.out(line)
      else this.sink.err(line)
      return
    }
    this.pending.push({ stream, line })
    this.schedule()
  }

  private schedule(): void {
    if (this.timer) return
    const wait = this.lastFlush + this.throttleMs - this.now()
    if (wait <= 0) {
      this.flush()
      return
    }
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (!this.closed) this.flush()
    }, wait)
    this.timer.unref?.()
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.lastFlush = this.now()
    const batch = this.pending
    this.pending = []
    if (batch.length > 0 || !this.suspended) this.erase()
    // Consecutive lines of one stream go in one write.
    for (let i = 0; i < batch.length; ) {
      let j = i
      while (j < batch.length && batch[j]!.stream === batch[i]!.stream) j++
      const text = batch
        .slice(i, j)
        .map((p) => p.line)
        .join('\n')
      if (batch[i]!.stream === 'out') this.sink.out(text)
      else this.sink.err(text)
      i = j
    }
    if (this.suspended) return
    const lines = this.render()
    if (lines.length === 0) return
    this.sink.out(lines.join('\n'))
    this.drawn = lines.length
  }

  private erase(): void {
    if (this.drawn === 0) return
    this.sink.control(eraseFooter(this.drawn))
    this.drawn = 0
  }
}
