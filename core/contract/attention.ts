import { z } from 'zod'
import { Id, Timestamp } from './common'

export const QuestionOption = z.object({ label: z.string(), description: z.string().optional() })
export const QuestionInfo = z.object({
  question: z.string(),
  header: z.string().optional(),
  options: z.array(QuestionOption),
  multiple: z.boolean().optional(),
})

/** Something a server waits on a human for: a permission to run a tool, or a question. */
export const AttentionItem = z.object({
  /** opencode's request id; unique per server, so the pair (serverId, requestId) is the key. */
  id: z.string(),
  requestId: z.string(),
  kind: z.enum(['permission', 'question']),
  serverId: Id,
  sessionId: z.string(),
  taskId: Id.optional(),
  title: z.string(),
  patterns: z.array(z.string()).optional(),
  questions: z.array(QuestionInfo).optional(),
  createdAt: Timestamp,
})

export const PermissionReply = z.enum(['once', 'always', 'reject'])

export const AttentionAnswer = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('permission'), reply: PermissionReply, message: z.string().max(2000).optional() }),
  /** One list of chosen labels (or free text) per question, in order. */
  z.strictObject({ kind: z.literal('question'), answers: z.array(z.array(z.string().max(2000)).max(50)).max(50) }),
  z.strictObject({ kind: z.literal('question-reject') }),
])

export type AttentionItem = z.infer<typeof AttentionItem>
export type AttentionAnswer = z.infer<typeof AttentionAnswer>
export type PermissionReply = z.infer<typeof PermissionReply>
