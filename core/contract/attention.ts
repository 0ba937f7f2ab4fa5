import { z } from 'zod'
import { Id, Timestamp } from './common'

export const QuestionOption = z.object({ label: z.string(), description: z.string().optional() })
export const QuestionInfo = z.object({
  question: z.string(),
  header: z.string().optional(),
  options: z.array(QuestionOption),
  multiple: z.boolean().optional(),
})

/** An SSH host key seen for the first time, waiting to be accepted or refused. */
export const HostKeyInfo = z.object({ host: z.string(), port: z.number().int(), keyType: z.string(), fingerprint: z.string() })

/**
 * Something a server waits on a human for: a permission to run a tool, a question, or (while
 * connecting over SSH) an unknown host key.
 */
export const AttentionItem = z.object({
  /** opencode's request id; unique per server, so the pair (serverId, requestId) is the key. */
  id: z.string(),
  requestId: z.string(),
  kind: z.enum(['permission', 'question', 'hostKey']),
  serverId: Id,
  /** The session asking (none for a host key: it comes before any session). */
  sessionId: z.string().optional(),
  taskId: Id.optional(),
  title: z.string(),
  patterns: z.array(z.string()).optional(),
  questions: z.array(QuestionInfo).optional(),
  hostKey: HostKeyInfo.optional(),
  createdAt: Timestamp,
})

export const PermissionReply = z.enum(['once', 'always', 'reject'])

export const AttentionAnswer = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('permission'), reply: PermissionReply, message: z.string().max(2000).optional() }),
  /** One list of chosen labels (or free text) per question, in order. */
  z.strictObject({ kind: z.literal('question'), answers: z.array(z.array(z.string().max(2000)).max(50)).max(50) }),
  z.strictObject({ kind: z.literal('question-reject') }),
  /** once: connect this time only; always: also record it in known_hosts; reject: refuse. */
  z.strictObject({ kind: z.literal('hostKey'), reply: PermissionReply }),
])

export type AttentionItem = z.infer<typeof AttentionItem>
export type AttentionAnswer = z.infer<typeof AttentionAnswer>
export type PermissionReply = z.infer<typeof PermissionReply>
export type HostKeyInfo = z.infer<typeof HostKeyInfo>
