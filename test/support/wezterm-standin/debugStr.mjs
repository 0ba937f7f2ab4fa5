// Shared by the stand-in's CLI and daemon: WezTerm prints its errors with Rust's Debug format.

export /** Rust's Debug formatting of a string (quotes and escapes). */
function debugStr(s) {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (c === 0) out += '\\0'
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`
    else out += ch
  }
  return `${out}"`
}
