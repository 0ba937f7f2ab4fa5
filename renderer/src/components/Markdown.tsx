import { memo, type ReactNode } from 'react'
import { highlight } from '../markdown/highlight'
import { parseMarkdown, type Block, type Inline } from '../markdown/parse'

/** Markdown as React elements only: text can never become markup (no innerHTML anywhere). */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  return <div className="markdown">{parseMarkdown(source).map(renderBlock)}</div>
})

function renderBlock(block: Block, key: number): ReactNode {
  switch (block.type) {
    case 'heading': {
      const Tag = `h${Math.min(6, block.level + 2)}` as 'h3'
      return <Tag key={key}>{renderInlines(block.content)}</Tag>
    }
    case 'paragraph':
      return <p key={key}>{renderInlines(block.content)}</p>
    case 'code':
      return (
        <pre key={key} className="code-block" data-lang={block.lang || undefined}>
          <code>
            {highlight(block.code, block.lang).map((token, i) =>
              token.kind === 'plain' ? token.text : <span key={i} className={`tok-${token.kind}`}>{token.text}</span>,
            )}
          </code>
        </pre>
      )
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{renderInlines(item)}</li>)
      return block.ordered ? <ol key={key} start={block.start}>{items}</ol> : <ul key={key}>{items}</ul>
    }
    case 'quote':
      return <blockquote key={key}>{block.blocks.map(renderBlock)}</blockquote>
    case 'rule':
      return <hr key={key} />
  }
}

function renderInlines(nodes: Inline[]): ReactNode[] {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.text
      case 'code':
        return <code key={i}>{node.text}</code>
      case 'strong':
        return <strong key={i}>{renderInlines(node.children)}</strong>
      case 'em':
        return <em key={i}>{renderInlines(node.children)}</em>
      case 'link':
        return (
          <a key={i} href={node.href} target="_blank" rel="noreferrer noopener">
            {renderInlines(node.children)}
          </a>
        )
    }
  })
}
