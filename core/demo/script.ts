/**
 * The scripted model's script language.
 *
 * A prompt sent to an opencode session that uses the scripted model can carry a small script.
 * Lines that start with `@` followed by a known directive name are directives; every other line
 * is ordinary prompt text (it is ignored by the model, except for the default reply).
 *
 *   @reply <text>         Reply with this text (the rest of the line, trimmed). May repeat; the
 *                         texts are joined with newlines.
 *   @rate <N>             Stream at N tokens per second (a token is one word chunk, with its
 *                         leading space). Default: as fast as possible. Applies to the whole
 *                         script; the last @rate wins.
 *   @chunk <N>            Stream pieces of N characters instead of words, so a word can arrive
 *                         split across deltas. Applies to the whole script; the last one wins.
 *   @tool <name> <json>   Call the opencode tool <name> with these JSON arguments, e.g.
 *                           @tool bash {"command":"echo hi > out.txt","description":"write file"}
 *                           @tool write {"filePath":"a.txt","content":"x"}
 *                         Each @tool ends a model turn (finish_reason "tool_calls"); opencode runs
 *                         the tool, sends the result back, and the next turn goes on with the
 *                         directives after this @tool.
 *   @delay <ms>           Wait this long before answering the turn it belongs to.
 *   @fail <status> [n]    Answer the turn it belongs to with this HTTP status (400-599) and an
 *                         OpenAI-style error body. With n, only the first n requests for that
 *                         turn fail (counted per scripted-model server, keyed by the prompt
 *                         text and turn), later retries go on normally; without n, every
 *                         request for that turn fails.
 *
 * Turns. The directives are cut into turns after each @tool: turn 0 is everything up to and
 * including the first @tool, turn 1 everything after it up to and including the second @tool,
 * and so on; the last turn is everything after the last @tool. A turn answers with its @reply
 * text (if any) followed by its tool call (if any). The last turn, when it has no @reply, answers
 * with the default reply: "Done: <first 80 chars of the prompt text>".
 *
 * Which turn is asked for. opencode re-sends the whole conversation on every step, so the model
 * is stateless: the script is read from the last user message of the request, and the turn index
 * is the number of tool-result messages (role "tool") after that user message. This holds
 * because every scripted turn makes exactly one tool call, so one result comes back per turn.
 * A second prompt in the same session is a new user message and so starts its own script at
 * turn 0. A request past the last turn gets the last turn again (it never invents tool calls).
 *
 * Only the five names above are directives: any other "@word" line (an opencode agent mention
 * such as "@general", a file reference) is ordinary text.
 *
 * Errors. A malformed directive (bad number, bad JSON, missing tool name) makes the script
 * invalid: the model then answers every turn with a text reply that lists the errors, so a
 * mistake is visible in the session instead of looping.
 *
 * Example (two turns: a bash call, then a streamed reply):
 *   Create the file.
 *   @rate 20
 *   @tool bash {"command":"echo hi > out.txt","description":"write file"}
 *   @reply Created out.txt.
 */

export interface ToolCallStep {
  name: string
  /** The arguments exactly as opencode will receive them (a JSON object). */
  args: Record<string, unknown>
}

export interface Turn {
  /** Text to stream before the tool call (or as the whole answer); undefined when none. */
  reply?: string
  tool?: ToolCallStep
  /** Milliseconds to wait before answering this turn. */
  delayMs: number
  fail?: { status: number; times?: number }
}

export interface Script {
  /** The prompt text without directive lines, trimmed. */
  text: string
  /** Tokens per second; undefined = no delay between chunks. */
  rate?: number
  /** Characters per streamed piece; undefined = one word per piece. */
  chunk?: number
  /** Always at least one turn; only the last may lack a tool call. */
  turns: Turn[]
  /** True when the prompt contained at least one directive. */
  scripted: boolean
  /** Parse errors with 1-based line numbers; non-empty means the script is invalid. */
  errors: string[]
}

const DIRECTIVE = /^@(reply|rate|chunk|tool|delay|fail)(?:\s+(.*))?$/

