import { z } from 'zod'
import { AttentionAnswer, AttentionItem } from './attention'
import { Id } from './common'
import { ServerSpec, ServerView } from './servers'
import { UiCommand } from './commands'
import { WeztermDomain, WeztermDomains } from './wezterm'
import { Settings, SettingsPatch } from './settings'
import { CompareEntry, StrategyName, TaskDiff, TaskSpec, TaskState, TaskView } from './tasks'

const Empty = z.strictObject({}).optional().default({})
const ById = z.strictObject({ id: Id })
const Ok = z.object({ ok: z.literal(true) })

/** A stream a client can watch: one server's events, or one task's events, as ANSI text. */
export const StreamRef = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('server'), serverId: Id }),
  z.strictObject({ kind: z.literal('task'), taskId: Id }),
])

/**
 * The API: every method the UI and the CLI call, one params and one result schema each.
 * Both transports (Electron IPC, WebSocket) carry exactly these; nothing else is callable.
 */
export const methods = {
  'servers.list': { params: Empty, result: z.array(ServerView) },
  'servers.add': {
    params: z.strictObject({
      spec: ServerSpec,
      /** For url servers: kept in memory (the app stores it in the OS keychain), never in settings. */
      password: z.string().min(1).max(1000).optional(),
      start: z.boolean().default(true),
      persist: z.boolean().default(true),
    }),
    result: ServerView,
  },
  'servers.remove': { params: ById, result: Ok },
  'servers.start': { params: ById, result: ServerView },
  'servers.stop': { params: ById, result: ServerView },
  'servers.restart': { params: ById, result: ServerView },
  /** `maxCost` (USD): no task of this submit starts once its finished attempts have cost that much (see BatchBudgets). */
  'tasks.submit': { params: z.strictObject({ tasks: z.array(TaskSpec).min(1).max(1000), maxCost: z.number().positive().max(1_000_000).optional() }), result: z.array(TaskView) },
  'tasks.list': {
    params: z.strictObject({ states: z.array(TaskState).max(6).optional() }).optional().default({}),
    result: z.array(TaskView),
  },
  'tasks.get': { params: ById, result: TaskView },
  'tasks.cancel': { params: ById, result: TaskView },
  'tasks.retry': { params: ById, result: TaskView },
  /** A worktree result's diff (one file, or all), limited to maxBytes, and whether it merges into its target now. */
  'tasks.diff': {
    params: z.strictObject({ id: Id, file: z.string().min(1).max(4096).optional(), maxBytes: z.number().int().min(1_000).max(4_000_000).default(400_000) }),
    result: TaskDiff,
  },
  /** Lands a completed worktree result into its target branch (or `into`); a conflict or a dirty checkout in the way is an error that changes nothing. */
  'tasks.land': {
    params: z.strictObject({ id: Id, squash: z.boolean().default(false), into: z.string().min(1).max(255).regex(/^(?!-)[^\s~^:?*[\\]+$/, 'expected a branch name').optional() }),
    result: TaskView,
  },
  /**
   * Another prompt on a finished task's branch: in its session, on its server (the conversation
   * goes on), adding a commit to the same branch. `newSession`: when that server is gone, on any
   * server in a new session (the conversation does not carry over).
   */
  'tasks.followUp': { params: z.strictObject({ id: Id, prompt: TaskSpec.shape.prompt, newSession: z.boolean().default(false) }), result: TaskView },
  /** Which of these results would conflict with each other if all were landed (pairwise merge-tree, in the order given). */
  'tasks.conflicts': {
    params: z.strictObject({ ids: z.array(Id).min(2).max(100) }),
    result: z.array(z.object({ a: Id, b: Id, files: z.array(z.string()) })),
  },
  /** These tasks' results side by side, ranked best first (the rule is said with them); `ids` in submit order. */
  'tasks.compare': {
    params: z.strictObject({ ids: z.array(Id).min(1).max(100) }),
    result: z.object({ rule: z.string(), entries: z.array(CompareEntry) }),
  },
  /** Removes a finished task's worktree and its branch (its commits go with it). */
  'tasks.discard': { params: ById, result: TaskView },
  'scheduler.get': { params: Empty, result: z.object({ strategy: StrategyName }) },
  'scheduler.setStrategy': { params: z.strictObject({ strategy: StrategyName }), result: z.object({ strategy: StrategyName }) },
  'attention.list': { params: Empty, result: z.array(AttentionItem) },
  'attention.answer': { params: z.strictObject({ id: z.string().min(1).max(300), answer: AttentionAnswer }), result: Ok },
  'events.subscribe': {
    params: z.strictObject({ stream: StreamRef }),
    result: z.object({ subscriptionId: z.string(), backlog: z.string() }),
  },
  'events.unsubscribe': { params: z.strictObject({ subscriptionId: z.string().min(1).max(100) }), result: Ok },
  /** Interactive terminals: a shell, or the real opencode TUI attached to a server. */
  'terminals.open': {
    params: z.strictObject({
      kind: z.enum(['shell', 'tui']),
      /** tui: the server to attach to; shell: where to start (its directory). */
      serverId: Id.optional(),
      /** In this task's worktree (kept on this machine): a shell there, or the TUI of its server on that folder. */
      taskId: Id.optional(),
      cols: z.number().int().min(2).max(500).default(80),
      rows: z.number().int().min(2).max(300).default(24),
    }),
    result: z.object({ terminalId: z.string(), title: z.string() }),
  },
  'terminals.write': { params: z.strictObject({ terminalId: z.string().min(1).max(100), data: z.string().max(65_536) }), result: Ok },
  'terminals.resize': {
    params: z.strictObject({ terminalId: z.string().min(1).max(100), cols: z.number().int().min(2).max(500), rows: z.number().int().min(2).max(300) }),
    result: Ok,
  },
  'terminals.close': { params: z.strictObject({ terminalId: z.string().min(1).max(100) }), result: Ok },
  /** The client's terminal has parsed `chars` more of this terminal's output (flow control: TERMINAL_FLOW). */
  'terminals.ack': { params: z.strictObject({ terminalId: z.string().min(1).max(100), chars: z.number().int().positive().max(1_000_000_000) }), result: Ok },
  /** WezTerm SSH domains kept in a Lua file that the user's wezterm.lua includes. */
  'wezterm.domains.list': { params: Empty, result: WeztermDomains },
  'wezterm.domains.add': { params: z.strictObject({ domain: WeztermDomain }), result: WeztermDomains },
  'wezterm.domains.remove': { params: z.strictObject({ name: WeztermDomain.shape.name }), result: WeztermDomains },
  /**
   * The host's project folder and, when it is in a git repository, that repository: the prompt bar's tasks get worktrees there.
   * `demo`: the host runs the scripted model (--demo), so a new server's form starts with it ticked.
   */
  'host.info': {
    params: Empty,
    result: z.object({
      projectDir: z.string().optional(),
      repository: z.object({ root: z.string(), branch: z.string().optional(), dirty: z.boolean() }).optional(),
      demo: z.boolean().optional(),
    }),
  },
  'settings.get': { params: Empty, result: Settings },
  'settings.update': { params: z.strictObject({ patch: SettingsPatch }), result: Settings },
} as const

/** Pushes from the engine to every connected client. */
export const events = {
  'server.updated': ServerView,
  'server.removed': z.object({ id: Id }),
  'task.updated': TaskView,
  'attention.added': AttentionItem,
  'attention.resolved': z.object({ id: z.string() }),
  /** ANSI text for a subscription, batched (~16 ms frames) before it crosses the transport. */
  'events.data': z.object({ subscriptionId: z.string(), data: z.string(), dropped: z.number().int().nonnegative() }),
  /** Terminal output, batched per ~16 ms frame; `dropped`: characters before this frame that a client too far behind did not get. */
  'terminals.data': z.object({ terminalId: z.string(), data: z.string(), dropped: z.number().int().nonnegative().default(0) }),
  'terminals.exit': z.object({ terminalId: z.string(), code: z.number().int().nullable() }),
  /** A native menu item was chosen (desktop app only): the renderer runs it like its key. */
  'ui.command': UiCommand,
  'notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  /** A line a server's launcher printed while bringing it up (opencode's own start, an install's progress). */
  'server.output': z.object({ id: Id, line: z.string().max(2_000) }),
  /** This client fell so far behind that `dropped` pushes were not sent to it: reload state (servers, tasks, attention). */
  'resync': z.object({ dropped: z.number().int().nonnegative() }),
  /** Settings changed (by any client): every client shows the same strategy and theme. */
  'settings.updated': Settings,
} as const

export type MethodName = keyof typeof methods
export type EventName = keyof typeof events
export type ParamsIn<M extends MethodName> = z.input<(typeof methods)[M]['params']>
export type Params<M extends MethodName> = z.output<(typeof methods)[M]['params']>
export type Result<M extends MethodName> = z.output<(typeof methods)[M]['result']>
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>
/** A push payload as a sender writes it (defaults not filled in yet: the receiver's parse does that). */
export type EventPayloadIn<E extends EventName> = z.input<(typeof events)[E]>
/** One push as sent, typed per event name: a `switch (event)` narrows `payload`. */
export type PushArgs = { [E in EventName]: [event: E, payload: EventPayloadIn<E>] }[EventName]
/** One push as a client receives it (parsed against the contract). */
export type ReceivedPush = { [E in EventName]: [event: E, payload: EventPayload<E>] }[EventName]
export type StreamRef = z.infer<typeof StreamRef>

/** The typed API object the renderer, the CLI and tests program against. */
export type Api = { [M in MethodName]: (params: ParamsIn<M>) => Promise<Result<M>> }

export const ErrorCode = z.enum(['bad_request', 'unknown_method', 'not_found', 'conflict', 'unavailable', 'internal'])
export type ErrorCode = z.infer<typeof ErrorCode>

/** One envelope on every transport. */
export const RequestEnvelope = z.strictObject({
  id: z.union([z.number().int(), z.string().max(100)]),
  method: z.string().max(100),
  params: z.unknown().optional(),
})
export const ResponseEnvelope = z.union([
  z.object({ id: z.union([z.number(), z.string()]), result: z.unknown() }),
  z.object({ id: z.union([z.number(), z.string()]).nullable(), error: z.object({ code: ErrorCode, message: z.string() }) }),
])
export const PushEnvelope = z.object({ event: z.string(), payload: z.unknown() })

export type RequestEnvelope = z.infer<typeof RequestEnvelope>
export type ResponseEnvelope = z.infer<typeof ResponseEnvelope>
export type PushEnvelope = z.infer<typeof PushEnvelope>

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name)
}
