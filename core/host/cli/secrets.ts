import { parseArgs } from 'node:util'
import { percentDecoded, redactSecrets } from '../../view/redact'
import { UsageError } from './options'

/**
 * The password of a `--server` URL as typed: between "user:" and the last "@" before the host.
 * Found by position, not by a pattern of allowed characters, so a password holding "@", "/",
 * "#" or anything else is found whole, also in a URL that does not parse.
 */
export function typedPassword(raw: string): string | undefined {
  const start = raw.indexOf('//')
  const at = raw.lastIndexOf('@')
  if (start < 0 || at < start) return undefined
  const userinfo = raw.slice(start + 2, at)
  const colon = userinfo.indexOf(':')
  return colon < 0 || colon === userinfo.length - 1 ? undefined : userinfo.slice(colon + 1)
}

/**
 * The secrets a `flotilla run` command line carries: each --server URL's password and the
 * value of the --password-env variable. Read leniently, so a usage error can be redacted too.
 */
export function commandLineSecrets(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: { server: { type: 'string', multiple: true }, 'password-env': { type: 'string' } },
  })
  const secrets: string[] = []
  for (const url of values.server ?? []) {
    const password = typeof url === 'string' ? typedPassword(url) : undefined
    if (password) secrets.push(password)
  }
  const variable = values['password-env']
  const fromEnv = typeof variable === 'string' ? env[variable] : undefined
  if (fromEnv) secrets.push(fromEnv)
  return secrets
}

/**
 * A `--server` value Flotilla can use without guessing: an http(s) URL whose parsed password is
 * the one typed (a "/", "?" or "#" in it would end the host part early and change the URL).
 */
export function checkServerUrl(raw: string): void {
  const typed = typedPassword(raw)
  const shown = typed === undefined ? raw : redactSecrets(raw, [typed])
  const unsafe = typed !== undefined && /[/?#]/.test(typed) ? ' (a "/", "?" or "#" in the password must be percent-encoded, e.g. %2F, or the password given with --password-env)' : ''
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`--server: expected an http(s) URL, got "${shown}"${unsafe}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server: expected an http(s) URL, got "${shown}"`)
  const parsed = percentDecoded(url.password)
  if (parsed === undefined) throw new UsageError(`--server: expected a password with "%" only in %XX escapes, got "${shown}" (write "%" as %25)`)
  if (typed !== undefined && parsed !== (percentDecoded(typed) ?? typed)) {
    throw new UsageError(`--server: expected the password to run up to the last "@" before the host, got "${shown}"${unsafe}`)
  }
}
