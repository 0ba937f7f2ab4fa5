import { z } from 'zod'
import { ServerSpec } from './servers'
import { StrategyName } from './tasks'

export const MAX_SAVED_SERVERS = 256

/** Everything Flotilla persists besides the task journal. Version bumps get a migration. */
export const Settings = z.object({
  version: z.literal(1).default(1),
  strategy: StrategyName.default('least-loaded'),
  servers: z.array(ServerSpec).max(MAX_SAVED_SERVERS).default([]),
  /** Task attempts before a task whose servers keep dying fails: the default for tasks that do not say. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
})

/** Settings a client may change through the API (servers go through servers.add/remove). */
export const SettingsPatch = z.strictObject({
  strategy: StrategyName.optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  theme: z.enum(['system', 'light', 'dark']).optional(),
})

export type Settings = z.infer<typeof Settings>
export type SettingsPatch = z.infer<typeof SettingsPatch>
