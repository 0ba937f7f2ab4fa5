import { createHash } from 'node:crypto'

/**
 * The opencode plugin Flotilla loads into every server it starts (JavaScript, run by opencode's
 * Bun). It keeps the server password away from what the agent runs:
 * - `shell.env`: the shell tools' environment is `{...process.env, ...this hook's env}`, and an
 *   undefined value removes the variable, so `printenv` no longer shows it;
 * - `prctl(PR_SET_DUMPABLE, 0)`: opencode exports OPENCODE_PID, and /proc/PID/environ (and mem)
 *   of a dumpable process is readable by any process of the same user; a non-dumpable one only
 *   by root. (Nothing helps against a tool running as root.)
 * Failures are printed to the server log, never thrown: a server without the guard still runs.
 */
export const SECRET_GUARD_PLUGIN_SOURCE = `// Written by Flotilla: keeps OPENCODE_SERVER_PASSWORD out of the agent's tools. Do not edit.
const PR_SET_DUMPABLE = 4
const LIBC = { x64: ['libc.so.6', 'libc.musl-x86_64.so.1'], arm64: ['libc.so.6', 'libc.musl-aarch64.so.1'] }

let guarded
async function makeUndumpable() {
  if (process.platform !== 'linux') return 'not linux: /proc does not exist here'
  const { dlopen } = await import('bun:ffi')
  let last = 'no libc found'
  for (const name of LIBC[process.arch] ?? ['libc.so.6']) {
    try {
      const libc = dlopen(name, { prctl: { args: ['i32', 'u64', 'u64', 'u64', 'u64'], returns: 'i32' } })
      const rc = libc.symbols.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
      libc.close()
      return rc === 0 ? undefined : 'prctl(PR_SET_DUMPABLE, 0) returned ' + rc
    } catch (error) {
      last = String(error && error.message || error)
    }
  }
  return last
}

export const FlotillaSecretGuard = async () => {
  // Once per process (the plugin is loaded again for every project folder).
  guarded ??= makeUndumpable().then(
    (problem) => problem && console.error('flotilla-secret-guard: the server password stays readable in /proc: ' + problem),
    (error) => console.error('flotilla-secret-guard: ' + String(error && error.message || error)),
  )
  await guarded
  return {
    'shell.env': async (_input, output) => {
      output.env.OPENCODE_SERVER_PASSWORD = undefined
    },
  }
}
`

/** Named after its content, so servers of different Flotilla versions never load each other's. */
export const SECRET_GUARD_PLUGIN_FILE = `flotilla-secret-guard-${createHash('sha256').update(SECRET_GUARD_PLUGIN_SOURCE).digest('hex').slice(0, 12)}.js`
