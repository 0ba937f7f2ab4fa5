/** The message of anything thrown, for logs and views (never the stack: views are user-facing). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

/** An error whose message is meant for the user as it is ("expected X, got Y"). */
export class FlotillaError extends Error {
  constructor(
    message: string,
    readonly code: 'bad_request' | 'not_found' | 'conflict' | 'unavailable' | 'internal' = 'internal',
  ) {
    super(message)
    this.name = 'FlotillaError'
  }
}

/**
 * A failure that retrying will not fix (a refused host key, a missing program, an unknown
 * WezTerm domain): the supervisor gives up at once instead of backing off and trying again.
 */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PermanentError'
  }
}
