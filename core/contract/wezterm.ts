import { z } from 'zod'

/** One WezTerm SSH domain Flotilla manages (an entry of wezterm's `ssh_domains`). */
export const WeztermDomain = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a domain name (A-Z a-z 0-9 _ . -)'),
  /** host or host:port, as WezTerm's remote_address. */
  remoteAddress: z.string().regex(/^[A-Za-z0-9_.-]{1,253}(:\d{1,5})?$/, 'expected host or host:port'),
  username: z.string().regex(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/, 'expected a user name').optional(),
})
export type WeztermDomain = z.infer<typeof WeztermDomain>

/** The managed domains, and the line wezterm.lua needs to include them. */
export const WeztermDomains = z.object({ file: z.string(), includeLine: z.string(), domains: z.array(WeztermDomain) })
