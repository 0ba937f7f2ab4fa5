/**
 * Untrusted text (from a model or a tool) made safe to print on a terminal: what comes out is
 * plain text with newlines and tabs, and nothing a terminal would act on. Flotilla adds its own
 * colours after this, so those are the only escape sequences in what it prints.
 *
 * Dropped whole: every escape sequence (CSI such as colours, cursor moves, clears and mouse
 * modes; OSC such as clipboard writes (52) and window titles; DCS, SOS, PM, APC; two-character
 * escapes such as ESC c), the same introduced by 8-bit C1 controls (0x9B, 0x9D, ...), every other
 * C0/C1 control and DEL. A carriage return becomes a newline (CR LF one newline), so a tool
 * cannot overwrite what was printed before it on the same line.
 *
 * Hand-written rather than taken from a library (strip-ansi and friends): core/view may import
 * only zod, because the renderer and the CLI both run it. It follows the states of the VT500
 * parser that terminals implement, so a sequence is recognised exactly where a terminal would
 * recognise one, and a sequence split across chunks (streamed deltas) is still dropped whole.
 */
export class TerminalTextFilter {
  private state: State = 'text'

  /** The safe text of the next chunk; an unfinished sequence at its end waits for the next. */
  push(chunk: string): string {
    let out = ''
    let i = 0
    while (i < chunk.length) {
      if (this.state === 'text') {
        // Fast path: copy the run of ordinary characters up to the next control.
        CONTROL.lastIndex = i
        const next = CONTROL.exec(chunk)
        const end = next ? next.index : chunk.length
        out += chunk.slice(i, end)
        i = end
        if (i === chunk.length) break
      }
      out += this.step(chunk.charCodeAt(i), chunk[i]!)
      i++
    }
    return out
  }

  /** The input ended: an unfinished sequence (or a trailing CR) is dropped, never shown. */
  end(): string {
    this.state = 'text'
    return ''
  }

  private step(code: number, char: string): string {
    switch (this.state) {
      case 'text':
        return this.inText(code, char)
      case 'carriageReturn':
        this.state = 'text'
        // CR LF is one line break; a lone CR would move back over the line, so it breaks too.
        return code === LF ? '\n' : '\n' + this.inText(code, char)
      case 'escape':
        if (code === 0x5b) this.state = 'csi'
        else if (STRING_INTRODUCERS.has(code)) this.state = 'controlString'
        else if (code >= 0x20 && code <= 0x2f) this.state = 'escapeIntermediate'
        else if (code === ESC) this.state = 'escape'
        else if ((code >= 0x30 && code <= 0x7e) || code === CAN || code === SUB) this.state = 'text'
        else return this.abortAndReprocess(code, char)
        return ''
      case 'escapeIntermediate':
        if (code >= 0x20 && code <= 0x2f) return ''
        if (code >= 0x30 && code <= 0x7e) this.state = 'text'
        else if (code === ESC) this.state = 'escape'
        else return this.abortAndReprocess(code, char)
        return ''
      case 'csi':
        // Parameter (0x30-0x3F) and intermediate (0x20-0x2F) bytes, ended by a final byte.
        if (code >= 0x20 && code <= 0x3f) return ''
        if (code >= 0x40 && code <= 0x7e) this.state = 'text'
        else if (code === ESC) this.state = 'escape'
        else if (code === CAN || code === SUB) this.state = 'text'
        else return this.abortAndReprocess(code, char)
        return ''
      case 'controlString':
        // OSC may end with BEL (xterm's form); every control string ends with ST (ESC \ or 0x9C).
        if (code === BEL || code === ST_8BIT || code === CAN || code === SUB) this.state = 'text'
        else if (code === ESC) this.state = 'controlStringEscape'
        return ''
      case 'controlStringEscape':
        if (code === 0x5c) {
          this.state = 'text'
          return ''
        }
        // ESC followed by anything else aborts the string and starts a new sequence.
        this.state = 'escape'
        return this.step(code, char)
    }
  }

  private inText(code: number, char: string): string {
    if (code === LF || code === TAB) return char
    if (code === CR) this.state = 'carriageReturn'
    else if (code === ESC) this.state = 'escape'
    else if (code === CSI_8BIT) this.state = 'csi'
    else if (STRING_INTRODUCERS_8BIT.has(code)) this.state = 'controlString'
    else if (isControl(code)) return ''
    else return char
    return ''
  }

  /** A character that cannot continue the sequence ends it; the character itself is text again. */
  private abortAndReprocess(code: number, char: string): string {
    this.state = 'text'
    return this.inText(code, char)
  }
}

type State = 'text' | 'carriageReturn' | 'escape' | 'escapeIntermediate' | 'csi' | 'controlString' | 'controlStringEscape'

const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const BEL = 0x07
const CAN = 0x18
const SUB = 0x1a
const ESC = 0x1b
const CSI_8BIT = 0x9b
const ST_8BIT = 0x9c
/** After ESC: P (DCS), X (SOS), ] (OSC), ^ (PM), _ (APC) open a string that runs until ST. */
const STRING_INTRODUCERS = new Set([0x50, 0x58, 0x5d, 0x5e, 0x5f])
/** The same as single 8-bit C1 controls: DCS, SOS, OSC, PM, APC. */
const STRING_INTRODUCERS_8BIT = new Set([0x90, 0x98, 0x9d, 0x9e, 0x9f])
/** Everything the text state must look at: C0 but TAB and LF, DEL, C1. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f)
}

/** One whole piece of untrusted text (a title, an error, a tool's output), made safe to print. */
export function sanitizeTerminalText(text: string): string {
  const filter = new TerminalTextFilter()
  return filter.push(text) + filter.end()
}

/**
 * A JSON line that is safe on a terminal and parses to the same value. JSON.stringify escapes
 * C0 controls (so ESC) but leaves C1 controls raw, and a terminal may take 0x9B for CSI.
 */
export function terminalSafeJson(value: object): string {
  return JSON.stringify(value).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
