import { createHash, createHmac } from 'node:crypto'
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** A host key as the server sent it (the SSH wire blob). */
export interface HostKey {
  type: string
  blob: Buffer
}

export type HostKeyCheck =
  | { status: 'known' }
  /** Never seen: the user must accept it once (by its fingerprint). */
  | { status: 'unknown'; fingerprint: string }
  /** known_hosts holds other keys for this host: refuse (someone may be in the middle). */
  | { status: 'changed'; fingerprint: string; knownTypes: string[] }
  | { status: 'revoked'; fingerprint: string }

/** The key type named inside the blob (its first SSH string). */
export function hostKeyFromBlob(blob: Buffer): HostKey {
  if (blob.length < 4) throw new Error(`expected an SSH host key blob, got ${blob.length} bytes`)
  const length = blob.readUInt32BE(0)
  if (length === 0 || length > 64 || 4 + length > blob.length) throw new Error('expected an SSH host key blob with a key type, got a malformed one')
  return { type: blob.subarray(4, 4 + length).toString('latin1'), blob }
}

/** `SHA256:...` as `ssh-keygen -lf` and OpenSSH's prompts show it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** How known_hosts names a host: bare on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/**
 * Checks a server's key against known_hosts (plain and hashed `|1|` entries, wildcards,
 * negations, `@revoked`; `@cert-authority` lines are not host keys and are skipped).
 */
export function checkHostKey(path: string, host: string, port: number, key: HostKey): HostKeyCheck {
  const print = fingerprint(key.blob)
  // OpenSSH looks names up in lower case (hashed entries can only match that way).
  const name = knownHostsName(host.toLowerCase(), port)
  const knownTypes: string[] = []
  let known = false
  for (const entry of readEntries(path)) {
    if (!hostMatches(entry.hosts, name)) continue
    const same = entry.type === key.type && entry.key.equals(key.blob)
    if (entry.marker === '@revoked') {
      if (same) return { status: 'revoked', fingerprint: print }
      continue
    }
    if (entry.marker) continue
    if (same) known = true
    else knownTypes.push(entry.type)
  }
  if (known) return { status: 'known' }
  return knownTypes.length > 0 ? { status: 'changed', fingerprint: print, knownTypes } : { status: 'unknown', fingerprint: print }
}

/** Records an accepted key (the file and its folder are created private if missing). */
export function addHostKey(path: string, host: string, port: number, key: HostKey): void {
  const folder = dirname(path)
  if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: 0o700 })
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const separator = existing && !existing.endsWith('\n') ? '\n' : ''
  appendFileSync(path, `${separator}${knownHostsName(host, port)} ${key.type} ${key.blob.toString('base64')}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
}

interface Entry {
  marker?: string
  hosts: string
  type: string
  key: Buffer
}

function readEntries(path: string): Entry[] {
  if (!existsSync(path)) return []
  const entries: Entry[] = []
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined
    const [hosts, type, base64] = fields
    // A line we cannot read is skipped, as OpenSSH does; it never matches anything.
    if (!hosts || !type || !base64) continue
    entries.push({ marker, hosts, type, key: Buffer.from(base64, 'base64') })
  }
  return entries
}

function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, name)
  let matched = false
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!')
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue
    if (negated) return false
    matched = true
  }
  return matched
}

/** `|1|salt|hash`: HMAC-SHA1 of the name, keyed by the salt (HashKnownHosts). */
function hashedMatches(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|')
  if (!salt || !hash) return false
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
}

function globMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i')
  return regex.test(name)
}
