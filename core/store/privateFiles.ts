import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** Prompts, results and server lists are nobody else's business: files 0600, folders 0700. */
export const PRIVATE_FILE = 0o600
export const PRIVATE_DIR = 0o700

/** Creates the folder (and missing parents) 0700, and tightens it if it already existed wider. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR })
  if ((statSync(path).mode & 0o777) !== PRIVATE_DIR) chmodSync(path, PRIVATE_DIR)
}

/** Tightens an existing file to 0600 (files written by older versions were 0644). */
export function ensurePrivateFile(path: string): void {
  if (existsSync(path) && (statSync(path).mode & 0o777) !== PRIVATE_FILE) chmodSync(path, PRIVATE_FILE)
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old file or the new one, never
 * a mix: write a 0600 temp file, flush it, rename it over, flush the folder.
 */
export function writeFileAtomic(path: string, data: string): void {
  const temp = `${path}.tmp-${process.pid}`
  const fd = openSync(temp, 'w', PRIVATE_FILE)
  try {
    writeSync(fd, data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  chmodSync(temp, PRIVATE_FILE) // a stale temp file from a crash keeps its old mode when reopened
  renameSync(temp, path)
  syncDir(dirname(path))
}

/** Flushes a folder's entries (a rename is durable only once its folder is). */
export function syncDir(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
