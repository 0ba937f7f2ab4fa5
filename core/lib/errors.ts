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
