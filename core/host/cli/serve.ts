import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { flotillaHome } from '../../store/paths'
import { Engine } from '../engine'
import { makeOwnedTempDir, removeStaleTempDirs } from '../../lib/ownedTempDir'
import { ensureRendererBuilt } from '../web/rendererBuild'
import { startWebHost } from '../web/webHost'
import type { ServeOptions } from './serveArgs'

const SERVE_DEMO_PREFIX = 'flotilla-serve-demo-'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** `flotilla serve`: the engine plus the browser host, until Ctrl-C. Returns the exit code. */
export async function serveCommand(options: ServeOptions, io: { out: (l: string) => void; err: (l: string) => void; stopped: Promise<void> }): Promise<number> {
  const staticDir = ensureRendererBuilt(io.err)
  // A demo keeps its settings and journal in a temp folder, so it never touches the user's.
  if (options.demo) removeStaleTempDirs(SERVE_DEMO_PREFIX) // left by a serve --demo that crashed
  const demoHome = options.demo && !process.env.FLOTILLA_HOME ? makeOwnedTempDir(SERVE_DEMO_PREFIX) : undefined
  const home = demoHome ? { config: demoHome, state: join(demoHome, 'state') } : flotillaHome()
  const engine = await Engine.create({
    settingsDir: home.config,
    journalPath: join(home.state, 'tasks.jsonl'),
    restoreTasks: true,
    demo: options.demo ? { permission: Object.fromEntries(options.demoAsk.map((tool) => [tool, 'ask' as const])) } : false,
    strategy: options.strategy,
    projectDir: options.dir,
  })
  for (const warning of engine.warnings) io.err(`warning: ${warning}`)
  let host: Awaited<ReturnType<typeof startWebHost>> | undefined
  try {
    host = await startWebHost({ engine, staticDir, host: options.host, port: options.port }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new Error(`port ${options.port} on ${options.host} is in use: pass --port with another port (or 0 for any free one)`)
      throw error
    })
    if (!LOOPBACK.has(options.host)) io.err(`warning: listening on ${options.host}: anyone who can reach it and has a login link can drive your fleet`)
    io.out(`Flotilla dashboard: ${host.loginUrl()}`)
    io.err('(a one-time login link; press Enter for another, Ctrl-C to stop)')
    if (!options.demo) await engine.loadSavedServers(true)
    await Promise.all(
      Array.from({ length: options.local }, (_, i) =>
        engine.addServer(
          { kind: 'local', id: `local-${i + 1}`, name: `local-${i + 1}`, capacity: options.capacity, directory: options.dir, demo: options.demo },
          { start: true, persist: false },
        ),
      ),
    )
    const web = host
    const lines = process.stdin.isTTY ? createInterface({ input: process.stdin }) : undefined
    lines?.on('line', () => io.out(`Flotilla dashboard: ${web.loginUrl()}`))
    await io.stopped
    lines?.close()
    io.err('stopping servers…')
    return 0
  } finally {
    await host?.close()
    // A demo's worktrees live in its temp folder, which goes now: removed through git first, so the repository keeps no stale entry (the branches stay).
    if (demoHome) for (const failure of await engine.workspaces.discardAll()) io.err(`warning: a worktree could not be removed: ${failure}`)
    await engine.close()
    if (demoHome) rmSync(demoHome, { recursive: true, force: true })
  }
}
