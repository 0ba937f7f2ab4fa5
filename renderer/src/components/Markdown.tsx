import { memo, useMemo, type ReactNode } from 'react'
import ReactMarkdown, { type Components, type ExtraProps } from 'react-markdown'
import remarkGfm from 'remark-gfm'
import { sanitizeTerminalText } from '../../../core/view/terminalText'
import { rehypeHighlightCode } from '../markdown/highlight'
import { safeHref } from '../markdown/links'
import '../styles/markdown.css'

const REMARK = [remarkGfm]
// No rehype-raw: react-markdown turns raw HTML into text, so no answer can ever become markup.
const REHYPE = [rehypeHighlightCode]

/**
 * An answer's Markdown (GFM: tables, task lists, nested lists, fenced code highlighted by
 * highlight.js) as React elements only: no innerHTML anywhere, raw HTML shows as text, links only
 * http(s) and mailto (opened in a new window, which Electron hands to the system browser),
 * images never loaded (a link to them instead: the CSP allows no remote image anyway).
 */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  // Escape sequences a model copied from a terminal would show as "[31m" litter: drop them.
  const text = useMemo(() => sanitizeTerminalText(source), [source])
  const components = useMemo(() => componentsFor(text), [text])
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={REMARK} rehypePlugins={REHYPE} urlTransform={urlTransform} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  )
})

/** Everything but http(s) and mailto loses its URL; the components below then show the source. */
function urlTransform(url: string): string | undefined {
  return safeHref(url)
}

type Node = ExtraProps['node']

/** The Markdown an element came from, so a link that is not kept reads as what was written. */
function sourceOf(text: string, node: Node): string | undefined {
  const start = node?.position?.start.offset
  const end = node?.position?.end.offset
  return start === undefined || end === undefined ? undefined : text.slice(start, end)
}

function componentsFor(text: string): Components {
  const heading =
    (Tag: 'h3' | 'h4' | 'h5' | 'h6') =>
    ({ children }: { children?: ReactNode }) => <Tag>{children}</Tag>
  return {
    // The detail already has h1/h2 above the answer: an answer's headings start at h3.
    h1: heading('h3'),
    h2: heading('h4'),
    h3: heading('h5'),
    h4: heading('h6'),
    h5: heading('h6'),
    h6: heading('h6'),
    a({ href, children, node }) {
      if (!href) return <>{sourceOf(text, node) ?? children}</>
      return (
        <a href={href} target="_blank" rel="noreferrer noopener">
          {children}
        </a>
      )
    },
    img({ src, alt, node }) {
      const label = alt ? `image: ${alt}` : 'image'
      if (typeof src === 'string' && src) {
        return (
          <a className="md-image" href={src} target="_blank" rel="noreferrer noopener" title={src}>
            {label}
          </a>
        )
      }
      return <span className="md-image">{alt ? label : (sourceOf(text, node) ?? label)}</span>
    },
    pre({ children, node }) {
      const code = node?.children.find((child) => child.type === 'element' && child.tagName === 'code')
      const classes = code?.type === 'element' ? code.properties.className : undefined
      const lang = Array.isArray(classes) ? classes.map(String).find((c) => c.startsWith('language-'))?.slice(9) : undefined
      return (
        // Focusable: a long line scrolls sideways, and a scrollable region must be reachable by keyboard.
        <pre className="code-block" data-lang={lang || undefined} tabIndex={0}>
          {children}
        </pre>
      )
    },
    table({ children }) {
      // Wide tables scroll on their own instead of widening the detail pane.
      return (
        <div className="md-table" tabIndex={0}>
          <table>{children}</table>
        </div>
      )
    },
    input({ type, checked }) {
      if (type !== 'checkbox') return null
      return <input type="checkbox" checked={!!checked} disabled readOnly aria-label={checked ? 'done' : 'not done'} />
    },
  }
}
