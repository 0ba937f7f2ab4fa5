import { z } from 'zod'
import { ServerSpec } from './servers'
import { StrategyName } from './tasks'

export const MAX_SAVED_SERVERS = 256

/** What every task in one repository gets unless it says otherwise (flotilla run --setup/--copy/--verify, the prompt bar). */
export const RepositorySettings = z.strictObject({
  setup: z.string().trim().min(1).max(10_000).optional(),
  copy: z.array(z.string().min(1).max(4096).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'expected a path inside the repository (relative, no "..")')).max(100).default([]),
  verify: z.string().trim().min(1).max(10_000).optional(),
})

const RepositoryRoot = z.string().min(2).max(4096).refine((p) => p.startsWith('/'), 'expected an absolute path')

/** Everything Flotilla persists besides the task journal. Version bumps get a migration. */
export const Settings = z.object({
  version: z.literal(1).default(1),
  strategy: StrategyName.default('least-loaded'),
  servers: z.array(ServerSpec).max(MAX_SAVED_SERVERS).default([]),
  /** Task attempts before a task whose servers keep dying fails: the default for tasks that do not say. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** Per repository (its top folder on this machine): setup, copy and verify for its tasks. */
  repositories: z.record(RepositoryRoot, RepositorySettings).default({}),
})

/** Settings a client may change through the API (servers go through servers.add/remove). */
export const SettingsPatch = z.strictObject({
  strategy: StrategyName.optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  theme: z.enum(['system', 'light', 'dark']).optional(),
  /** Replaces one repository's settings; null removes them. */
  repository: z.strictObject({ root: RepositoryRoot, settings: RepositorySettings.nullable() }).optional(),
})

export type Settings = z.infer<typeof Settings>
export type SettingsPatch = z.infer<typeof SettingsPatch>
export type RepositorySettings = z.infer<typeof RepositorySettings>
