import type { OcEvent, OcMessageWithParts, OcPart } from '../contract/opencode'
import { ansi, formatDuration, oneLine } from './ansi'
import { permissionCommand, permissionLines } from './permissionText'
import { NO_SECRETS, redact, RedactingStream, type Secrets } from './redact'
import { sanitizeTerminalText as safe, TerminalTextFilter } from './terminalText'
import { InlineMarkdown } from './inlineMarkdownAnsi'

/**
 * Turns one session's opencode events into ANSI text (for panes and the CLI alike).
 *
 * Idempotent by construction: it remembers how much of each part it has shown and which tool
 * states it has announced, so the same part arriving twice (a delta and then the full part, or
 * a resync after a reconnect replaying messages) never prints anything twice.
 *
 * Everything a model or a tool wrote passes `TerminalTextFilter` before it is printed, so the
 * only escape sequences in what it returns are the colours it adds itself. Every known secret
 * (a server's password, in `secrets`) is redacted from it, also when split across deltas.
 */
export class SessionRenderer {
  private readonly shownText = new Map<string, number>()
  private readonly toolStatus = new Map<string, string>()
  private readonly roles = new Map<string, 'user' | 'assistant'>()
  /** Reasoning parts stay plain (dimmed); answers' text gets its inline Markdown as ANSI. */
  private readonly reasoning = new Set<string>()
  private readonly announced = new Set<string>()
  /** One filter per streamed part: a sequence split across its deltas is still dropped whole. */
  private readonly textFilters = new Map<string, PartText>()
  /**
   * Parts last seen as a snapshot (a resync). Deltas carry no offset, so after a snapshot we
   * cannot tell which deltas it already contains: those parts then advance only by snapshots
   * (the full text in a later part update), which can be late but never repeats or loses text.
   */
  private readonly snapshotted = new Set<string>()
  /** Whether the last thing written left the cursor mid-line. */
  private midLine = false

  constructor(private readonly secrets: Secrets = NO_SECRETS) {}

  render(event: OcEvent): string {
    switch (event.type) {
      case 'message.updated': {
        const info = event.properties.info
        this.roles.set(info.id, info.role)
        if (info.role === 'assistant' && info.error && info.error.name !== 'MessageAbortedError') {
          return this.once(`msgerr:${info.id}`, ansi.red(`✗ ${safe(info.error.name)}: ${safe(info.error.data?.message ?? '')}`))
        }
        return ''
      }
      case 'message.part.updated':
        return this.part(event.properties.part)
      case 'message.part.delta': {
        const p = event.properties
        if (p.field !== 'text' || this.roles.get(p.messageID) === 'user' || this.snapshotted.has(p.partID)) return ''
        const shown = this.shownText.get(p.partID)
        // A delta for a part we never saw started is still text to show.
        this.shownText.set(p.partID, (shown ?? 0) + p.delta.length)
        return this.text(this.filterFor(p.partID).push(p.delta))
      }
      case 'permission.asked': {
        const p = event.properties
        const shown = permissionLines({ permission: p.permission, command: permissionCommand(p.metadata), patterns: p.patterns, always: p.always })
        const rest = [...shown.subject.map((l) => `  │ ${l}`), ...(shown.always ? [ansi.dim(`  ${shown.always}`)] : [])]
        return this.once(`perm:${p.id}`, [ansi.yellow(`⚠ ${shown.head}`), ...rest].join('\n'))
      }
      case 'permission.replied': {
        const p = event.properties
        return this.once(`perm-reply:${p.requestID}`, ansi.dim(`  permission ${safe(p.reply ?? 'answered')}`))
      }
      case 'question.asked': {
        const p = event.properties
        const q = p.questions.map((x) => `${x.question}${x.options.length ? ` [${x.options.map((o) => o.label).join(' / ')}]` : ''}`)
        return this.once(`q:${p.id}`, ansi.yellow(`? question: ${oneLine(safe(q.join('; ')), 200)}`))
      }
      case 'session.status': {
        const p = event.properties
        if (p.status.type !== 'retry') return ''
        return this.once(`retry:${p.status.attempt ?? ''}:${p.status.message ?? ''}`, ansi.yellow(`↻ retrying (attempt ${p.status.attempt ?? '?'}): ${safe(p.status.message ?? '')}`))
      }
      case 'session.error': {
        const p = event.properties
        if (p.error?.name === 'MessageAbortedError') return this.line(ansi.dim('■ aborted'))
        return this.line(ansi.red(`✗ error: ${safe(p.error?.name ?? 'unknown')}${p.error?.data?.message ? `: ${safe(p.error.data.message)}` : ''}`))
      }
      default:
        return ''
    }
  }

  /** Renders a message fetched over REST (a resync), not streamed: see `snapshotted`. */
  replay(message: OcMessageWithParts): string {
    let text = this.render({ type: 'message.updated', properties: { sessionID: message.info.sessionID, info: message.info } })
    for (const part of message.parts) {
      this.snapshotted.add(part.id)
      text += this.part(part)
    }
    return text
  }

