import { describe, expect, it } from 'vitest'
import { sanitizeTerminalText, terminalSafeJson, TerminalTextFilter } from '../../core/view/terminalText'

const ESC = '\x1b'
const BEL = '\x07'
const ST = `${ESC}\\`

/** Nothing a terminal could act on: no ESC, no C1, no C0 but LF and TAB, no DEL. */
const INERT = /^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$/

describe('sanitizeTerminalText', () => {
  it('keeps plain text, newlines, tabs and non-ASCII text as they are', () => {
    const text = 'résumé: 日本語 ✓ 🚀\n\tindented\nlast'
    expect(sanitizeTerminalText(text)).toBe(text)
  })

  it('drops OSC 52 clipboard writes, BEL- and ST-terminated', () => {
    expect(sanitizeTerminalText(`before${ESC}]52;c;aGk=${BEL}after`)).toBe('beforeafter')
    expect(sanitizeTerminalText(`before${ESC}]52;c;aGk=${ST}after`)).toBe('beforeafter')
    expect(sanitizeTerminalText(`before\x9d52;c;aGk=\x9cafter`)).toBe('beforeafter')
  })

  it('drops window and icon title sets and hyperlinks, keeping the link text', () => {
    expect(sanitizeTerminalText(`${ESC}]0;pwned${BEL}${ESC}]2;title${ST}ok`)).toBe('ok')
    expect(sanitizeTerminalText(`${ESC}]8;;https://evil.example${ST}click${ESC}]8;;${ST}`)).toBe('click')
  })

  it('drops CSI clears, cursor moves, erases and colours (the tool’s own)', () => {
    expect(sanitizeTerminalText(`a${ESC}[2J${ESC}[H${ESC}[3;10H${ESC}[1A${ESC}[2Kb`)).toBe('ab')
    expect(sanitizeTerminalText(`${ESC}[31mred${ESC}[0m ${ESC}[38;2;255;0;0mtrue${ESC}[m`)).toBe('red true')
    // Concealed text (SGR 8) would hide what follows: the text shows, the conceal does not.
    expect(sanitizeTerminalText(`${ESC}[8mhidden`)).toBe('hidden')
  })

  it('drops mouse-mode, alternate-screen and bracketed-paste switches', () => {
    expect(sanitizeTerminalText(`${ESC}[?1000h${ESC}[?1006h${ESC}[?1049h${ESC}[?2004hx${ESC}[?1000l`)).toBe('x')
  })

  it('drops 8-bit C1 CSI (0x9B) and every other C1 control', () => {
    expect(sanitizeTerminalText('a\x9b2Jb\x9b?1000hc')).toBe('abc')
    expect(sanitizeTerminalText('a\x84b\x85c\x8dd')).toBe('abcd')
  })

  it('drops DCS, SOS, PM and APC strings whole', () => {
    expect(sanitizeTerminalText(`1${ESC}Pq#0;2;0;0;0#0~~${ST}2${ESC}X sos ${ST}3${ESC}^ pm ${ST}4${ESC}_Gf=100;AAAA${ST}5`)).toBe('12345')
    expect(sanitizeTerminalText('1\x90dcs\x9c2\x9fapc\x9c3')).toBe('123')
  })

  it('drops two-character escapes (reset, save cursor, charset) and a bare ESC', () => {
    expect(sanitizeTerminalText(`a${ESC}cb${ESC}7c${ESC}(0d${ESC}`)).toBe('abcd')
    // ESC before a character that cannot continue a sequence: the ESC goes, the character stays.
    expect(sanitizeTerminalText(`x${ESC}\ny`)).toBe('x\ny')
  })

  it('keeps only LF and TAB of the C0 controls; CR becomes a line break, so nothing is overwritten', () => {
    expect(sanitizeTerminalText('a\x00b\x07c\x08d\x0be\x0cf\x7fg')).toBe('abcdefg')
    expect(sanitizeTerminalText('one\r\ntwo\r\n')).toBe('one\ntwo\n')
    expect(sanitizeTerminalText('rm -rf ~\rls -la   ')).toBe('rm -rf ~\nls -la   ')
    expect(sanitizeTerminalText('10%\r20%\r')).toBe('10%\n20%')
  })

  it('a sequence that is never finished swallows only itself, never what came before', () => {
    expect(sanitizeTerminalText(`shown${ESC}]52;c;aGk=`)).toBe('shown')
    expect(sanitizeTerminalText(`shown${ESC}[12`)).toBe('shown')
  })

  it('ESC inside a control string aborts it and starts the next sequence', () => {
    expect(sanitizeTerminalText(`${ESC}]0;t${ESC}[2Jafter`)).toBe('after')
  })

  it('whatever comes in, nothing a terminal acts on comes out (every single code unit, and pairs)', () => {
    for (let a = 0; a < 0x100; a++) {
      const one = String.fromCharCode(a)
      expect(sanitizeTerminalText(`x${one}y`)).toMatch(INERT)
      for (let b = 0; b < 0x100; b += 7) expect(sanitizeTerminalText(`${one}${String.fromCharCode(b)}z`)).toMatch(INERT)
    }
  })
})

describe('TerminalTextFilter (streamed deltas)', () => {
  const streamed = (chunks: string[]) => {
    const filter = new TerminalTextFilter()
    return chunks.map((c) => filter.push(c)).join('') + filter.end()
  }

  it('drops an OSC 52 split across deltas whole, with no stray payload', () => {
    expect(streamed(['copy', ESC, ']52;c;', 'aGk', '=', BEL, 'done'])).toBe('copydone')
    expect(streamed(['a', `${ESC}]52;c;aGk=${ESC}`, '\\b'])).toBe('ab')
  })

  it('drops a CSI split right after its introducer or in its parameters', () => {
    expect(streamed(['a', ESC, '[', '2', 'J', 'b'])).toBe('ab')
    expect(streamed(['a\x9b', '?10', '00h', 'b'])).toBe('ab')
  })

  it('joins a CR LF split across deltas into one line break', () => {
    expect(streamed(['one\r', '\ntwo'])).toBe('one\ntwo')
    expect(streamed(['one\r', 'two'])).toBe('one\ntwo')
  })

  it('gives the same text whatever the chunking', () => {
    const text = `a${ESC}]52;c;aGk=${BEL}b${ESC}[2Jc\r\nd\x9b31me${ESC}P1$r${ST}f`
    const whole = sanitizeTerminalText(text)
    expect(whole).toBe('abc\ndef')
    for (let cut = 0; cut <= text.length; cut++) expect(streamed([text.slice(0, cut), text.slice(cut)])).toBe(whole)
    expect(streamed([...text])).toBe(whole)
  })
})

describe('terminalSafeJson', () => {
  it('escapes C1 controls that JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { text: 'a\x9b2Jb\x1b]52;c;x\x07', n: 1 }
    const line = terminalSafeJson(value)
    expect(line).toMatch(INERT)
    expect(JSON.parse(line)).toEqual(value)
  })
})
