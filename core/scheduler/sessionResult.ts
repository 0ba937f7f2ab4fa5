import type { OcMessageWithParts } from '../contract/opencode'
import type { TaskResult, Tokens } from '../contract/tasks'

/**
 * Whether the messages of a session show a finished turn: the last message is an assistant
 * message that completed and did not stop to call tools. Used on resync, where a missed
 * `session.idle` must be recognised from state alone.
 */
export function turnFinished(messages: readonly OcMessageWithParts[]): boolean {
  const last = messages.at(-1)?.info
  if (!last || last.role !== 'assistant') return false
  if (last.error) return true
  return last.time.completed !== undefined && last.finish !== 'tool-calls'
}

/** The error that ended the turn, if it ended with one (an abort is not reported as one). */
export function turnError(messages: readonly OcMessageWithParts[]): string | undefined {
  const last = lastAssistant(messages)
  const error = last?.info.error
  if (!error) return undefined
  return `${error.name}${error.data?.message ? `: ${error.data.message}` : ''}`
}

/** Final text, tokens and cost of the turn that answered the last user prompt. */
export function turnResult(messages: readonly OcMessageWithParts[], durationMs: number, files: TaskResult['files']): TaskResult {
  const lastUser = messages.findLastIndex((m) => m.info.role === 'user')
  const answer = messages.slice(lastUser + 1).filter((m) => m.info.role === 'assistant')
  const tokens: Tokens = { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 }
  let cost = 0
  for (const m of answer) {
    const t = m.info.tokens
    cost += m.info.cost ?? 0
    if (!t) continue
    tokens.input += t.input
    tokens.output += t.output
    tokens.reasoning += t.reasoning ?? 0
    tokens.cacheRead += t.cache?.read ?? 0
    tokens.cacheWrite += t.cache?.write ?? 0
  }
  const final = answer.at(-1)
  const text = (final?.parts ?? [])
    .filter((p) => p.type === 'text' && !p.synthetic && typeof p.text === 'string')
    .map((p) => p.text!)
    .join('')
    .trim()
  return { text, tokens, cost, durationMs, files }
}

function lastAssistant(messages: readonly OcMessageWithParts[]): OcMessageWithParts | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.info.role === 'assistant') return messages[i]
  return undefined
}
