import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { homedir, userInfo } from 'node:os'
import { basename, dirname, isAbsolute, join } from 'node:path'
import SSHConfig from 'ssh-config'

/** Where and how to reach an SSH host, after ~/.ssh/config has had its say. */
export interface SshTarget {
  /** What the user typed (an alias, or a host name). */
  alias: string
  hostName: string
  user: string
  port: number
  /** Key files to try, in order (IdentityFile; `~` expanded). */
  identityFiles: string[]
  /** Hops to go through first, outermost first (ProxyJump), each already resolved. */
  proxyJump: SshTarget[]
}

export interface ResolveOptions {
  /** The ssh config file; default ~/.ssh/config (a missing file is fine: defaults apply). */
  configPath?: string
  /** For `~` and %d in paths; default the user's home. */
  home?: string
  /** The user when neither the spec nor the config names one. */
  defaultUser?: string
}

/** Include nesting deeper than this is a loop (OpenSSH allows 16). */
const MAX_INCLUDE_DEPTH = 16

/**
 * Resolves `alias` (a Host alias, a host name, or `user@host[:port]`) through ~/.ssh/config:
 * HostName, User, Port, IdentityFile, ProxyJump and Include, parsed by the maintained
 * `ssh-config` package. Explicit parts of `alias` win over the config, as with `ssh`.
 */
export function resolveSshTarget(alias: string, options: ResolveOptions = {}, depth = 0): SshTarget {
  const home = options.home ?? homedir()
  const configPath = options.configPath ?? join(home, '.ssh', 'config')
  const parsed = parseDestination(alias)
  const config = SSHConfig.parse(existsSync(configPath) ? inlineIncludes(configPath, home, 0) : '')
  // Keywords are case-insensitive (Hostname = HostName); `Match exec` is never run: resolving a
  // host must not execute commands from a config file.
  const computed = config.compute({ Host: parsed.host, ...(parsed.user ? { User: parsed.user } : {}) }, { ignoreCase: true, matchExec: false }) as Record<string, string | string[] | undefined>
  const one = (key: string) => {
    const value = computed[key]
    return Array.isArray(value) ? value[0] : value
  }
  const hostName = (one('hostname') ?? parsed.host).replace(/%h/g, parsed.host)
  const user = parsed.user ?? one('user') ?? options.defaultUser ?? process.env.USER ?? 'root'
  const portText = parsed.port ?? one('port') ?? '22'
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`expected a port 1-65535 for ${alias}, got "${portText}"`)
  const identity = computed.identityfile
  const identityFiles = (Array.isArray(identity) ? identity : identity ? [identity] : []).map((f) => expandPath(f, home, { h: hostName, r: user, u: localUser() }))
  const jump = one('proxyjump')
  if (jump && depth >= MAX_INCLUDE_DEPTH) throw new Error(`ProxyJump chain for ${alias} is longer than ${MAX_INCLUDE_DEPTH} hops (a loop?)`)
  const proxyJump = jump && jump.toLowerCase() !== 'none' ? jump.split(',').map((hop) => resolveSshTarget(hop.trim(), options, depth + 1)) : []
  return { alias, hostName, user, port, identityFiles, proxyJump }
}

/** `user@host:port`, `host:port`, `[v6]:port`, `ssh://user@host:port`, or a plain alias. */
export function parseDestination(text: string): { host: string; user?: string; port?: string } {
  let rest = text.trim().replace(/^ssh:\/\//, '')
  if (!rest || /\s/.test(rest)) throw new Error(`expected an ssh destination (alias or user@host[:port]), got "${text}"`)
  let user: string | undefined
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    user = rest.slice(0, at)
    if (!user) throw new Error(`expected a user before "@" in "${text}"`)
    rest = rest.slice(at + 1)
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest)
  if (bracketed) return { host: bracketed[1]!, user, port: bracketed[2] }
  const withPort = /^([^:]+):(\d+)$/.exec(rest)
  if (withPort) return { host: withPort[1]!, user, port: withPort[2] }
  if (!rest) throw new Error(`expected a host in "${text}"`)
  return { host: rest, user }
}

/** Config text with every `Include` replaced by the files it names (as OpenSSH reads them: in place). */
function inlineIncludes(path: string, home: string, depth: number): string {
  if (depth > MAX_INCLUDE_DEPTH) throw new Error(`ssh config Include nested deeper than ${MAX_INCLUDE_DEPTH} at ${path} (a loop?)`)
  const lines = readFileSync(path, 'utf8').split(/\r?\n/)
  /** The Host/Match line whose block we are in; after an included file opens blocks of its own, it is reopened. */
  let enclosing = 'Host *'
  return lines
    .map((line) => {
      if (/^\s*(Host|Match)\s/i.test(line)) enclosing = line.trim()
      const match = /^\s*Include\s+(.+)$/i.exec(line)
      if (!match) return line
      const included = splitArgs(match[1]!)
        .flatMap((pattern) => expandInclude(pattern, home))
        .map((file) => inlineIncludes(file, home, depth + 1))
        .join('\n')
      return /^\s*(Host|Match)\s/im.test(included) ? `${included}\n${enclosing}` : included
    })
    .join('\n')
}

/** Include paths: relative ones live in ~/.ssh; `*` and `?` are allowed in the last part. */
function expandInclude(pattern: string, home: string): string[] {
  const expanded = expandPath(pattern, home, {})
  const full = isAbsolute(expanded) ? expanded : join(home, '.ssh', expanded)
  const name = basename(full)
  if (!/[*?]/.test(name)) return existsSync(full) ? [full] : []
  const folder = dirname(full)
  if (!existsSync(folder)) return []
  const regex = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
  return readdirSync(folder)
    .filter((f) => regex.test(f))
    .sort()
    .map((f) => join(folder, f))
}

function localUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env.USER ?? 'user'
  }
}

function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
}

function expandPath(path: string, home: string, tokens: Record<string, string>): string {
  return path
    .replace(/^~(?=\/|$)/, home)
    .replace(/%([dhru%])/g, (all, t: string) => (t === '%' ? '%' : t === 'd' ? home : (tokens[t] ?? all)))
}
