import type { UrlSpec } from '../contract/servers'
import { DEFAULT_USERNAME } from '../opencode/auth'
import type { LaunchContext, Launcher, RunningServer } from './types'

/** Attaches to a server someone else runs: nothing to spawn, and stop() only lets go. */
export class UrlLauncher implements Launcher<UrlSpec> {
  async start(spec: UrlSpec, context: LaunchContext): Promise<RunningServer> {
    const password = context.password ?? (spec.passwordEnv ? process.env[spec.passwordEnv] : undefined)
    if (spec.passwordEnv && !password) {
      throw new Error(`expected the password in environment variable ${spec.passwordEnv}, got nothing`)
    }
    const url = new URL(spec.baseUrl)
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
