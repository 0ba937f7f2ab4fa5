/**
 * opencode configuration for servers that talk to the scripted model (tests, benchmarks, --demo).
 * Everything here is chosen so that such a server needs no network beyond loopback and keeps
 * all of its state under one folder.
 */
import { join } from 'node:path'
import { SCRIPTED_MODEL_ID } from './scriptedModel'

export const DEMO_PROVIDER_ID = 'flotilla-demo'
export const DEMO_MODEL = `${DEMO_PROVIDER_ID}/${SCRIPTED_MODEL_ID}` as const

export type PermissionAction = 'ask' | 'allow' | 'deny'

/** The opencode.json content: the scripted model as default and small model, and nothing else. */
export function demoOpencodeConfig(
  modelBaseURL: string,
  opts: { permission?: Record<string, PermissionAction> } = {},
): Record<string, unknown> {
  return {
    model: DEMO_MODEL,
    // The small model writes session titles; without this opencode looks for a hosted one.
    small_model: DEMO_MODEL,
    // Only our provider: no provider list from models.dev, no provider that wants a key.
    enabled_providers: [DEMO_PROVIDER_ID],
    provider: {
      [DEMO_PROVIDER_ID]: {
        name: 'Flotilla demo',
        // Bundled inside the opencode binary, so nothing is installed from npm.
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: modelBaseURL, apiKey: 'flotilla-demo' },
        models: {
          [SCRIPTED_MODEL_ID]: {
            name: 'Scripted model',
            tool_call: true,
            attachment: false,
            reasoning: false,
            temperature: false,
            cost: { input: 0, output: 0 },
            limit: { context: 200_000, output: 16_000 },
          },
        },
      },
    },
    autoupdate: false,
    share: 'disabled',
    // Language servers and formatters could be downloaded or run on the project's files.
    lsp: false,
    formatter: false,
    mcp: {},
    plugin: [],
    ...(opts.permission ? { permission: opts.permission } : {}),
  }
}

/**
 * opencode installs @opencode-ai/plugin into every config folder and, once any external plugin is
 * configured (Flotilla's secret guard always is), waits for that install before the first session:
 * 70 s on a host without network (measured, 1.18.33). The guard imports nothing from it, so a demo
 * server's config folder says it is there: a node_modules folder and a lock naming the package.
 */
export const PLUGIN_DEPENDENCY_LOCK = JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } })

/** The config folder opencode uses under demoServerEnv (its XDG_CONFIG_HOME's opencode folder). */
export function demoConfigFolder(stateDir: string): string {
  return join(stateDir, 'config', 'opencode')
}

/**
 * Environment for one `opencode serve` whose state lives entirely inside stateDir. Merge it over
 * the parent environment (it only adds and overrides).
 */
export function demoServerEnv(configPath: string, stateDir: string): Record<string, string> {
  const home = join(stateDir, 'home')
  return {
    XDG_DATA_HOME: join(stateDir, 'data'),
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_STATE_HOME: join(stateDir, 'state'),
    XDG_CACHE_HOME: join(stateDir, 'cache'),
    // opencode also reads ~/.claude, ~/.agents skills, AGENTS.md etc. from the home directory.
    HOME: home,
    OPENCODE_TEST_HOME: home,
    OPENCODE_CONFIG: configPath,
    // A project's own opencode.json would override OPENCODE_CONFIG (model, providers, plugins).
    OPENCODE_DISABLE_PROJECT_CONFIG: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    // Not OPENCODE_PURE: it turns off every external plugin, Flotilla's secret guard too (measured);
    // the config's `plugin: []` and the private HOME above keep every other plugin out.
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
    OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
    // Not OPENCODE_DISABLE_EMBEDDED_WEB_UI: without the embedded UI, unknown paths are proxied
    // to https://app.opencode.ai.
  }
}
