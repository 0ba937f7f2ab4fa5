/**
 * A small Markdown subset for final answers: headings, paragraphs, code fences, lists, quotes,
 * rules; inline code, bold, italics, links. It produces a tree of plain strings; the React
 * renderer turns it into elements (never HTML), so nothing in the text can become markup.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }

export type Block =
  | { type: 'heading'; level: number; content: Inline[] }
  | { type: 'paragraph'; content: Inline[] }
  | { type: 'code'; lang: string; code: string }
  | { type: 'list'; ordered: boolean; start: number; items: Inline[][] }
  | { type: 'quote'; blocks: Block[] }
  | { type: 'rule' }

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/
const BULLET = /^ {0,3}([-*+])\s+(.*)$/
const NUMBERED = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/
const QUOTE = /^ {0,3}>\s?(.*)$/

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]
    if (!line.trim()) {
      i++
      continue
    }
    const fence = FENCE.exec(line)
    if (fence) {
      const marker = fence[1]
      const body: string[] = []
      i++
      while (i < lines.length && !lines[i].trimStart().startsWith(marker)) body.push(lines[i++])
      i++ // the closing fence (or the end)
      blocks.push({ type: 'code', lang: fence[2] ?? '', code: body.join('\n') })
      continue
    }
    const heading = HEADING.exec(line)
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1].length, content: parseInline(heading[2]) })
      i++
      continue
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' })
      i++
      continue
    }
    if (QUOTE.test(line)) {
      const body: string[] = []
      while (i < lines.length && QUOTE.test(lines[i])) body.push(QUOTE.exec(lines[i++])![1])
      blocks.push({ type: 'quote', blocks: parseMarkdown(body.join('\n')) })
      continue
    }
    const bullet = BULLET.exec(line)
    const numbered = NUMBERED.exec(line)
    if (bullet || numbered) {
      const ordered = !bullet
      const pattern = ordered ? NUMBERED : BULLET
      const items: string[] = []
      while (i < lines.length) {
        const item = pattern.exec(lines[i])
        if (item) items.push(item[2])
        else if (lines[i].trim() && /^\s+/.test(lines[i]) && items.length) items[items.length - 1] += ' ' + lines[i].trim()
        else break
        i++
      }
      blocks.push({ type: 'list', ordered, start: ordered ? Number(numbered![1]) : 1, items: items.map(parseInline) })
      continue
    }
    const paragraph: string[] = []
    while (i < lines.length && lines[i].trim() && !startsBlock(lines[i])) paragraph.push(lines[i++].trim())
    blocks.push({ type: 'paragraph', content: parseInline(paragraph.join('\n')) })
  }
  return blocks
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line) || RULE.test(line)
}

/** Links are kept only for http(s) and mailto; anything else (javascript:, data:) stays text. */
export function safeHref(href: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(href) ? href : undefined
}

const SPECIAL = /[\\`*_[]/g
const STRONG = /(\*\*|__)(?=\S)([\s\S]*?\S)\1/y
const EM_STAR = /\*(?=\S)([\s\S]*?\S)\*/y
const EM_UNDERSCORE = /_(?=\S)([\s\S]*?\S)_(?!\w)/y
const LINK = /\[([^\]\n]+)\]\(([^)\s]+)\)/y
const TICKS = /`+/y

function stickyMatch(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at
  return pattern.exec(text)
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = []
  let plain = ''
  const flush = () => {
    if (plain) out.push({ type: 'text', text: plain })
    plain = ''
  }
  let i = 0
  while (i < text.length) {
    // Copy ordinary text up to the next character that could start markup.
    SPECIAL.lastIndex = i
    const next = SPECIAL.exec(text)
    const at = next ? next.index : text.length
    plain += text.slice(i, at)
    i = at
    if (i >= text.length) break
    const ch = text[i]
    if (ch === '\\') {
      if (i + 1 < text.length && /[\\`*_[\]()#>!-]/.test(text[i + 1])) {
        plain += text[i + 1]
        i += 2
      } else {
        plain += ch
        i++
      }
      continue
    }
    if (ch === '`') {
      const run = stickyMatch(TICKS, text, i)![0]
      const end = text.indexOf(run, i + run.length)
      if (end > 0) {
        flush()
        const body = text.slice(i + run.length, end)
        out.push({ type: 'code', text: body.trim() || body })
        i = end + run.length
      } else {
        plain += run
        i += run.length
      }
      continue
    }
    const strong = stickyMatch(STRONG, text, i)
    if (strong) {
      flush()
      out.push({ type: 'strong', children: parseInline(strong[2]) })
      i += strong[0].length
      continue
    }
    // "_" only at word edges, so snake_case_names stay as they are.
    const em = ch === '*' ? stickyMatch(EM_STAR, text, i) : ch === '_' && !/\w/.test(text[i - 1] ?? '') ? stickyMatch(EM_UNDERSCORE, text, i) : null
    if (em) {
      flush()
      out.push({ type: 'em', children: parseInline(em[1]) })
      i += em[0].length
      continue
    }
    const link = ch === '[' ? stickyMatch(LINK, text, i) : null
    if (link) {
      const href = safeHref(link[2])
      flush()
      if (href) out.push({ type: 'link', href, children: parseInline(link[1]) })
      else out.push({ type: 'text', text: link[0] })
      i += link[0].length
      continue
    }
    plain += ch
    i++
  }
  flush()
  return out
}
