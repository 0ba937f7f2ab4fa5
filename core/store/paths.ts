import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where Flotilla keeps its files. FLOTILLA_HOME overrides everything (tests, portable
 * installs); otherwise the XDG config and state folders. The Electron app passes the same
 * folder to electron-store so the app, the CLI and the browser host share one settings file.
 */
export function flotillaHome(env: NodeJS.ProcessEnv = process.env): { config: string; state: string } {
  if (env.FLOTILLA_HOME) return { config: env.FLOTILLA_HOME, state: join(env.FLOTILLA_HOME, 'state') }
  const home = homedir()
  return {
    config: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'flotilla'),
    state: join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'flotilla'),
  }
}
