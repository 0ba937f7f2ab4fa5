import type { AttentionItem } from '../contract/attention'
import type { PushArgs } from '../contract/api'
import type { ServerView } from '../contract/servers'

type Redact = (text: string) => string

/**
 * A push with known secrets redacted from what a server, a model or a tool wrote into it.
 * Task snapshots come redacted from the scheduler; event frames from their renderers;
 * terminal data is left alone: TUI and shell panes are the user's own programs on a real terminal.
 */
export function redactedPush(push: PushArgs, redact: Redact): PushArgs {
  switch (push[0]) {
    case 'server.updated':
      return [push[0], redactedServerView(push[1], redact)]
    case 'notice':
      return [push[0], { ...push[1], message: redact(push[1].message) }]
    case 'server.output':
      return [push[0], { ...push[1], line: redact(push[1].line) }]
    case 'attention.added':
      return [push[0], redactedAttentionItem(push[1], redact)]
    default:
      return push
  }
}

export function redactedServerView(view: ServerView, redact: Redact): ServerView {
  return view.lastError === undefined ? view : { ...view, lastError: redact(view.lastError) }
}

/** What the model wrote into an item (a command, its patterns, a question) is shown redacted. */
export function redactedAttentionItem(item: AttentionItem, redact: Redact): AttentionItem {
  const out: AttentionItem = { ...item, title: redact(item.title) }
  if (item.command !== undefined) out.command = redact(item.command)
  if (item.patterns) out.patterns = item.patterns.map(redact)
  if (item.always) out.always = item.always.map(redact)
  if (item.questions) {
    out.questions = item.questions.map((q) => ({
      ...q,
      question: redact(q.question),
      ...(q.header === undefined ? {} : { header: redact(q.header) }),
      options: q.options.map((o) => ({ ...o, label: redact(o.label), ...(o.description === undefined ? {} : { description: redact(o.description) }) })),
    }))
  }
  return out
}
