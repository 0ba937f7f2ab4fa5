import type { OcMessageWithParts } from '../contract/opencode'
import type { TaskResult, Tokens } from '../contract/tasks'

/**
 * Whether an idle session's messages show its turn over: the last message is a completed (or
 * failed) assistant message. Used on resync, where a missed `session.idle` must be recognised
 * from state alone; between two steps of a turn the session is busy, never idle.
 */
export function turnFinished(messages: readonly OcMessageWithParts[]): boolean {
  const last = messages.at(-1)?.info
  if (!last || last.role !== 'assistant') return false
  return last.error !== undefined || last.time.completed !== undefined
}

/**
 * Why the turn did not reach an answer, if it did not: an error on the last assistant message,
 * or a turn that stopped while its tool calls were due (opencode ends the loop there when a
 * permission is rejected or a tool is blocked) — reported with the failed tool's own error.
 */
export function turnError(messages: readonly OcMessageWithParts[]): string | undefined {
  const last = lastAssistant(messages)
  if (!last) return undefined
  const error = last.info.error
  if (error) return `${error.name}${error.data?.message ? `: ${error.data.message}` : ''}`
  if (last.info.finish !== 'tool-calls') return undefined
  const failed = last.parts.find((p) => p.type === 'tool' && p.state?.status === 'error')
  if (failed) return `${failed.tool ?? 'tool'} failed: ${failed.state?.error ?? 'error'}`
  return 'the agent stopped before finishing its tool calls'
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
