/**
 * Known secrets (server passwords) kept out of everything Flotilla shows or stores. Redaction
 * is by the known values, not by a pattern: a password holding "@", "/" or anything else is
 * found whole. Environment-free (core/view): the CLI, the engine and the panes share it.
 */

/** What a known secret is shown as. */
export const REDACTED = '••••'

/** The secrets a redactor knows now: every spelling of each, longest first. */
export interface Secrets {
  spellings(): readonly string[]
}

export const NO_SECRETS: Secrets = { spellings: () => [] }

/** A fixed list of secrets (the CLI's command line). */
export function fixedSecrets(secrets: readonly string[]): Secrets {
  const all = spellingsOf(secrets)
  return { spellings: () => all }
}

/**
 * The secrets of a running fleet, by owner (a server id): added when a server's password is
 * known, dropped with the server. An owner keeps every password it had (a restart brings a new
 * one) so text printed under an earlier one stays redacted too.
 */
export class SecretSet implements Secrets {
  private readonly byOwner = new Map<string, Set<string>>()
  private cached: readonly string[] | undefined

  add(owner: string, secret: string): void {
    const set = this.byOwner.get(owner) ?? new Set<string>()
    if (set.has(secret)) return
    this.byOwner.set(owner, set.add(secret))
    this.cached = undefined
  }

  drop(owner: string): void {
    if (this.byOwner.delete(owner)) this.cached = undefined
  }

  spellings(): readonly string[] {
    return (this.cached ??= spellingsOf([...this.byOwner.values()].flatMap((set) => [...set])))
  }
}

/** Replaces every spelling of every known secret in text with REDACTED. */
export function redact(text: string, secrets: Secrets): string {
  let out = text
  for (const spelling of secrets.spellings()) if (out.includes(spelling)) out = out.split(spelling).join(REDACTED)
  return out
}

/** `redact` for a plain list of secrets. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return redact(text, fixedSecrets(secrets))
}

/**
 * Redaction of text that arrives in chunks (streamed deltas of one part): a secret split
 * across chunks is still caught. Only the trailing characters that could begin a secret are
 * held back, until the next chunk shows whether they do or the text ends; nothing else waits.
 */
export class RedactingStream {
  private held = ''

  constructor(private readonly secrets: Secrets) {}

  push(chunk: string): string {
    if (!chunk) return ''
    const text = redact(this.held + chunk, this.secrets)
    const keep = secretPrefixAtEnd(text, this.secrets.spellings())
    this.held = text.slice(text.length - keep)
    return text.slice(0, text.length - keep)
  }

  /** The text ended: what was held back began no secret after all. */
  end(): string {
    const held = this.held
    this.held = ''
    return held
  }
}

/** The length of the longest end of text that is the start (not the whole) of a spelling. */
function secretPrefixAtEnd(text: string, spellings: readonly string[]): number {
  let best = 0
  for (const spelling of spellings) {
    for (let k = Math.min(spelling.length - 1, text.length); k > best; k--) {
      if (text.endsWith(spelling.slice(0, k))) {
        best = k
        break
      }
    }
  }
  return best
}

/** Every spelling of every secret, deduplicated, longest first (so a secret inside another one is not replaced first). */
function spellingsOf(secrets: readonly string[]): readonly string[] {
  return [...new Set(secrets.filter(Boolean).flatMap(secretSpellings))].filter(Boolean).sort((a, b) => b.length - a.length)
}

/** Every spelling a secret may be printed in: as typed, percent-decoded and -encoded, JSON-escaped. */
export function secretSpellings(secret: string): string[] {
  const plain = percentDecoded(secret) ?? secret
  const forms = [secret, plain, ...[encodeURIComponent, userinfoEncoded].flatMap((encode) => percentEncoded(plain, encode))]
  return [...forms, ...forms.map((s) => JSON.stringify(s).slice(1, -1))]
}

export function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

function percentEncoded(text: string, encode: (text: string) => string): string[] {
  try {
    return [encode(text)]
  } catch {
    return [] // a lone surrogate has no UTF-8 form
  }
}

/**
 * The password as a serialized URL shows it: the WHATWG URL parser's userinfo percent-encode
 * set (written out because core/view has no URL global), which leaves these characters alone.
 */
const USERINFO_KEPT = /[A-Za-z0-9!$%&'()*+,\-._~]/
function userinfoEncoded(text: string): string {
  let out = ''
  for (const char of text) out += USERINFO_KEPT.test(char) ? char : encodeURIComponent(char)
  return out
}
