import type { UrlSpec } from '../contract/servers'
import { DEFAULT_USERNAME } from '../opencode/auth'
import { isFetchBlockedPort, probeTcp, UnreachableError } from '../opencode/reachability'
import { PermanentError } from '../lib/errors'
import type { LaunchContext, Launcher, RunningServer } from './types'

/** Attaches to a server someone else runs: nothing to spawn, and stop() only lets go. */
export class UrlLauncher implements Launcher<UrlSpec> {
  readonly owns = false

  async start(spec: UrlSpec, context: LaunchContext): Promise<RunningServer> {
    const password = context.password ?? (spec.passwordEnv ? process.env[spec.passwordEnv] : undefined)
    if (spec.passwordEnv && !password) {
      throw new PermanentError(`expected the password in environment variable ${spec.passwordEnv}, got nothing`)
    }
    const url = new URL(spec.baseUrl)
    await checkFetchablePort(url)
    return {
      baseUrl: spec.baseUrl.replace(/\/$/, ''),
      auth: password ? { username: spec.username ?? DEFAULT_USERNAME, password } : undefined,
      directory: spec.directory,
      host: url.host,
      exited: new Promise(() => {}),
      stop: async () => {},
    }
  }
}

/**
 * fetch refuses some ports outright ("bad port", before connecting), which would hide why a
 * server there cannot be used: a plain TCP connection says whether anything listens at all.
 */
async function checkFetchablePort(url: URL): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  if (!isFetchBlockedPort(port)) return
  const cause = await probeTcp(url.hostname.replace(/^\[(.*)\]$/, '$1'), port, 5_000)
  if (cause) throw new UnreachableError(cause)
  throw new PermanentError(`port ${port} is one that HTTP clients refuse to use (a "bad port" in the Fetch standard): run the server on another port`)
}
