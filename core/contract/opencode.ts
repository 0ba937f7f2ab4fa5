import { z } from 'zod'

/**
 * The parts of opencode's wire format Flotilla reads (opencode-ai 1.18). Objects are loose:
 * opencode adds fields between versions, and only the fields named here are relied on.
 * Every server response and event passes one of these before the engine uses it.
 */

export const OcSessionStatus = z.looseObject({ type: z.enum(['idle', 'busy', 'retry']), message: z.string().optional(), attempt: z.number().optional() })
export const OcSessionStatusMap = z.record(z.string(), OcSessionStatus)
export const OcHealth = z.looseObject({ healthy: z.boolean(), version: z.string() })
export const OcSession = z.looseObject({ id: z.string().min(1), title: z.string().optional(), directory: z.string().optional() })

const Time = z.looseObject({ start: z.number().optional(), end: z.number().optional() })

export const OcToolState = z.looseObject({
  status: z.enum(['pending', 'running', 'completed', 'error']),
  input: z.record(z.string(), z.unknown()).optional(),
  title: z.string().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
  time: Time.optional(),
})

export const OcPart = z.looseObject({
  id: z.string(),
  sessionID: z.string(),
  messageID: z.string(),
  type: z.string(),
  text: z.string().optional(),
  synthetic: z.boolean().optional(),
  tool: z.string().optional(),
  callID: z.string().optional(),
  state: OcToolState.optional(),
  time: Time.optional(),
  /** On `patch` parts: the files a step changed (absolute paths). */
  files: z.array(z.string()).optional(),
})

export const OcMessageError = z.looseObject({ name: z.string(), data: z.looseObject({ message: z.string().optional() }).optional() })

export const OcMessageInfo = z.looseObject({
  id: z.string(),
  sessionID: z.string(),
  role: z.enum(['user', 'assistant']),
  time: z.looseObject({ created: z.number(), completed: z.number().optional() }),
  error: OcMessageError.optional(),
  cost: z.number().optional(),
  tokens: z
    .looseObject({
      input: z.number(),
      output: z.number(),
      reasoning: z.number().optional(),
      cache: z.looseObject({ read: z.number(), write: z.number() }).optional(),
    })
    .optional(),
  finish: z.string().optional(),
})

export const OcMessageWithParts = z.looseObject({ info: OcMessageInfo, parts: z.array(OcPart) })
export const OcMessages = z.array(OcMessageWithParts)

export const OcPermissionRequest = z.looseObject({
  id: z.string().min(1),
  sessionID: z.string().min(1),
  permission: z.string(),
  patterns: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.unknown()).optional(),
  always: z.array(z.string()).optional(),
  tool: z.looseObject({ messageID: z.string(), callID: z.string() }).optional(),
})

export const OcQuestionRequest = z.looseObject({
  id: z.string().min(1),
  sessionID: z.string().min(1),
  questions: z.array(
    z.looseObject({
      question: z.string(),
      header: z.string().optional(),
      options: z.array(z.looseObject({ label: z.string(), description: z.string().optional() })).default([]),
      multiple: z.boolean().optional(),
    }),
  ),
})

export const OcFileDiff = z.looseObject({
  file: z.string().optional(),
  path: z.string().optional(),
  additions: z.number().default(0),
  deletions: z.number().default(0),
})

/** Every opencode bus event: `{type, properties}`; narrowed per type by `parseGlobalEvent`. */
export const OcEventEnvelope = z.looseObject({ type: z.string().min(1), properties: z.record(z.string(), z.unknown()).default({}) })

