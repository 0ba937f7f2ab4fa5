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

const ShellCommand = z.string().trim().min(1, 'expected a command').max(10_000)
const RepoRelativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\0'), 'expected a path inside the repository (relative, no "..")')

/**
 * Run the task in its own git worktree, from `base`, its result a branch of `repo` (on this
 * machine: Flotilla's host). Omitted = the task works in its server's folder, shared.
 */
export const WorkspaceRequest = z.strictObject({
  /** A folder in the user's repository, on the machine Flotilla runs on (a subfolder is kept in the worktree). */
  repo: z.string().min(1).max(4096).refine((p) => p.startsWith('/'), 'expected an absolute path'),
  /** Branch, tag or commit to start from; default HEAD. */
  base: z.string().min(1).max(256).optional(),
  /** Start from the uncommitted state (tracked and untracked files) instead of the commit alone. */
  includeDirty: z.boolean().default(false),
  /** A shell command run in each new worktree before the prompt (`npm ci`); a failure fails the task. */
  setup: ShellCommand.optional(),
  /** Untracked files or folders of the repository (`.env`) copied into each worktree; never part of the result. */
  copy: z.array(RepoRelativePath).max(100).default([]),
  /** A shell command run in the worktree after the agent's turn (`npm test`); its result marks the task's, never fails it. */
  verify: ShellCommand.optional(),
})

/** What a workspace task starts from, fixed at submit. */
export const WorkspacePlan = z.object({
  /** The repository's top folder on Flotilla's machine. */
  repo: z.string(),
  /** The task's folder inside the repository ('' = its top). */
  subdir: z.string(),
  /** The ref asked for ('HEAD' by default) and the commit it named at submit. */
  baseRef: z.string(),
  baseCommit: z.string(),
  /** The commit the worktree starts from: baseCommit, or the snapshot of the uncommitted state on top of it. */
  baseSha: z.string(),
  dirtySnapshot: z.boolean(),
  /** The branch checked out at submit (the default landing target); absent on a detached HEAD. */
  targetBranch: z.string().optional(),
  setup: z.string().optional(),
  copy: z.array(z.string()).default([]),
  verify: z.string().optional(),
  /** A follow-up: it works on that task's branch (and worktree), in its session when `sessionId` is set. */
  continues: z
    .object({
      /** The task it follows (the last of a chain): its worktree, when it has one, is taken over. */
      taskId: Id,
      /** The first task of the chain: its worktree folder is the chain's (the session's folder). */
      folderTask: Id,
      branch: z.string(),
      sessionId: z.string().optional(),
    })
    .optional(),
})

/** What a --verify command said about a result. */
export const VerifyResult = z.object({
  command: z.string(),
  passed: z.boolean(),
  /** null: it was stopped (its time ran out) or killed by a signal. */
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  /** The tail of its output, made safe to show. */
  output: z.string(),
  timedOut: z.boolean().optional(),
})

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
  workspace: WorkspaceRequest.optional(),
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
  /** Known for results read from git (workspaces); opencode's own diff does not say. */
  status: z.enum(['added', 'modified', 'deleted', 'renamed', 'copied', 'type-changed']).optional(),
  from: z.string().optional(),
  binary: z.boolean().optional(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
})

/** What landing a result did: `skipped` changed nothing (no target, nothing to land, a dirty checkout in its way). */
export const LandReport = z.object({
  status: z.enum(['landed', 'conflict', 'skipped']),
  into: z.string().optional(),
  /** The commit the target moved to. */
  commit: z.string().optional(),
  /** landed: the files it wrote; conflict: the conflicting files; skipped: the files in the way. */
  files: z.array(z.string()).optional(),
  reason: z.string().optional(),
})

export const TaskResult = z.object({
  text: z.string(),
  tokens: Tokens,
  cost: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  files: z.array(ChangedFile),
  /** Where the task worked: its own worktree, or its server's folder (shared with other tasks). */
  isolation: z.enum(['worktree', 'shared']).optional(),
  /** Why a task that asked for a worktree shared its server's folder. */
  sharedReason: z.string().optional(),
  /** Worktree results: the branch, the commit it started from and its last result commit (absent: nothing changed). */
  branch: z.string().optional(),
  baseSha: z.string().optional(),
  headSha: z.string().optional(),
  /** The worktree, while it is kept (until landed, discarded or the end of a run). */
  worktree: z.string().optional(),
  /**
   * Set when that worktree is on the server's machine, not this one (an SSH server, a WezTerm
   * SSH domain): the machine (`user@host`); `worktree` is then an absolute path there.
   */
  worktreeHost: z.string().min(1).optional(),
  verify: VerifyResult.optional(),
  /** The last landing (tasks.land, flotilla run --land). */
  land: LandReport.optional(),
  /** Discarded: its worktree and branch were removed on purpose. */
  discarded: z.boolean().optional(),
  /** The worktree's folder was found gone (after a restart): its branch is kept. */
  worktreeMissing: z.boolean().optional(),
})

/** A result's diff, for the task detail: the unified diff limited in size, and whether it merges now. */
export const TaskDiff = z.object({
  files: z.array(ChangedFile),
  /** Unified diff (base..head) of all files or the one asked for, at most maxBytes of it. */
  patch: z.string(),
  truncated: z.boolean(),
  /** Size of the whole diff asked for, in bytes. */
  totalBytes: z.number().int().nonnegative(),
  /** Whether it merges cleanly into its target branch now (absent: no target, nothing to merge). */
  merge: z.object({ into: z.string(), clean: z.boolean(), files: z.array(z.string()) }).optional(),
})

/**
 * One result of a group (a broadcast, --best-of, any submit) beside the others: the facts it is
 * ranked by and its place (1 = best) with the reason for it (see core/workspace/ranking.ts).
 */
export const CompareEntry = z.object({
  taskId: Id,
  state: TaskState,
  serverId: Id.optional(),
  model: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  /** Input + output + reasoning tokens. */
  tokens: z.number().int().nonnegative(),
  cost: z.number().nonnegative(),
  /** Lines added and deleted. */
  diffLines: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  verify: z.enum(['passed', 'failed', 'none']),
  /** Whether it merges cleanly into its target now (absent: not known, e.g. no target or no branch). */
  merges: z.boolean().optional(),
  rank: z.number().int().positive(),
  reason: z.string(),
})
export type CompareEntry = z.infer<typeof CompareEntry>

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
  /** The tasks.submit call it came from: results of one submit are compared with each other before any lands. */
  batchId: Id.optional(),
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
  workspace: WorkspacePlan.optional(),
})

export type StrategyName = z.infer<typeof StrategyName>
export type TaskTarget = z.infer<typeof TaskTarget>
export type TaskSpec = z.infer<typeof TaskSpec>
export type WorkspaceRequest = z.infer<typeof WorkspaceRequest>
export type WorkspaceRequestInput = z.input<typeof WorkspaceRequest>
export type WorkspacePlan = z.infer<typeof WorkspacePlan>
export type VerifyResult = z.infer<typeof VerifyResult>
export type LandReport = z.infer<typeof LandReport>
export type TaskDiff = z.infer<typeof TaskDiff>
export type TaskSpecInput = z.input<typeof TaskSpec>
export type TaskState = z.infer<typeof TaskState>
export type TaskResult = z.infer<typeof TaskResult>
export type TaskAttempt = z.infer<typeof TaskAttempt>
export type TaskView = z.infer<typeof TaskView>
export type Tokens = z.infer<typeof Tokens>
export type ChangedFile = z.infer<typeof ChangedFile>
