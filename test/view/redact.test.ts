import { describe, expect, it } from 'vitest'
import { fixedSecrets, redact, RedactingStream, REDACTED, SecretSet, secretSpellings } from '../../core/view/redact'

const secret = 'Xk9-secret_Pw'
const known = fixedSecrets([secret])

function streamed(chunks: string[], secrets = known): string {
  const stream = new RedactingStream(secrets)
  return chunks.map((c) => stream.push(c)).join('') + stream.end()
}

describe('redact', () => {
  it('replaces a whole secret, every time it appears', () => {
    expect(redact(`pw=${secret}; again ${secret}.`, known)).toBe(`pw=${REDACTED}; again ${REDACTED}.`)
  })

  it('replaces its percent-encoded and JSON-escaped spellings', () => {
    const odd = 'p@ss"w/rd é'
    const secrets = fixedSecrets([odd])
    expect(redact(`url ${encodeURIComponent(odd)} json ${JSON.stringify(odd)}`, secrets)).toBe(`url ${REDACTED} json "${REDACTED}"`)
  })

  it('knows the spelling a serialized URL gives a password', () => {
    const odd = `a b"#<>?\`{}/:;=@[\\]^|!$&'()*+,%~é`
    const url = new URL('http://host')
    url.password = odd
    expect(secretSpellings(odd)).toContain(url.password)
  })

  it('replaces two secrets, the longer first when one holds the other', () => {
    const secrets = fixedSecrets(['abc', 'xxabcxx'])
    expect(redact('xxabcxx and abc', secrets)).toBe(`${REDACTED} and ${REDACTED}`)
  })

  it('follows a set that changes: a dropped owner is no longer redacted', () => {
    const set = new SecretSet()
    set.add('s1', 'one-pass')
    set.add('s2', 'two-pass')
    expect(redact('one-pass two-pass', set)).toBe(`${REDACTED} ${REDACTED}`)
    set.drop('s1')
    expect(redact('one-pass two-pass', set)).toBe(`one-pass ${REDACTED}`)
  })
})

describe('RedactingStream', () => {
  it('catches a secret split at every position across two chunks', () => {
    const text = `before ${secret} after`
    const start = text.indexOf(secret)
    for (let cut = start; cut <= start + secret.length; cut++) {
      expect(streamed([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toBe(`before ${REDACTED} after`)
    }
  })

  it('catches a secret sent one character at a time, and two secrets in one stream', () => {
    const two = fixedSecrets([secret, 'other%pw'])
    const text = `${secret} and ${encodeURIComponent('other%pw')} and ${JSON.stringify(secret)}`
    expect(streamed([...text], two)).toBe(`${REDACTED} and ${REDACTED} and "${REDACTED}"`)
  })

  it('holds back only what could start a secret, and releases a prefix that turns out not to be one unchanged', () => {
    const stream = new RedactingStream(known)
    expect(stream.push('plain text ')).toBe('plain text ')
    expect(stream.push('then Xk9-sec')).toBe('then ')
    expect(stream.push('ond')).toBe('Xk9-second')
    expect(stream.push('ends Xk9')).toBe('ends ')
    expect(stream.end()).toBe('Xk9')
  })
})
