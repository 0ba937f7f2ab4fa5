// Builds the CLI into one ES module (out/cli/flotilla.mjs) with esbuild when it is missing or
// older than any file under core/, and says where it is.
//
// Why: running the TypeScript through tsx costs ~0.3 s of every `flotilla` start (its loader
// compiles and resolves ~150 modules one by one); the bundle loads in a fraction of that, and
// `flotilla run --local N` is judged start to exit (README, cold fan-out). esbuild takes ~50 ms,
// so a stale bundle is simply rebuilt, and `npx flotilla` still works right after `npm ci`.
// Packages stay external: node-pty and ssh2 carry native parts, and node_modules is there anyway.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SOURCES = join(ROOT, 'core')
export const CLI_BUNDLE = join(ROOT, 'out', 'cli', 'flotilla.mjs')

function newestMtime(path) {
  const info = statSync(path)
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function stale() {
  if (!existsSync(CLI_BUNDLE)) return true
  return newestMtime(SOURCES) > statSync(CLI_BUNDLE).mtimeMs
}

/**
 * The bundle's path, built first when stale; undefined when it cannot be built here (then the
 * caller runs the sources through tsx, as before). Several processes may start at once (tests,
 * `xargs -P`): each writes its own temporary file and renames it into place, so none ever loads
 * a half-written bundle.
 */
export async function ensureCliBundle() {
  if (!stale()) return CLI_BUNDLE
  try {
    const { build } = await import('esbuild')
    mkdirSync(dirname(CLI_BUNDLE), { recursive: true })
    const temporary = `${CLI_BUNDLE}.${process.pid}.tmp`
    await build({
      entryPoints: [join(SOURCES, 'host', 'cli', 'main.ts')],
      outfile: temporary,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    })
    renameSync(temporary, CLI_BUNDLE)
    return CLI_BUNDLE
  } catch {
    rmSync(`${CLI_BUNDLE}.${process.pid}.tmp`, { force: true })
    return undefined
  }
}
