import type { Element, ElementContent, Root, RootContent } from 'hast'
import type { LanguageFn } from 'highlight.js'
import bash from 'highlight.js/lib/languages/bash'
import css from 'highlight.js/lib/languages/css'
import diff from 'highlight.js/lib/languages/diff'
import go from 'highlight.js/lib/languages/go'
import ini from 'highlight.js/lib/languages/ini'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import markdown from 'highlight.js/lib/languages/markdown'
import plaintext from 'highlight.js/lib/languages/plaintext'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import shell from 'highlight.js/lib/languages/shell'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'
import { createLowlight } from 'lowlight'

/**
 * The languages answers are highlighted in: the ones coding agents write most. A small explicit
 * set, because every grammar is bundle weight (lowlight's `common` is ~35). Their aliases come
 * with them (ts/tsx, js/jsx, sh/zsh, html/svg, toml, yml, py, rs, golang, console).
 */
export const HIGHLIGHT_LANGUAGES: Record<string, LanguageFn> = {
  bash,
  css,
  diff,
  go,
  ini,
  javascript,
  json,
  markdown,
  plaintext,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
}

/** Longer code is shown plain: highlighting is a nicety, never a cost. */
export const MAX_HIGHLIGHT = 50_000

const lowlight = createLowlight(HIGHLIGHT_LANGUAGES)

/**
 * A rehype plugin: every fenced block (`pre > code.language-X`) in a registered language gets
 * highlight.js token spans (classes `hljs-*`, coloured by styles/markdown.css). Plain text stays
 * plain: no language, an unknown one, `no-highlight`, or longer than MAX_HIGHLIGHT.
 *
 * Not rehype-highlight: it imports lowlight's `common` set (~35 grammars, ~100 KB minified)
 * whatever `languages` it is given, so the bundle would carry them all. This is the same few
 * lines on lowlight, with only the grammars above.
 */
export function rehypeHighlightCode() {
  return (tree: Root) => {
    const visit = (node: Root | RootContent, parent?: Element | Root) => {
      if (node.type === 'element' && node.tagName === 'code' && parent?.type === 'element' && parent.tagName === 'pre') {
        highlightBlock(node)
        return
      }
      if ('children' in node) for (const child of node.children) visit(child, node)
    }
    visit(tree)
  }
}

function highlightBlock(code: Element): void {
  const classes = Array.isArray(code.properties.className) ? code.properties.className.map(String) : []
  if (classes.includes('no-highlight') || classes.includes('nohighlight')) return
  const lang = classes.find((c) => c.startsWith('language-'))?.slice('language-'.length)
  if (!lang || !lowlight.registered(lang)) return
  const text = textOf(code)
  if (text.length > MAX_HIGHLIGHT) return
  const result = lowlight.highlight(lang, text, { prefix: 'hljs-' })
  code.properties.className = ['hljs', ...classes]
  code.children = result.children as ElementContent[]
}

function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value
  return node.type === 'element' ? node.children.map(textOf).join('') : ''
}