/** The default reply of the last turn when the script has no @reply there. */
export function defaultReply(text: string): string {
  const head = text.replace(/\s+/g, ' ').trim().slice(0, 80)
  return head ? `Done: ${head}` : 'Done.'
}

export function parseScript(promptText: string): Script {
  const lines = promptText.split(/\r?\n/)
  const textLines: string[] = []
  const errors: string[] = []
  const turns: Turn[] = []
  let current: Turn = { delayMs: 0 }
  let replies: string[] = []
  let rate: number | undefined
  let chunk: number | undefined
  let scripted = false

  const closeTurn = (): void => {
    if (replies.length > 0) current.reply = replies.join('\n')
    turns.push(current)
    current = { delayMs: 0 }
    replies = []
  }

  lines.forEach((raw, i) => {
    const line = raw.trimEnd()
    const where = `line ${i + 1}`
    const m = DIRECTIVE.exec(line)
    if (!m) {
      textLines.push(raw)
      return
    }
    scripted = true
    const [, name, arg = ''] = m
    switch (name) {
      case 'reply':
        replies.push(arg)
        break
      case 'rate': {
        const n = Number(arg)
        if (!arg || !Number.isFinite(n) || n <= 0) errors.push(`${where}: @rate needs a positive number, got "${arg}"`)
        else rate = n
        break
      }
      case 'chunk': {
        const n = Number(arg)
        if (!Number.isInteger(n) || n <= 0) errors.push(`${where}: @chunk needs a whole number of characters > 0, got "${arg}"`)
        else chunk = n
        break
      }
      case 'delay': {
        const n = Number(arg)
        if (!arg || !Number.isFinite(n) || n < 0) errors.push(`${where}: @delay needs milliseconds >= 0, got "${arg}"`)
        else current.delayMs += n
        break
      }
      case 'fail': {
        const [status, times, extra] = arg.split(/\s+/).filter(Boolean).map(Number)
        if (!Number.isInteger(status) || status < 400 || status > 599 || extra !== undefined) {
          errors.push(`${where}: @fail needs an HTTP status 400-599 and an optional count, got "${arg}"`)
        } else if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
          errors.push(`${where}: @fail count must be a positive integer, got "${arg}"`)
        } else {
          current.fail = times === undefined ? { status } : { status, times }
        }
        break
      }
      case 'tool': {
        const tool = parseToolArg(arg)
        if (typeof tool === 'string') errors.push(`${where}: ${tool}`)
        else {
          current.tool = tool
          closeTurn()
        }
        break
      }
    }
  })

  const text = textLines.join('\n').trim()
  // The last turn always exists; it gets the default reply unless it says something itself.
  if (replies.length === 0) replies.push(defaultReply(text))
  closeTurn()
  return { text, rate, chunk, turns, scripted, errors }
}

function parseToolArg(arg: string): ToolCallStep | string {
  const m = /^([A-Za-z0-9_.-]+)\s*(.*)$/.exec(arg.trim())
  if (!m) return `@tool needs a tool name and JSON arguments, got "${arg}"`
  const [, name, json] = m
  let args: unknown
  try {
    args = JSON.parse(json || '{}')
  } catch (err) {
    return `@tool ${name}: arguments are not valid JSON (${(err as Error).message})`
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return `@tool ${name}: arguments must be a JSON object`
  }
  return { name, args: args as Record<string, unknown> }
}

/** The turn to answer for a request that already carries `toolResults` results of this prompt. */
export function turnAt(script: Script, toolResults: number): { turn: Turn; index: number } {
  // Past the end: repeat the last turn, which has no tool call, so the agent loop must stop.
  const index = Math.min(Math.max(0, toolResults), script.turns.length - 1)
  return { turn: script.turns[index], index }
}

/** The answer of an invalid script: one text turn listing the errors. */
export function errorReply(script: Script): string {
  return `Script error:\n${script.errors.map((e) => `- ${e}`).join('\n')}`
}

/**
 * Cut text into stream tokens: each word with the whitespace before it, so joining the tokens
 * gives back the text exactly.
 */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : [])
}
