import { describe, expect, it } from 'vitest'
import { parseDiff } from 'react-diff-view'
import { capHunks, lineCount } from '../../renderer/src/results/diffTokens'
import { countLines, languageFor, pairSections, splitPatch, unquotePath } from '../../renderer/src/results/patch'

// Real `git diff -M` output: a binary file added, a file deleted, a rename with a space in its
// names (git ends those ---/+++ names with a tab) and a file whose name git C-quotes (é.txt).
const GIT_DIFF = [
  'diff --git a/bin.dat b/bin.dat',
  'new file mode 100644',
  'index 0000000..bdc955b',
  'Binary files /dev/null and b/bin.dat differ',
  'diff --git a/del.txt b/del.txt',
  'deleted file mode 100644',
  'index 587be6b..0000000',
  '--- a/del.txt',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-x',
  'diff --git a/old name.txt b/new name.txt',
  'similarity index 66%',
  'rename from old name.txt',
  'rename to new name.txt',
  'index de98044..7be73ce 100644',
  '--- a/old name.txt\t',
  '+++ b/new name.txt\t',
  '@@ -1,3 +1,3 @@',
  ' a',
  '-b',
  '+B',
  ' c',
  'diff --git "a/\\303\\251.txt" "b/\\303\\251.txt"',
  'index 2fa992c..fe5841d 100644',
  '--- "a/\\303\\251.txt"',
  '+++ "b/\\303\\251.txt"',
  '@@ -1 +1,2 @@',
  ' keep',
  '+more',
  '',
].join('\n')

describe('splitting a unified diff into files', () => {
  it('names each file as git does: added binary, deleted, renamed with spaces, C-quoted', () => {
    const sections = splitPatch(GIT_DIFF, false)
    expect(sections.map((s) => [s.path, s.oldPath])).toEqual([
      ['bin.dat', undefined],
      ['del.txt', undefined],
      ['new name.txt', 'old name.txt'],
      ['é.txt', undefined],
    ])
    expect(sections.every((s) => !s.partial)).toBe(true)
    expect(sections[3].text).toBe(GIT_DIFF.slice(GIT_DIFF.indexOf('diff --git "a/')))
    expect(sections.map((s) => s.text).join('')).toBe(GIT_DIFF)
  })

  it('marks the last file of a truncated diff partial and drops its cut line', () => {
    const cut = GIT_DIFF.slice(0, GIT_DIFF.indexOf('@@ -1,3 +1,3 @@') + 8) // "@@ -1,3 " : half a hunk header
    const sections = splitPatch(cut, true)
    expect(sections.map((s) => s.path)).toEqual(['bin.dat', 'del.txt', 'new name.txt'])
    expect(sections[2].partial).toBe(true)
    expect(sections[1].partial).toBe(false)
    expect(sections[2].text.endsWith('+++ b/new name.txt\t\n')).toBe(true)
  })

  it('keeps a truncated diff that was cut at a line end whole to that line', () => {
    const cut = GIT_DIFF.slice(0, GIT_DIFF.indexOf('-x\n') + 3)
    const sections = splitPatch(cut, true)
    expect(sections.at(-1)).toMatchObject({ path: 'del.txt', partial: true })
    expect(sections.at(-1)!.text.endsWith('-x\n')).toBe(true)
  })

  it('takes a "diff --git" line inside a hunk for content, never for a new file', () => {
    const patch = ['diff --git a/notes.md b/notes.md', '--- a/notes.md', '+++ b/notes.md', '@@ -1 +1,2 @@', ' x', '+diff --git a/evil b/evil', ''].join('\n')
    expect(splitPatch(patch, false).map((s) => s.path)).toEqual(['notes.md'])
  })

  it('an empty diff has no files', () => {
    expect(splitPatch('', false)).toEqual([])
    expect(splitPatch('', true)).toEqual([])
  })

  it('falls back to the header for a mode change (no ---/+++ lines)', () => {
    const patch = 'diff --git a/run me.sh b/run me.sh\nold mode 100644\nnew mode 100755\n'
    expect(splitPatch(patch, false)).toEqual([{ path: 'run me.sh', text: patch, partial: false }])
  })
})

describe('git paths', () => {
  it('unquotes C-style names: octal UTF-8 bytes and escapes', () => {
    expect(unquotePath('"caf\\303\\251.txt"')).toBe('café.txt')
    expect(unquotePath('"tab\\there \\"q\\" back\\\\slash"')).toBe('tab\there "q" back\\slash')
    expect(unquotePath('plain name.txt')).toBe('plain name.txt')
    expect(unquotePath('"')).toBe('"')
  })
})

describe('pairing files with their diffs', () => {
  it('follows the result’s file list, finds renames and deletions, and shows an unlisted part too', () => {
    const sections = splitPatch(GIT_DIFF, false)
    const paired = pairSections(
      [
        { file: 'new name.txt', from: 'old name.txt', status: 'renamed', additions: 1, deletions: 1 },
        { file: 'del.txt', status: 'deleted', additions: 0, deletions: 1 },
        { file: 'é.txt', status: 'modified', additions: 1, deletions: 0 },
        { file: 'gone-from-diff.txt', status: 'added', additions: 3, deletions: 0 },
      ],
      sections,
    )
    expect(paired.map((p) => [p.file.file, p.section?.path])).toEqual([
      ['new name.txt', 'new name.txt'],
      ['del.txt', 'del.txt'],
      ['é.txt', 'é.txt'],
      ['gone-from-diff.txt', undefined],
      ['bin.dat', 'bin.dat'],
    ])
  })

  it('counts a file’s added and deleted lines without its ---/+++ header', () => {
    const [, del, renamed, quoted] = splitPatch(GIT_DIFF, false)
    expect(countLines(del.text)).toEqual({ additions: 0, deletions: 1 })
    expect(countLines(renamed.text)).toEqual({ additions: 1, deletions: 1 })
    expect(countLines(quoted.text)).toEqual({ additions: 1, deletions: 0 })
  })
})

describe('the highlighter’s language', () => {
  it('goes by extension or well-known name, and is none for the rest', () => {
    expect(languageFor('src/App.tsx')).toBe('tsx')
    expect(languageFor('core/x.mts')).toBe('typescript')
    expect(languageFor('a/b/Dockerfile')).toBe('docker')
    expect(languageFor('Makefile')).toBe('makefile')
    expect(languageFor('README.MD')).toBe('markdown')
    expect(languageFor('notes.txt')).toBeUndefined()
    expect(languageFor('.bashrc')).toBeUndefined()
  })
})

describe('drawing a long diff page by page', () => {
  const patch = ['diff --git a/n b/n', '--- a/n', '+++ b/n', '@@ -1,3 +1,3 @@', ' 1', '-2', '+two', ' 3', '@@ -10,2 +10,3 @@', ' 10', '+10.5', ' 11', ''].join('\n')
  const [file] = parseDiff(patch)

  it('keeps the hunks as they are under the limit, and cuts the one the limit falls in', () => {
    expect(lineCount(file.hunks)).toBe(7)
    expect(capHunks(file.hunks, 7)).toBe(file.hunks)
    const five = capHunks(file.hunks, 5)
    expect(five.map((h) => h.changes.map((c) => c.content))).toEqual([['1', '2', 'two', '3'], ['10']])
    expect(five[0]).toBe(file.hunks[0])
    expect(capHunks(file.hunks, 4)).toEqual([file.hunks[0]])
    expect(lineCount(capHunks(file.hunks, 2))).toBe(2)
  })
})
