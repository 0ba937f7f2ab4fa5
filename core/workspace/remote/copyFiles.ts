import { execFile } from 'node:child_process'
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs'
import { dirname, join, posix, resolve, sep } from 'node:path'
import { FlotillaError } from '../../lib/errors'
import { quoteWord, type RemoteExec } from './remoteGit'

/** --copy files and folders sent to one remote worktree: more than this (their bytes together) is refused before anything is made. */
export const MAX_COPY_BYTES = 64 * 1024 * 1024
/** Entries (files, folders, links) at most: each costs a tar header. */
const MAX_COPY_ENTRIES = 100_000
const TRANSFER_TIMEOUT_MS = 15 * 60_000
const TAR_TIMEOUT_MS = 5 * 60_000

export interface CopyPlan {
  /** The paths, relative to the repository top, as given (posix). */
  paths: string[]
  /** Bytes of the regular files in them. */
  bytes: number
  /** Files, folders and links in them. */
  entries: number
  /** Folders above the paths (`a`, `a/b` for `a/b/.env`): none may be a symlink in the worktree there. */
  parents: string[]
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/**
 * Checks the --copy paths here before anything is made anywhere: each is relative without `..`,
 * every folder above it is a real folder of the repository (not a symlink: it could lead out),
 * what is under it is files, folders and symlinks only, and no symlink points out of the
 * repository (they travel as links, never followed: one out of the repository would dangle there,
 * and is refused rather than followed); their bytes together are at most `maxBytes`.
 */
export function planCopies(repoRoot: string, paths: readonly string[], host: string, maxBytes = MAX_COPY_BYTES): CopyPlan {
  const root = resolve(repoRoot)
  const plan: CopyPlan = { paths: [], bytes: 0, entries: 0, parents: [] }
  const parents = new Set<string>()
  for (const given of paths) {
    const path = given.split(sep).join('/').replace(/\/+$/, '')
    if (!path || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.' || part === '') || path.includes('\0')) {
      throw new FlotillaError(`expected a --copy path relative to the repository top without '.', '..' or '//', got ${JSON.stringify(given)}`, 'bad_request')
    }
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/')
      const stat = lstatOrUndefined(join(root, parent))
      if (!stat?.isDirectory()) throw new FlotillaError(`expected the folders above --copy ${path} to be folders of the repository, got ${parent} as ${stat ? kind(stat) : 'missing'}${stat?.isSymbolicLink() ? ' (it could lead out of the repository)' : ''}`, 'bad_request')
      parents.add(parent)
    }
    walk(root, path, plan, host, maxBytes)
    plan.paths.push(path)
  }
  plan.parents = [...parents].sort()
  return plan
}

function walk(root: string, path: string, plan: CopyPlan, host: string, maxBytes: number): void {
  const absolute = join(root, path)
  const stat = lstatOrUndefined(absolute)
  if (!stat) throw new FlotillaError(`expected a file or folder to copy at ${absolute}, got none`, 'bad_request')
  if (++plan.entries > MAX_COPY_ENTRIES) throw new FlotillaError(`expected at most ${MAX_COPY_ENTRIES} files and folders to copy to ${host}, got more (at ${path}): copy less, or make them with --setup there`, 'bad_request')
  if (stat.isSymbolicLink()) {
    const target = readlinkSync(absolute)
    const lands = resolve(dirname(absolute), target)
    if (lands !== root && !lands.startsWith(root + sep)) throw new FlotillaError(`expected the symlinks in --copy to stay inside the repository (they are sent as links, never followed), got ${path} -> ${target}, which leads out of it`, 'bad_request')
    return
  }
  if (stat.isFile()) {
    plan.bytes += stat.size
    if (plan.bytes > maxBytes) throw new FlotillaError(`expected the --copy files for ${host} to be at most ${mib(maxBytes)} together, got more (${mib(plan.bytes)} when ${path} is counted): copy less, or make them with --setup there`, 'bad_request')
    return
  }
  if (!stat.isDirectory()) throw new FlotillaError(`expected files, folders and symlinks to copy, got ${path} as ${kind(stat)}`, 'bad_request')
  for (const name of readdirSync(absolute).sort()) walk(root, posix.join(path, name), plan, host, maxBytes)
}

