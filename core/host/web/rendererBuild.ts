import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The project folder: the nearest one above this module that holds core/ and package.json. This
// module runs from core/host/web under tsx and from out/cli inside the CLI bundle.
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'core'))) return dir
    if (dirname(dir) === dir) throw new Error(`expected the Flotilla project folder above ${from}, found none`)
  }
}
const ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)))
export const RENDERER_OUT = join(ROOT, 'out', 'renderer')
const SOURCES = ['renderer', join('core', 'contract'), join('core', 'view')].map((d) => join(ROOT, d))

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** Whether out/renderer is missing or older than the sources it is built from. */
export function rendererStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html')
  if (!existsSync(index)) return true
  const built = statSync(index).mtimeMs
  return SOURCES.some((dir) => newestMtime(dir) > built)
}

/**
 * Builds the renderer when it is missing or stale, so `flotilla serve` works right after the
 * install step (a build takes a few seconds). Throws with the build's own output on failure.
 */
export function ensureRendererBuilt(log: (line: string) => void): string {
  if (!rendererStale()) return RENDERER_OUT
  log('building the UI (first run or sources changed)…')
  const require = createRequire(import.meta.url)
  const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js')
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } })
  if (result.status !== 0 || !existsSync(join(RENDERER_OUT, 'index.html'))) {
    throw new Error(`the UI build failed:\n${(result.stderr || result.stdout || '').slice(-2000)}`)
  }
  return RENDERER_OUT
}
