import { z } from 'zod'
import { Id, ServerPath, Timestamp } from './common'

export const StrategyName = z.enum(['round-robin', 'least-loaded', 'random'])

/** Where a task may run: any ready server (the strategy picks), one server, or every listed one. */
export const TaskTarget = z.discriminatedUnion('kind', [
  /** `strategy`: this task's own choice (the prompt bar's per-prompt target); omitted = the settings' strategy. */
  z.strictObject({ kind: z.literal('any'), strategy: StrategyName.optional() }),
  z.strictObject({ kind: z.literal('server'), serverId: Id }),
  /** Omitted serverIds = every server known at submit time. */
  z.strictObject({ kind: z.literal('broadcast'), serverIds: z.array(Id).min(1).max(256).optional() }),
])

export const TaskSpec = z.strictObject({
  prompt: z.string().trim().min(1, 'expected a non-empty prompt').max(100_000),
  title: z.string().max(200).optional(),
  target: TaskTarget.default({ kind: 'any' }),
  /** On the server's machine; omitted = the server's own folder. */
  directory: ServerPath.optional(),
  agent: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  /** "provider/model", as opencode names models. */
  model: z.string().regex(/^[^/\s]{1,100}\/[^\s]{1,200}$/, 'expected provider/model').optional(),
  priority: z.number().int().min(-100).max(100).default(0),
  timeoutMs: z.number().int().min(1_000).max(86_400_000).optional(),
  /** Attempts before the task fails when its server dies under it; omitted = the settings' maxAttempts. */
  maxAttempts: z.number().int().min(1).max(10).optional(),
})

export const TaskState = z.enum(['queued', 'dispatched', 'running', 'completed', 'failed', 'cancelled'])
export const FINAL_TASK_STATES = ['completed', 'failed', 'cancelled'] as const
export type FinalTaskState = (typeof FINAL_TASK_STATES)[number]

/** Whether a task has ended (nothing more will happen to it unless it is retried). */
export function isFinalState(state: string): state is FinalTaskState {
  return (FINAL_TASK_STATES as readonly string[]).includes(state)
}

export const Tokens = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  reasoning: z.number().nonnegative(),
  cacheRead: z.number().nonnegative(),
  cacheWrite: z.number().nonnegative(),
})

export const ChangedFile = z.object({
  file: z.string(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
})

export const TaskResult = z.object({
  text: z.string(),
  tokens: Tokens,
  cost: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  files: z.array(ChangedFile),
})

export const TaskAttempt = z.object({
  attempt: z.number().int().positive(),
  serverId: Id,
  sessionId: z.string().optional(),
  startedAt: Timestamp,
  endedAt: Timestamp.optional(),
  outcome: z.enum(['running', 'completed', 'failed', 'cancelled', 'server-lost']),
  error: z.string().optional(),
})

export const TaskView = z.object({
  id: Id,
  groupId: Id.optional(),
  prompt: z.string(),
  title: z.string().optional(),
  state: TaskState,
  target: TaskTarget,
  priority: z.number().int(),
  directory: z.string().optional(),
  agent: z.string().optional(),
  model: z.string().optional(),
  timeoutMs: z.number().int().optional(),
  maxAttempts: z.number().int(),
  serverId: Id.optional(),
  serverUrl: z.string().optional(),
  sessionId: z.string().optional(),
  attempts: z.array(TaskAttempt),
  createdAt: Timestamp,
  startedAt: Timestamp.optional(),
  endedAt: Timestamp.optional(),
  error: z.string().optional(),
  result: TaskResult.optional(),
})

export type StrategyName = z.infer<typeof StrategyName>
export type TaskTarget = z.infer<typeof TaskTarget>
export type TaskSpec = z.infer<typeof TaskSpec>
export type TaskSpecInput = z.input<typeof TaskSpec>
export type TaskState = z.infer<typeof TaskState>
export type TaskResult = z.infer<typeof TaskResult>
export type TaskAttempt = z.infer<typeof TaskAttempt>
export type TaskView = z.infer<typeof TaskView>
export type Tokens = z.infer<typeof Tokens>
export type ChangedFile = z.infer<typeof ChangedFile>
