export type TokenKind = 'plain' | 'comment' | 'string' | 'number' | 'keyword'

export interface Token {
  kind: TokenKind
  text: string
}

const KEYWORDS = new Set(
  (
    'abstract as async await break case catch class const continue def default del delete do elif else enum export extends false ' +
    'final finally fn for from func function go if impl import in interface is let match mod module mut new nil none not null ' +
    'or package pass private protected pub public raise return self static struct super switch this throw true try type typeof ' +
    'undefined use var void while with yield'
  ).split(' '),
)

/** Languages whose line comments start with "#". */
const HASH_COMMENTS = new Set(['py', 'python', 'sh', 'bash', 'shell', 'zsh', 'yaml', 'yml', 'toml', 'rb', 'ruby', 'r', 'perl', 'dockerfile', 'make', 'makefile'])

/** Longer code is shown plain: highlighting is a nicety, never a cost. */
export const MAX_HIGHLIGHT = 50_000

/**
 * A deliberately small, language-agnostic highlighter: comments, strings, numbers, common
 * keywords. Returns tokens (text only); the renderer wraps them in spans.
 */
export function highlight(code: string, lang: string): Token[] {
  if (code.length > MAX_HIGHLIGHT) return [{ kind: 'plain', text: code }]
  const hash = HASH_COMMENTS.has(lang.toLowerCase())
  const comment = hash ? String.raw`#[^\n]*` : String.raw`\/\/[^\n]*|\/\*[\s\S]*?\*\/`
  const pattern = new RegExp(
    `(${comment})|("(?:[^"\\\\\\n]|\\\\.)*"|'(?:[^'\\\\\\n]|\\\\.)*'|\`(?:[^\`\\\\]|\\\\.)*\`)|(\\b\\d[\\d_]*(?:\\.\\d+)?(?:e[+-]?\\d+)?\\b|\\b0x[0-9a-f]+\\b)|([A-Za-z_$][\\w$]*)`,
    'gi',
  )
  const tokens: Token[] = []
  let last = 0
  const push = (kind: TokenKind, text: string) => {
    if (!text) return
    const prev = tokens[tokens.length - 1]
    if (prev && prev.kind === kind) prev.text += text
    else tokens.push({ kind, text })
  }
  for (const match of code.matchAll(pattern)) {
    push('plain', code.slice(last, match.index))
    const [text, isComment, isString, isNumber] = match
    if (isComment) push('comment', text)
    else if (isString) push('string', text)
    else if (isNumber) push('number', text)
    else push(KEYWORDS.has(text) ? 'keyword' : 'plain', text)
    last = match.index + text.length
  }
  push('plain', code.slice(last))
  return tokens
}
