import type { ChangedFile } from '../../../core/contract/tasks'

/** One file's part of a unified diff (`git diff` output), as text. */
export interface PatchSection {
  /** The path after the change (the old path for a deletion). */
  path: string
  /** The path before, when it differs (a rename or copy) or the file was deleted. */
  oldPath?: string
  text: string
  /** The diff was cut inside this file's part: what is shown is its beginning only. */
  partial: boolean
}

const HEADER = 'diff --git '

/**
 * Cuts a unified diff into its files. A truncated diff's last file is `partial`, and its last
 * line, cut anywhere, is dropped (a half hunk header would not parse).
 */
export function splitPatch(patch: string, truncated: boolean): PatchSection[] {
  if (!patch) return []
  let lines = patch.split('\n')
  if (patch.endsWith('\n')) lines.pop()
  else if (truncated) lines = lines.slice(0, -1)
  const sections: PatchSection[] = []
  let start = -1
  const close = (end: number) => {
    if (start < 0) return
    const body = lines.slice(start, end)
    sections.push({ ...sectionPaths(body), text: body.join('\n') + '\n', partial: false })
  }
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith(HEADER)) continue
    close(i)
    start = i
  }
  close(lines.length)
  if (truncated && sections.length > 0) sections[sections.length - 1].partial = true
  return sections
}

/** The paths a file's diff names: from its ---/+++ lines, rename/copy lines, else its header. */
export function sectionPaths(lines: readonly string[]): { path: string; oldPath?: string } {
  let oldPath: string | undefined
  let newPath: string | undefined
  let deleted = false
  for (const line of lines.slice(1)) {
    if (line.startsWith('@@') || line.startsWith(HEADER)) break
    if (line.startsWith('rename from ') || line.startsWith('copy from ')) oldPath = unquotePath(line.slice(line.indexOf(' from ') + 6))
    else if (line.startsWith('rename to ') || line.startsWith('copy to ')) newPath = unquotePath(line.slice(line.indexOf(' to ') + 4))
    else if (line.startsWith('deleted file mode')) deleted = true
    else if (line.startsWith('--- ')) oldPath ??= sidePath(line.slice(4), 'a/')
    else if (line.startsWith('+++ ')) newPath ??= sidePath(line.slice(4), 'b/')
  }
  if (newPath === undefined && oldPath === undefined) {
    const [a, b] = headerPaths(lines[0]?.slice(HEADER.length) ?? '')
    oldPath = a
    newPath = deleted ? undefined : b
  }
  const path = newPath ?? oldPath ?? ''
  return oldPath !== undefined && oldPath !== path ? { path, oldPath } : { path }
}

function sidePath(value: string, prefix: string): string | undefined {
  // git ends the name with a tab when it holds a space.
  const name = unquotePath(value.endsWith('\t') ? value.slice(0, -1) : value)
  if (name === '/dev/null') return undefined
  return name.startsWith(prefix) ? name.slice(prefix.length) : name
}

/** `a/x b/x` (spaces allowed when both sides are the same) or `"a/..." "b/..."`. */
function headerPaths(rest: string): [string | undefined, string | undefined] {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest, 0)
    const a = unquotePath(rest.slice(0, end + 1))
    const tail = rest.slice(end + 2)
    const b = unquotePath(tail)
    return [strip(a, 'a/'), strip(b, 'b/')]
  }
  const half = (rest.length - 1) / 2
  if (Number.isInteger(half) && rest[half] === ' ') {
    const a = rest.slice(0, half)
    const b = rest.slice(half + 1)
    if (a.startsWith('a/') && b.startsWith('b/') && a.slice(2) === b.slice(2)) return [a.slice(2), b.slice(2)]
  }
  const match = /^(\S+) (.+)$/.exec(rest)
  return match ? [strip(unquotePath(match[1]), 'a/'), strip(unquotePath(match[2]), 'b/')] : [undefined, undefined]
}

const strip = (value: string, prefix: string) => (value.startsWith(prefix) ? value.slice(prefix.length) : value)

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i
  }
  return text.length - 1
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 }

/** A path as git prints it: C-quoted (`"caf\303\251.txt"`, octal UTF-8 bytes) when it holds unusual characters. */
export function unquotePath(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value
  const bytes: number[] = []
  const body = value.slice(1, -1)
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch !== '\\') {
      bytes.push(...new TextEncoder().encode(ch))
      continue
    }
    const next = body[i + 1] ?? ''
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4))
    if (octal) {
      bytes.push(parseInt(octal[0], 8))
      i += 3
    } else if (next in ESCAPES) {
      bytes.push(ESCAPES[next])
      i += 1
    } else bytes.push(92)
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

/** A changed file with its part of the diff, when the diff has it. */
export interface FileDiff {
  file: ChangedFile
  section?: PatchSection
}

/**
 * The result's files in its own order, each with its part of the diff. A part for a file the
 * list does not name (it should not happen) is shown too, under its own path.
 */
export function pairSections(files: readonly ChangedFile[], sections: readonly PatchSection[]): FileDiff[] {
  const left = [...sections]
  const take = (file: ChangedFile) => {
    const index = left.findIndex((s) => s.path === file.file || (s.oldPath !== undefined && s.oldPath === file.file && (file.status === 'deleted' || !s.path)))
    return index < 0 ? undefined : left.splice(index, 1)[0]
  }
  const paired: FileDiff[] = files.map((file) => ({ file, section: take(file) }))
  for (const section of left) paired.push({ file: { file: section.path, from: section.oldPath, ...countLines(section.text) }, section })
  return paired
}

/** Added and deleted lines of one file's diff (the hunks' + and - lines, not the ---/+++ header). */
export function countLines(text: string): { additions: number; deletions: number } {
  let additions = 0
  let deletions = 0
  let inHunk = false
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) inHunk = true
    else if (!inHunk) continue
    else if (line.startsWith('+')) additions++
    else if (line.startsWith('-')) deletions++
  }
  return { additions, deletions }
}

const BY_EXTENSION: Record<string, string> = {
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'jsx',
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx',
  json: 'json', jsonc: 'json', css: 'css', scss: 'scss',
  html: 'markup', htm: 'markup', xml: 'markup', svg: 'markup', vue: 'markup',
  md: 'markdown', markdown: 'markdown',
  py: 'python', rb: 'ruby', go: 'go', rs: 'rust', java: 'java', kt: 'kotlin', kts: 'kotlin', swift: 'swift',
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', cs: 'csharp', php: 'php',
  sh: 'bash', bash: 'bash', zsh: 'bash', yml: 'yaml', yaml: 'yaml', toml: 'toml', ini: 'ini', sql: 'sql', lua: 'lua',
}
const BY_NAME: Record<string, string> = { dockerfile: 'docker', makefile: 'makefile', gnumakefile: 'makefile' }

/** The highlighter's language for a path, by its extension or name; undefined: shown plain. */
export function languageFor(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase()
  if (BY_NAME[name]) return BY_NAME[name]
  const dot = name.lastIndexOf('.')
  return dot > 0 ? BY_EXTENSION[name.slice(dot + 1)] : undefined
}
