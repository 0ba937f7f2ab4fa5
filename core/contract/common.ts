import { z } from 'zod'

/** Ids travel in URLs, file names and log prefixes: keep them short and shell-safe. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected 1-64 characters of A-Z a-z 0-9 _ . - (not starting with . _ or -)')

/**
 * A folder on the machine a server runs on: absolute, or `~` / `~/x` for that machine's home
 * (expanded there, never with this machine's home).
 */
export const ServerPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || p === '~' || p.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(p), 'expected an absolute path, or ~/path for the home folder of the server\'s machine')

/** An absolute POSIX or Windows path; relative paths are resolved by the caller, never here. */
export const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'expected an absolute path')

export const Timestamp = z.number().int().nonnegative()

export type Id = z.infer<typeof Id>
