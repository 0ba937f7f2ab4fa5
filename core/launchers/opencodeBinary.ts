import { accessSync, constants, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/**
 * The opencode binary to run: the spec's own (a path, or a name looked up on PATH by spawn),
 * else the one embedded through the opencode-ai npm package (its platform package).
 */
export function resolveOpencodeBinary(binary?: string): string {
  if (binary) return binary
  const platform = process.platform === 'win32' ? 'windows' : process.platform
  const exe = process.platform === 'win32' ? 'opencode.exe' : 'opencode'
  const base = `opencode-${platform}-${process.arch}`
  for (const name of [base, `${base}-baseline`, `${base}-musl`, `${base}-baseline-musl`]) {
    const found = tryResolve(`${name}/package.json`)
    if (found && isExecutable(join(dirname(found), 'bin', exe))) return join(dirname(found), 'bin', exe)
  }
  const wrapper = tryResolve('opencode-ai/package.json')
  if (wrapper && isExecutable(join(dirname(wrapper), 'bin', 'opencode.exe'))) return join(dirname(wrapper), 'bin', 'opencode.exe')
  throw new Error(
    `expected the embedded opencode binary (npm package ${base}), got none: run the install step again, or set the server's binary to an opencode on PATH`,
  )
}

/**
 * The command that installs opencode on another machine: the version embedded here, so a
 * remote server speaks the same API as the local ones (unpinned when that is unknown).
 */
export function opencodeInstallCommand(): string {
  const manifest = tryResolve('opencode-ai/package.json')
  let version: string | undefined
  try {
    version = manifest ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version as string | undefined : undefined
  } catch {
    version = undefined
  }
  return typeof version === 'string' && /^\d+\.\d+\.\d+[\w.-]*$/.test(version) ? `npm install -g opencode-ai@${version}` : 'npm install -g opencode-ai'
}

function tryResolve(request: string): string | undefined {
  try {
    return require.resolve(request)
  } catch {
    return undefined
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
