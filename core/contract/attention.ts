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

/** An encrypted key file that needs its passphrase; `retry` when the last one given was wrong. */
export const PassphraseInfo = z.object({ keyPath: z.string(), host: z.string(), retry: z.boolean() })

/** opencode is missing on a remote host; Flotilla can run `command` there if allowed. */
export const InstallInfo = z.object({ host: z.string(), command: z.string() })

/**
 * Something a server waits on a human for: a permission to run a tool, a question, or (while
 * connecting over SSH) an unknown host key, a key's passphrase, or leave to install opencode.
 */
export const AttentionItem = z.object({
  /** opencode's request id; unique per server, so the pair (serverId, requestId) is the key. */
  id: z.string(),
  requestId: z.string(),
  kind: z.enum(['permission', 'question', 'hostKey', 'passphrase', 'install']),
  serverId: Id,
  /** The session asking (none for the SSH kinds: they come before any session). */
  sessionId: z.string().optional(),
  taskId: Id.optional(),
  title: z.string(),
  /** A permission's kind as opencode names it: bash, edit, webfetch, ... */
  permission: z.string().optional(),
  /**
   * The exact command a permission would let run (bash), verbatim: what the user approves.
   * Untrusted (the model wrote it): shown as text, and sanitised before it reaches a terminal.
   */
  command: z.string().optional(),
  /** What opencode matches a permission against; for bash a parse of `command`, one per simple command. */
  patterns: z.array(z.string()).optional(),
  /** What answering "always" allows from then on, as opencode's patterns (e.g. `echo *`). */
  always: z.array(z.string()).optional(),
  questions: z.array(QuestionInfo).optional(),
  hostKey: HostKeyInfo.optional(),
  passphrase: PassphraseInfo.optional(),
  install: InstallInfo.optional(),
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
  /** The key's passphrase; without one the key is skipped (the next key or the agent is tried). */
  z.strictObject({ kind: z.literal('passphrase'), passphrase: z.string().min(1).max(1024).optional() }),
  z.strictObject({ kind: z.literal('install'), accept: z.boolean() }),
])

export type AttentionItem = z.infer<typeof AttentionItem>
export type AttentionAnswer = z.infer<typeof AttentionAnswer>
export type PermissionReply = z.infer<typeof PermissionReply>
export type HostKeyInfo = z.infer<typeof HostKeyInfo>
export type PassphraseInfo = z.infer<typeof PassphraseInfo>
export type InstallInfo = z.infer<typeof InstallInfo>
