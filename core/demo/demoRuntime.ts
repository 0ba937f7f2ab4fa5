import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { demoConfigFolder, demoOpencodeConfig, demoServerEnv, PLUGIN_DEPENDENCY_LOCK } from './opencodeConfig'
import { startScriptedModel, type ScriptedModel } from './scriptedModel'
import { makeOwnedTempDir, removeStaleTempDirs } from '../lib/ownedTempDir'
import type { DemoContext } from '../launchers/types'

/** Each demo's opencode state (15-54 MB) lives in `<tmp>/flotilla-demo-XXXXXX`. */
export const DEMO_DIR_PREFIX = 'flotilla-demo-'

export interface DemoOptions {
  /** opencode permission rules, e.g. `{ bash: 'ask' }` to make tool calls wait for a human. */
  permission?: Record<string, 'ask' | 'allow' | 'deny'>
}

/**
 * The scripted model plus one opencode config for every demo server, with each server's
 * opencode state in its own temp folder, so a demo never touches the user's home.
 */
export class DemoRuntime {
  private constructor(
    readonly model: ScriptedModel,
    readonly root: string,
    private readonly configPath: string,
    private readonly options: DemoOptions,
  ) {}

  static async start(options: DemoOptions = {}): Promise<DemoRuntime> {
    // A crash or kill -9 skips close(): the next demo clears what such runs left behind.
    removeStaleTempDirs(DEMO_DIR_PREFIX)
    const model = await startScriptedModel()
    const root = makeOwnedTempDir(DEMO_DIR_PREFIX)
    const configPath = join(root, 'opencode.json')
    writeFileSync(configPath, JSON.stringify(demoOpencodeConfig(model.baseURL, { permission: options.permission }), null, 2))
    return new DemoRuntime(model, root, configPath, options)
  }

  envFor(serverId: string): Record<string, string> {
    const stateDir = join(this.root, 'servers', serverId)
    mkdirSync(join(demoConfigFolder(stateDir), 'node_modules'), { recursive: true })
    writeFileSync(join(demoConfigFolder(stateDir), 'package-lock.json'), PLUGIN_DEPENDENCY_LOCK)
    return demoServerEnv(this.configPath, stateDir)
  }

  /** For servers on other machines: the model's port, and their config given the tunnel's URL. */
  /** What a demo server's launcher needs, whatever its kind (the env is made only when asked for). */
  contextFor(serverId: string): DemoContext {
    return { ...this.remote(), env: () => this.envFor(serverId) }
  }

  remote(): { modelPort: number; config(modelBaseURL: string): Record<string, unknown> } {
    return {
      modelPort: Number(new URL(this.model.baseURL).port),
      config: (modelBaseURL) => demoOpencodeConfig(modelBaseURL, { permission: this.options.permission }),
    }
  }

  async close(): Promise<void> {
    await this.model.close()
    // A server's background plugin install can still be writing there for a moment: retry.
    rmSync(this.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  }
}