export const OcEvent = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('server.connected'), properties: z.looseObject({}) }),
  z.looseObject({ type: z.literal('server.heartbeat'), properties: z.looseObject({}) }),
  z.looseObject({ type: z.literal('session.status'), properties: z.looseObject({ sessionID: z.string(), status: OcSessionStatus }) }),
  z.looseObject({ type: z.literal('session.idle'), properties: z.looseObject({ sessionID: z.string() }) }),
  z.looseObject({
    type: z.literal('session.error'),
    properties: z.looseObject({ sessionID: z.string().optional(), error: OcMessageError.optional() }),
  }),
  z.looseObject({ type: z.literal('message.updated'), properties: z.looseObject({ sessionID: z.string().optional(), info: OcMessageInfo }) }),
  z.looseObject({ type: z.literal('message.part.updated'), properties: z.looseObject({ sessionID: z.string().optional(), part: OcPart }) }),
  z.looseObject({
    type: z.literal('message.part.delta'),
    properties: z.looseObject({ sessionID: z.string(), messageID: z.string(), partID: z.string(), field: z.string(), delta: z.string() }),
  }),
  z.looseObject({ type: z.literal('permission.asked'), properties: OcPermissionRequest }),
  z.looseObject({ type: z.literal('permission.replied'), properties: z.looseObject({ sessionID: z.string(), requestID: z.string(), reply: z.string().optional() }) }),
  z.looseObject({ type: z.literal('question.asked'), properties: OcQuestionRequest }),
  z.looseObject({ type: z.literal('question.replied'), properties: z.looseObject({ sessionID: z.string(), requestID: z.string() }) }),
  z.looseObject({ type: z.literal('question.rejected'), properties: z.looseObject({ sessionID: z.string(), requestID: z.string() }) }),
  // Shown by the TUI; the relay and tunnel benchmarks trigger it (POST /tui/show-toast) to time the path.
  z.looseObject({ type: z.literal('tui.toast.show'), properties: z.looseObject({ message: z.string(), title: z.string().optional(), variant: z.string().optional() }) }),
])

/** An event Flotilla understands; the stream drops every other type (see `parseGlobalEvent`). */
export type OcEvent = z.infer<typeof OcEvent>
export type OcPart = z.infer<typeof OcPart>
export type OcMessageInfo = z.infer<typeof OcMessageInfo>
export type OcMessageWithParts = z.infer<typeof OcMessageWithParts>
export type OcPermissionRequest = z.infer<typeof OcPermissionRequest>
export type OcQuestionRequest = z.infer<typeof OcQuestionRequest>
export type OcSessionStatus = z.infer<typeof OcSessionStatus>

const KNOWN: ReadonlySet<string> = new Set(OcEvent.options.map((o) => o.shape.type.value))

/**
 * One message of `GET /global/event`, the stream that carries every directory's instance:
 * `{directory?, project?, payload: {type, properties}}`. `server.connected` and the heartbeat
 * come without a directory.
 */
export const OcGlobalEnvelope = z.looseObject({
  directory: z.string().optional(),
  project: z.string().optional(),
  payload: OcEventEnvelope,
})

/** What one SSE payload of `/global/event` turned out to be. */
export type ParsedGlobalEvent =
  | { kind: 'event'; event: OcEvent; directory?: string }
  /** A type Flotilla does not read, or the `sync` copy opencode sends of each durable event: dropped quietly. */
  | { kind: 'ignored'; type: string }
  /** Not an event at all, or a known type with a body that does not fit (counted, dropped). */
  | { kind: 'malformed' }

/**
 * Parses one SSE data payload of `/global/event`. One bad event must not take down a server's
 * stream: the caller counts malformed ones and drops them.
 */
export function parseGlobalEvent(data: string): ParsedGlobalEvent {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch {
    return { kind: 'malformed' }
  }
  const envelope = OcGlobalEnvelope.safeParse(json)
  if (!envelope.success) return { kind: 'malformed' }
  const { payload, directory } = envelope.data
  if (!KNOWN.has(payload.type)) return { kind: 'ignored', type: payload.type }
  const known = OcEvent.safeParse(payload)
  if (!known.success) return { kind: 'malformed' }
  return directory === undefined ? { kind: 'event', event: known.data } : { kind: 'event', event: known.data, directory }
}

/** The session an event belongs to, if any. */
export function eventSessionId(event: OcEvent): string | undefined {
  switch (event.type) {
    case 'server.connected':
    case 'server.heartbeat':
    case 'tui.toast.show':
      return undefined
    case 'message.updated':
      return event.properties.sessionID ?? event.properties.info.sessionID
    case 'message.part.updated':
      return event.properties.sessionID ?? event.properties.part.sessionID
    default:
      return event.properties.sessionID
  }
}