  private part(part: OcPart): string {
    if (this.roles.get(part.messageID) === 'user') return ''
    if (part.type === 'text' || part.type === 'reasoning') {
      if (part.type === 'reasoning') this.reasoning.add(part.id)
      if (part.synthetic || part.text === undefined) return ''
      const shown = this.shownText.get(part.id) ?? 0
      let fresh = ''
      if (part.text.length > shown) {
        this.shownText.set(part.id, part.text.length)
        fresh = this.filterFor(part.id).push(part.text.slice(shown))
      }
      // The part ended: what its filter held back (the start of a secret, it seemed) is text.
      if (part.time?.end !== undefined) fresh += this.endPart(part.id)
      return this.text(part.type === 'reasoning' && fresh ? ansi.dim(fresh) : fresh)
    }
    if (part.type === 'tool' && part.state) {
      const status = part.state.status
      if (this.toolStatus.get(part.id) === status || status === 'pending') return ''
      // Never go back: a stale 'running' after 'completed' (resync order) must not print.
      if (this.toolStatus.get(part.id) === 'completed' || this.toolStatus.get(part.id) === 'error') return ''
      this.toolStatus.set(part.id, status)
      const name = safe(part.tool ?? 'tool')
      const title = oneLine(safe(part.state.title || describeInput(part.state.input)), 100)
      const took = part.state.time?.start && part.state.time.end ? ` ${ansi.dim(formatDuration(part.state.time.end - part.state.time.start))}` : ''
      if (status === 'running') return this.line(ansi.cyan(`⚙ ${name}`) + (title ? ` ${title}` : ''))
      if (status === 'completed') {
        const exit = exitCode(part.state.metadata)
        // A command that ran but failed (exit 3) is not a success: the mark and colour say so.
        const succeeded = exit === undefined || exit === 0
        const paint = succeeded ? ansi.green : ansi.red
        const code = exit === undefined ? '' : ` ${paint(`(exit code ${exit})`)}`
        return this.line(paint(`${succeeded ? '✓' : '✗'} ${name}`) + (title ? ` ${title}` : '') + code + took) + redact(toolOutput(part.state.output), this.secrets)
      }
      return this.line(ansi.red(`✗ ${name}`) + ` ${oneLine(safe(part.state.error ?? 'failed'), 160)}` + took)
    }
    return ''
  }

  private filterFor(partId: string): PartText {
    let filter = this.textFilters.get(partId)
    if (!filter) this.textFilters.set(partId, (filter = new PartText(this.secrets, !this.reasoning.has(partId))))
    return filter
  }

  private endPart(partId: string): string {
    const held = this.textFilters.get(partId)?.end() ?? ''
    this.textFilters.delete(partId)
    return held
  }

  /** The text every streamed part still holds back, released (something else is printed, or the session ends). */
  private releaseHeld(): string {
    let held = ''
    for (const partId of [...this.textFilters.keys()]) held += this.endPart(partId)
    return this.text(held)
  }

  private once(key: string, text: string): string {
    if (this.announced.has(key)) return ''
    this.announced.add(key)
    return this.line(text)
  }

  private text(text: string): string {
    if (!text) return ''
    this.midLine = !text.endsWith('\n')
    return text
  }

  /** A structured line always starts on a fresh line, whatever streamed text came before. */
  private line(text: string): string {
    // Parts stream one after another: once a line follows, no part's text continues a secret.
    const held = this.releaseHeld()
    const prefix = this.midLine ? '\n' : ''
    this.midLine = false
    return `${held}${prefix}${redact(text, this.secrets)}\n`
  }

  /** Ends a dangling streamed line (call when the session finishes). */
  finish(): string {
    const held = this.releaseHeld()
    if (!this.midLine) return held
    this.midLine = false
    return held + '\n'
  }
}

/**
 * One streamed part's text: made terminal-safe first, then redacted, because a secret with
 * escape sequences inside shows on a terminal as the secret itself; then its Markdown styled
 * (last: a secret's characters must be matched before any marker in them is taken away).
 */
class PartText {
  private readonly terminal = new TerminalTextFilter()
  private readonly redacting: RedactingStream
  private readonly markdown: InlineMarkdown | undefined

  constructor(secrets: Secrets, markdown: boolean) {
    this.redacting = new RedactingStream(secrets)
    this.markdown = markdown ? new InlineMarkdown() : undefined
  }

  push(chunk: string): string {
    const text = this.redacting.push(this.terminal.push(chunk))
    return this.markdown ? this.markdown.push(text) : text
  }

  end(): string {
    const text = this.redacting.push(this.terminal.end()) + this.redacting.end()
    return this.markdown ? this.markdown.push(text) + this.markdown.end() : text
  }
}

/** The first lines of what a tool printed, dimmed and indented under its status line. */
const OUTPUT_LINES = 8
function toolOutput(output: string | undefined): string {
  const lines = safe(output ?? '').replace(/\s+$/, '').split('\n').filter((l, i, all) => l.trim() !== '' || i < all.length - 1)
  if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) return ''
  const shown = lines.slice(0, OUTPUT_LINES).map((l) => ansi.dim(`  │ ${l.length > 200 ? l.slice(0, 199) + '…' : l}`))
  if (lines.length > OUTPUT_LINES) shown.push(ansi.dim(`  │ … ${lines.length - OUTPUT_LINES} more lines`))
  return shown.join('\n') + '\n'
}

/**
 * The exit code a shell tool reports: opencode 1.18.33 puts it in `state.metadata.exit` for bash
 * (measured). Other tools put other things in metadata, so it is read only when it is an integer.
 */
function exitCode(metadata: unknown): number | undefined {
  if (typeof metadata !== 'object' || metadata === null || !('exit' in metadata)) return undefined
  const exit = metadata.exit
  return typeof exit === 'number' && Number.isInteger(exit) ? exit : undefined
}

function describeInput(input: Record<string, unknown> | undefined): string {
  if (!input) return ''
  for (const key of ['description', 'command', 'filePath', 'path', 'pattern', 'url']) {
    if (typeof input[key] === 'string') return input[key] as string
  }
  return ''
}
