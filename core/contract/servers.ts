import { z } from 'zod'
import { AbsolutePath, Id, Timestamp } from './common'

const SpecBase = {
  id: Id,
  name: z.string().trim().min(1).max(100),
  /** Concurrent tasks this server runs at once (one opencode session each). */
  capacity: z.number().int().min(1).max(64).default(1),
}

/** Which opencode binary to run: omitted = the one embedded with Flotilla (npm opencode-ai). */
const Binary = z.string().min(1).max(4096).optional()

export const LocalSpec = z.strictObject({
  ...SpecBase,
  kind: z.literal('local'),
  directory: AbsolutePath,
  binary: Binary,
  /** Use the scripted model (core/demo) instead of the user's opencode configuration. */
  demo: z.boolean().default(false),
})

export const UrlSpec = z.strictObject({
  ...SpecBase,
  kind: z.literal('url'),
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  username: z.string().min(1).max(200).optional(),
  /** Name of the environment variable holding the password; the password itself is never stored. */
  passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  directory: AbsolutePath.optional(),
})

/** A server on another machine, over SSH; `host` is a ~/.ssh/config alias or a host name. */
export const SshSpec = z.strictObject({
  ...SpecBase,
  kind: z.literal('ssh'),
  host: z.string().regex(/^[^\s@'"`$\\]{1,255}$/, 'expected a host name or ~/.ssh/config alias (no spaces, quotes or @)'),
  user: z.string().regex(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/, 'expected a user name').optional(),
  port: z.number().int().min(1).max(65535).optional(),
  identityFile: z.string().min(1).max(4096).optional(),
  /** On the remote machine; `~/` is its home. */
  remoteDirectory: z.string().min(1).max(4096),
  binary: Binary,
  /** Use the scripted model, reached through a reverse tunnel. */
  demo: z.boolean().default(false),
})

/** A server in a WezTerm pane (`wezterm cli spawn`), in the local domain or a unix domain. */
export const WeztermSpec = z.strictObject({
  ...SpecBase,
  kind: z.literal('wezterm'),
  domain: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a WezTerm domain name').default('local'),
  directory: AbsolutePath,
  binary: Binary,
  /** Use the scripted model (core/demo). */
  demo: z.boolean().default(false),
})

/** A server in a window of a tmux session (window name = server id), visible with `tmux attach`. */
export const TmuxSpec = z.strictObject({
  ...SpecBase,
  kind: z.literal('tmux'),
  session: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a tmux session name (A-Z a-z 0-9 _ -)'),
  directory: AbsolutePath,
  binary: Binary,
  /** Use the scripted model (core/demo). */
  demo: z.boolean().default(false),
})

export const ServerSpec = z.discriminatedUnion('kind', [LocalSpec, UrlSpec, SshSpec, WeztermSpec, TmuxSpec])
export const ServerKind = z.enum(['local', 'url', 'ssh', 'wezterm', 'tmux'])

/**
 * starting → ready ⇄ busy → unhealthy → restarting → stopped | failed.
 * `busy` means every slot is taken; `failed` means the supervisor gave up and a user must act.
 */
export const ServerState = z.enum(['starting', 'ready', 'busy', 'unhealthy', 'restarting', 'stopped', 'failed'])

export const ServerView = z.object({
  id: Id,
  name: z.string(),
  kind: ServerKind,
  state: ServerState,
  capacity: z.number().int(),
  running: z.number().int().nonnegative(),
  queued: z.number().int().nonnegative(),
  baseUrl: z.string().optional(),
  directory: z.string().optional(),
  host: z.string().optional(),
  version: z.string().optional(),
  pid: z.number().int().optional(),
  restarts: z.number().int().nonnegative(),
  lastError: z.string().optional(),
  startedAt: Timestamp.optional(),
  readyAt: Timestamp.optional(),
  lastEventAt: Timestamp.optional(),
  /** Local servers: CPU use since the last health probe (% of one core) and resident memory. */
  cpuPercent: z.number().nonnegative().optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
})

export type ServerSpec = z.infer<typeof ServerSpec>
export type ServerSpecInput = z.input<typeof ServerSpec>
export type LocalSpec = z.infer<typeof LocalSpec>
export type UrlSpec = z.infer<typeof UrlSpec>
export type SshSpec = z.infer<typeof SshSpec>
export type TmuxSpec = z.infer<typeof TmuxSpec>
export type WeztermSpec = z.infer<typeof WeztermSpec>
export type ServerKind = z.infer<typeof ServerKind>
export type ServerState = z.infer<typeof ServerState>
export type ServerView = z.infer<typeof ServerView>
