import { posix } from 'node:path'
import { FlotillaError } from '../lib/errors'

/** What a task's folder is resolved against: the running server's own folder and home. */
export interface ServerPlace {
  /** The server's launch folder (absolute, on its machine). */
  directory?: string
  /** The home folder on the server's machine, if Flotilla knows it. */
  home?: string
}

/**
 * The folder a task runs in, as an absolute path on the server's machine. opencode resolves a
 * literal `~` against its own working folder (`<cwd>/~`) and fails only after accepting the
 * prompt, so `~` is expanded here with the home of the machine that runs the server, and
 * refused with a clear error where that home is not known (a server attached by URL).
 * Paths are POSIX: opencode servers Flotilla reaches run on Linux or macOS.
 */
export function resolveTaskDirectory(requested: string | undefined, server: ServerPlace, serverName: string): string | undefined {
  if (requested === undefined || requested === '') return server.directory
  if (requested === '~' || requested.startsWith('~/')) {
    if (!server.home) {
      throw new FlotillaError(`expected an absolute folder for ${serverName} (Flotilla does not know the home folder of the machine it runs on), got "${requested}"`, 'bad_request')
    }
    return posix.join(server.home, requested.slice(1))
  }
  if (requested.startsWith('~')) throw new FlotillaError(`expected "~" or "~/path" (another user's home, "~name", is not supported), got "${requested}"`, 'bad_request')
  if (posix.isAbsolute(requested)) return posix.normalize(requested)
  // Relative to the server's own folder, which is also what opencode would do with it.
  return server.directory ? posix.join(server.directory, requested) : requested
}
