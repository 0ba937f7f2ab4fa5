import { tokenize, type HunkData, type HunkTokens } from 'react-diff-view'
import { refractor } from 'refractor/core'
import bash from 'refractor/bash'
import c from 'refractor/c'
import cpp from 'refractor/cpp'
import csharp from 'refractor/csharp'
import css from 'refractor/css'
import docker from 'refractor/docker'
import go from 'refractor/go'
import ini from 'refractor/ini'
import java from 'refractor/java'
import javascript from 'refractor/javascript'
import json from 'refractor/json'
import jsx from 'refractor/jsx'
import kotlin from 'refractor/kotlin'
import lua from 'refractor/lua'
import makefile from 'refractor/makefile'
import markdown from 'refractor/markdown'
import markup from 'refractor/markup'
import php from 'refractor/php'
import python from 'refractor/python'
import ruby from 'refractor/ruby'
import rust from 'refractor/rust'
import scss from 'refractor/scss'
import sql from 'refractor/sql'
import swift from 'refractor/swift'
import toml from 'refractor/toml'
import tsx from 'refractor/tsx'
import typescript from 'refractor/typescript'
import yaml from 'refractor/yaml'

// The languages patch.ts's languageFor names, and no others (the whole Prism set is ~600).
for (const syntax of [markup, css, javascript, jsx, typescript, tsx, json, bash, c, cpp, csharp, docker, go, ini, java, kotlin, lua, makefile, markdown, php, python, ruby, rust, scss, sql, swift, toml, yaml]) refractor.register(syntax)

/** Lines of one file's diff drawn at first, and added by each "show more": a table of 100 000 rows would stall the page. */
export const LINES_PER_PAGE = 2_000

/** Every line (change) in the hunks. */
export function lineCount(hunks: readonly HunkData[]): number {
  return hunks.reduce((n, hunk) => n + hunk.changes.length, 0)
}

/** The hunks up to `limit` lines, the last one cut where the limit falls (the same objects when nothing is cut). */
export function capHunks(hunks: HunkData[], limit: number): HunkData[] {
  if (lineCount(hunks) <= limit) return hunks
  const kept: HunkData[] = []
  let left = limit
  for (const hunk of hunks) {
    if (left <= 0) break
    kept.push(hunk.changes.length <= left ? hunk : { ...hunk, changes: hunk.changes.slice(0, left) })
    left -= hunk.changes.length
  }
  return kept
}

/** Longer diffs are shown plain: colour is a nicety, never a stall. */
export const MAX_HIGHLIGHT_CHARS = 200_000

/**
 * Prism tokens for a file's hunks, or null (shown plain). The tokens are a tree of class names
 * and strings; react-diff-view renders them as elements with text children, never as HTML.
 */
export function diffTokens(hunks: HunkData[], language: string | undefined, size: number): HunkTokens | null {
  if (!language || size > MAX_HIGHLIGHT_CHARS || !refractor.registered(language)) return null
  try {
    // refractor 5 returns a root node; react-diff-view wants the root's children (the refractor 3 shape).
    const highlighter = { highlight: (text: string, lang: string) => refractor.highlight(text, lang).children }
    return tokenize(hunks, { highlight: true, refractor: highlighter as unknown as typeof refractor, language })
  } catch {
    return null
  }
}
