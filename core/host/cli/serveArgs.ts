import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { parseArgs } from 'node:util'
import { StrategyName } from '../../contract/tasks'
import { intOption, localFolder, UsageError } from './options'

export interface ServeOptions {
  host: string
  port: number
  demo: boolean
  local: number
  dir: string
  capacity: number
  strategy?: StrategyName
  /** Tools the scripted-model servers ask permission for (opencode permission "ask"). */
  demoAsk: string[]
}

export const SERVE_USAGE = `Usage: flotilla serve [options]

Serve the dashboard to a browser. Prints a one-time login URL (press Enter for another).

  --port P          port to listen on (default 7420; 0 = any free port)
  --host H          address to bind (default 127.0.0.1; anything else exposes the fleet)
  --local N         start N local opencode servers now (in --dir)
  --dir PATH        project directory for --local servers (default: the current one)
  --capacity N      concurrent tasks per --local server (default 1)
  --strategy NAME   round-robin | least-loaded | random
  --demo            use the scripted model, and keep settings and tasks in a temp folder
  --demo-ask TOOL   with --demo: servers ask permission before running TOOL (e.g. bash)
  -h, --help        this text`

export function parseServeArgs(argv: string[], cwd: string): ServeOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        local: { type: 'string' },
        dir: { type: 'string' },
        capacity: { type: 'string' },
        strategy: { type: 'string' },
        demo: { type: 'boolean' },
        'demo-ask': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const v = parsed.values
  if (v.help) throw new UsageError('')
  const host = v.host ?? '127.0.0.1'
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) throw new UsageError(`--host: expected an address or host name, got "${host}"`)
  let strategy: StrategyName | undefined
  if (v.strategy !== undefined) {
    const s = StrategyName.safeParse(v.strategy)
    if (!s.success) throw new UsageError(`--strategy: expected round-robin, least-loaded or random, got "${v.strategy}"`)
    strategy = s.data
  }
  const demoAsk = v['demo-ask'] ?? []
  for (const tool of demoAsk) if (!/^[a-z][a-z0-9_-]{0,40}$/.test(tool)) throw new UsageError(`--demo-ask: expected a tool name such as bash, got "${tool}"`)
  if (demoAsk.length && !v.demo) throw new UsageError('--demo-ask: expected with --demo, got no --demo')
  const dir = localFolder(cwd, v.dir ?? '.', homedir())
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--dir: expected an existing directory, got "${dir}"`)
  return {
    host,
    port: intOption('port', v.port, 0, 65535) ?? 7420,
    demo: v.demo ?? false,
    local: intOption('local', v.local, 0, 64) ?? 0,
    dir,
    capacity: intOption('capacity', v.capacity, 1, 64) ?? 1,
    strategy,
    demoAsk,
  }
}