function kind(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symlink'
  if (stat.isFile()) return 'a file'
  if (stat.isDirectory()) return 'a folder'
  if (stat.isFIFO()) return 'a named pipe'
  if (stat.isSocket()) return 'a socket'
  return 'a device'
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

/**
 * The paths as one tar stream made here with the `tar` CLI (symlinks as links, modes kept,
 * owners left out); refused when it is larger than the plan allows (the files grew meanwhile).
 */
export function packCopies(repoRoot: string, plan: CopyPlan, host: string, maxBytes = MAX_COPY_BYTES): Promise<Buffer> {
  // A header (and at most a block of padding, a long name's extra blocks) per entry on top of the bytes.
  const limit = Math.max(plan.bytes, maxBytes) + plan.entries * 2048 + 1024 * 1024
  return new Promise((resolvePack, reject) => {
    execFile(
      'tar',
      ['-c', '-f', '-', '--numeric-owner', '--owner=0', '--group=0', '-C', repoRoot, '--', ...plan.paths],
      { encoding: 'buffer', maxBuffer: limit, timeout: TAR_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (!error) return resolvePack(stdout)
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') return reject(new FlotillaError(`expected tar on this machine (to send the --copy files to ${host}), got none on the PATH`, 'unavailable'))
        if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new FlotillaError(`expected the --copy files for ${host} to be at most ${mib(maxBytes)} together, got more while packing them (they grew?)`, 'bad_request'))
        reject(new FlotillaError(`could not pack the --copy files for ${host} with tar: ${stderr.toString('utf8').trim().split('\n').slice(-3).join(' / ') || error.message}`, 'unavailable'))
      },
    )
  })
}

/**
 * Unpacks the stream in the worktree there with `tar -x` (modes kept with -p, owners not with
 * -o), after checking tar is there and that no folder above a path is a symlink in that worktree
 * (a base with a tracked link there would lead the files out of it).
 */
export async function unpackCopies(remote: RemoteExec, worktree: string, plan: CopyPlan, archive: Buffer): Promise<void> {
  if (!worktree.startsWith('/')) throw new Error(`expected an absolute worktree on ${remote.host}, got ${JSON.stringify(worktree)}`)
  const checks = plan.parents.map((p) => `if test -L ${quoteWord(p)} || { test -e ${quoteWord(p)} && ! test -d ${quoteWord(p)}; }; then printf 'FLOTILLA_NOT_A_FOLDER %s\\n' ${quoteWord(p)} >&2; exit 3; fi`)
  const script = [`command -v tar >/dev/null 2>&1 || { echo FLOTILLA_NO_TAR >&2; exit 127; }`, `cd ${quoteWord(worktree)} || exit 1`, ...checks, 'exec tar -x -o -p -f -'].join('\n')
  let result
  try {
    result = await remote.run(script, { stdin: archive, timeoutMs: TRANSFER_TIMEOUT_MS })
  } catch (error) {
    throw new FlotillaError(`${remote.host}: could not send the --copy files: ${(error as Error).message}`, 'unavailable')
  }
  if (result.code === 0) return
  const stderr = result.stderr.trim()
  if (stderr.includes('FLOTILLA_NO_TAR')) throw new FlotillaError(`expected tar on ${remote.host} (to unpack the --copy files in the task's worktree), got none on the PATH of an SSH session: install tar there`, 'unavailable')
  const folder = /FLOTILLA_NOT_A_FOLDER (.*)/.exec(stderr)?.[1]
  if (folder) throw new FlotillaError(`expected ${folder} to be a folder in the task's worktree on ${remote.host} (a --copy path is under it), got a symlink or a file there: nothing was copied`, 'bad_request')
  throw new FlotillaError(`${remote.host}: could not unpack the --copy files in ${worktree}: tar exit ${result.code ?? 'without status'}${stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : ''}`, 'unavailable')
}
