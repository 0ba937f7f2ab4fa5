import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addHostKey, checkHostKey, fingerprint, hostKeyFromBlob, knownHostsName, type HostKey } from '../../core/ssh/knownHosts'

// Real keys from ssh-keygen; expectations (types, fingerprints, hashed names, what OpenSSH
// finds in a file) come from ssh-keygen too, not from the code under test.

interface RealKey {
  /** The .pub file. */
  pub: string
  /** Its type field, e.g. ssh-ed25519. */
  type: string
  /** Its base64 field (the wire blob). */
  base64: string
  key: HostKey
}

let dir: string
let files = 0
let ed: RealKey
let otherEd: RealKey
let rsa: RealKey

function generate(name: string, type: 'ed25519' | 'rsa'): RealKey {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `${name}@test`, '-f', path, '-q'])
  const pub = `${path}.pub`
  const [keyType, base64] = readFileSync(pub, 'utf8').trim().split(/\s+/)
  return { pub, type: keyType!, base64: base64!, key: hostKeyFromBlob(Buffer.from(base64!, 'base64')) }
}

/** The SHA256 fingerprint as `ssh-keygen -lf` prints it. */
function keygenFingerprint(pub: string): string {
  const print = execFileSync('ssh-keygen', ['-E', 'sha256', '-lf', pub], { encoding: 'utf8' }).split(/\s+/)[1]!
  expect(print).toMatch(/^SHA256:/)
  return print
}

/** A new known_hosts path in the temp dir, with `lines` written (omitted: no file). */
function knownHostsFile(lines?: string[]): string {
  const path = join(dir, `known_hosts-${++files}`)
  if (lines) writeFileSync(path, lines.join('\n') + '\n')
  return path
}

const line = (hosts: string, k: RealKey) => `${hosts} ${k.type} ${k.base64}`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-knownhosts-'))
  ed = generate('host_ed25519', 'ed25519')
  otherEd = generate('other_ed25519', 'ed25519')
  rsa = generate('host_rsa', 'rsa')
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('hostKeyFromBlob', () => {
  it('reads the type of real ed25519 and rsa blobs as the .pub file names it', () => {
    expect(ed.key.type).toBe(ed.type)
    expect(rsa.key.type).toBe(rsa.type)
    expect(ed.key.blob.toString('base64')).toBe(ed.base64)
  })

  it('rejects blobs too short or with a bad type length', () => {
    expect(() => hostKeyFromBlob(Buffer.alloc(3))).toThrow(/expected an SSH host key blob/)
    expect(() => hostKeyFromBlob(Buffer.from([0, 0, 0, 0, 1, 2]))).toThrow(/expected an SSH host key blob/)
    expect(() => hostKeyFromBlob(Buffer.from([0, 0, 0, 20, 0x73, 0x73, 0x68]))).toThrow(/expected an SSH host key blob/)
  })
})

describe('fingerprint', () => {
  it('equals what ssh-keygen -lf prints for an ed25519 key', () => {
    expect(fingerprint(ed.key.blob)).toBe(keygenFingerprint(ed.pub))
  })

  it('equals what ssh-keygen -lf prints for an rsa key', () => {
    expect(fingerprint(rsa.key.blob)).toBe(keygenFingerprint(rsa.pub))
  })
})

describe('knownHostsName', () => {
  it('is the bare host on port 22 and [host]:port otherwise', () => {
    expect(knownHostsName('box.example.com', 22)).toBe('box.example.com')
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222')
  })
})

describe('checkHostKey', () => {
  it('is unknown, with the ssh-keygen fingerprint, when the file is missing', () => {
    const path = knownHostsFile()
    expect(existsSync(path)).toBe(false)
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'unknown', fingerprint: keygenFingerprint(ed.pub) })
  })

  it('knows a plain entry for [host]:port and for a bare port-22 host', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', ed), line('box.example.com', ed)])
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'known' })
    expect(checkHostKey(path, 'box.example.com', 22, ed.key)).toEqual({ status: 'known' })
  })

  it('does not let an entry for one port cover another port or host', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', ed), line('box.example.com', ed)])
    expect(checkHostKey(path, '127.0.0.1', 2223, ed.key).status).toBe('unknown')
    expect(checkHostKey(path, '127.0.0.1', 22, ed.key).status).toBe('unknown')
    expect(checkHostKey(path, 'box.example.com', 2222, ed.key).status).toBe('unknown')
    expect(checkHostKey(path, 'other.example.com', 22, ed.key).status).toBe('unknown')
  })

  it('matches entries hashed by ssh-keygen -H, for [127.0.0.1]:2222 and a port-22 host', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', ed), line('box.example.com', rsa)])
    execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' })
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('127.0.0.1')
    expect(text).not.toContain('box.example.com')
    expect(text.trim().split('\n').every((l) => l.startsWith('|1|'))).toBe(true)

    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'known' })
    expect(checkHostKey(path, 'box.example.com', 22, rsa.key)).toEqual({ status: 'known' })
    // OpenSSH looks names up in lower case: a host typed with capitals still finds its hashed entry.
    expect(checkHostKey(path, 'Box.Example.COM', 22, rsa.key)).toEqual({ status: 'known' })
    expect(checkHostKey(path, '127.0.0.1', 2223, ed.key).status).toBe('unknown')
    expect(checkHostKey(path, 'box2.example.com', 22, rsa.key).status).toBe('unknown')
    // A hashed entry with another key for the host is a change, like a plain one.
    expect(checkHostKey(path, '127.0.0.1', 2222, otherEd.key)).toEqual({
      status: 'changed',
      fingerprint: keygenFingerprint(otherEd.pub),
      knownTypes: [ed.type],
    })
  })

  it('is changed when another ed25519 key is recorded for the host', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', otherEd)])
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({
      status: 'changed',
      fingerprint: keygenFingerprint(ed.pub),
      knownTypes: [otherEd.type],
    })
  })

  it('is changed with knownTypes [ssh-rsa] when only an rsa key is recorded', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', rsa)])
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({
      status: 'changed',
      fingerprint: keygenFingerprint(ed.pub),
      knownTypes: [rsa.type],
    })
    expect(rsa.type).toBe('ssh-rsa')
  })

  it('is known when the offered key is among several recorded for the host', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', rsa), line('[127.0.0.1]:2222', otherEd), line('[127.0.0.1]:2222', ed)])
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'known' })
  })

  it('matches every name of a comma list', () => {
    const path = knownHostsFile([line('alpha.example.com,[10.0.0.9]:2200,beta', ed)])
    expect(checkHostKey(path, 'alpha.example.com', 22, ed.key).status).toBe('known')
    expect(checkHostKey(path, '10.0.0.9', 2200, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'beta', 22, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'gamma', 22, ed.key).status).toBe('unknown')
  })

  it('matches plain names case-insensitively, as OpenSSH does', () => {
    const path = knownHostsFile([line('Box.Example.COM', ed)])
    expect(checkHostKey(path, 'box.example.com', 22, ed.key).status).toBe('known')
  })

  it('matches * and ? wildcards', () => {
    const path = knownHostsFile([line('*.example.com', ed), line('web?.internal', ed)])
    expect(checkHostKey(path, 'db.example.com', 22, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'a.b.example.com', 22, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'example.com', 22, ed.key).status).toBe('unknown')
    expect(checkHostKey(path, 'db.example.org', 22, ed.key).status).toBe('unknown')
    expect(checkHostKey(path, 'web1.internal', 22, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'web12.internal', 22, ed.key).status).toBe('unknown')
    // A wildcard key with a different key is still a change for hosts it covers.
    expect(checkHostKey(path, 'db.example.com', 22, otherEd.key).status).toBe('changed')
  })

  it('excludes a !negated name even when a wildcard matches it', () => {
    const path = knownHostsFile([line('*.example.com,!bad.example.com', ed)])
    expect(checkHostKey(path, 'good.example.com', 22, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'bad.example.com', 22, ed.key).status).toBe('unknown')
    // The negation comes first in the list too.
    const first = knownHostsFile([line('!bad.example.com,*.example.com', ed)])
    expect(checkHostKey(first, 'bad.example.com', 22, ed.key).status).toBe('unknown')
    expect(checkHostKey(first, 'good.example.com', 22, ed.key).status).toBe('known')
  })

  it('is revoked when an @revoked line holds the offered key, even if a plain line accepts it', () => {
    const path = knownHostsFile([line('[127.0.0.1]:2222', ed), `@revoked ${line('[127.0.0.1]:2222', ed)}`])
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'revoked', fingerprint: keygenFingerprint(ed.pub) })
  })

  it('ignores an @revoked line for another key', () => {
    const path = knownHostsFile([`@revoked ${line('[127.0.0.1]:2222', otherEd)}`, line('[127.0.0.1]:2222', ed)])
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'known' })
    // Nor does a revoked key count as a known key of the host.
    const alone = knownHostsFile([`@revoked ${line('[127.0.0.1]:2222', otherEd)}`])
    expect(checkHostKey(alone, '127.0.0.1', 2222, ed.key).status).toBe('unknown')
  })

  it('skips @cert-authority lines: neither known nor changed', () => {
    const same = knownHostsFile([`@cert-authority ${line('[127.0.0.1]:2222', ed)}`])
    expect(checkHostKey(same, '127.0.0.1', 2222, ed.key).status).toBe('unknown')
    const other = knownHostsFile([`@cert-authority ${line('*', otherEd)}`])
    expect(checkHostKey(other, '127.0.0.1', 2222, ed.key).status).toBe('unknown')
  })

  it('skips comments, blank and malformed lines but still reads the good ones', () => {
    const garbage = [
      '# a comment naming [127.0.0.1]:2222',
      '',
      '   ',
      'garbage',
      '[127.0.0.1]:2222',
      `[127.0.0.1]:2222 ${otherEd.type}`,
      '@revoked',
      `@revoked [127.0.0.1]:2222 ${ed.type}`,
      '|1|not-a-hash',
      `|1|bm90|YmFk ${otherEd.type} ${otherEd.base64}`,
      '\u0000\u0001 binary junk',
    ]
    const onlyGarbage = knownHostsFile(garbage)
    expect(checkHostKey(onlyGarbage, '127.0.0.1', 2222, ed.key).status).toBe('unknown')
    const mixed = knownHostsFile([...garbage, line('[127.0.0.1]:2222', ed)])
    expect(checkHostKey(mixed, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'known' })
  })

  it('reads CRLF line endings and trailing comments', () => {
    const path = knownHostsFile()
    writeFileSync(path, `${line('[127.0.0.1]:2222', ed)} a comment\r\n${line('box', rsa)}\r\n`)
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key).status).toBe('known')
    expect(checkHostKey(path, 'box', 22, rsa.key).status).toBe('known')
  })
})

describe('addHostKey', () => {
  it('creates the folder 0700 and the file 0600, writes [host]:port type base64, then the key is known', () => {
    const folder = join(dir, `fresh-${++files}`, '.ssh')
    const path = join(folder, 'known_hosts')
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key).status).toBe('unknown')
    addHostKey(path, '127.0.0.1', 2222, ed.key)

    expect(statSync(folder).mode & 0o777).toBe(0o700)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).toBe(`[127.0.0.1]:2222 ${ed.type} ${ed.base64}\n`)
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key)).toEqual({ status: 'known' })
  })

  it('writes a bare host on port 22 and appends to an existing file on a new line', () => {
    const path = knownHostsFile()
    writeFileSync(path, line('first.example.com', otherEd), { mode: 0o644 })
    addHostKey(path, 'box.example.com', 22, rsa.key)
    expect(readFileSync(path, 'utf8')).toBe(`${line('first.example.com', otherEd)}\nbox.example.com ${rsa.type} ${rsa.base64}\n`)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(checkHostKey(path, 'box.example.com', 22, rsa.key)).toEqual({ status: 'known' })
    expect(checkHostKey(path, 'first.example.com', 22, otherEd.key)).toEqual({ status: 'known' })
  })

  it('leaves an existing folder alone and adds a second key for the same host', () => {
    const folder = join(dir, `existing-${++files}`)
    mkdirSync(folder, { mode: 0o755 })
    const path = join(folder, 'known_hosts')
    addHostKey(path, '127.0.0.1', 2222, rsa.key)
    addHostKey(path, '127.0.0.1', 2222, ed.key)
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2)
    expect(checkHostKey(path, '127.0.0.1', 2222, rsa.key).status).toBe('known')
    expect(checkHostKey(path, '127.0.0.1', 2222, ed.key).status).toBe('known')
  })

  it('writes a file OpenSSH reads: ssh-keygen -F finds [127.0.0.1]:2222 and a port-22 host', () => {
    const path = knownHostsFile()
    addHostKey(path, '127.0.0.1', 2222, ed.key)
    addHostKey(path, 'box.example.com', 22, rsa.key)

    const found = spawnSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', path], { encoding: 'utf8' })
    expect(found.status).toBe(0)
    expect(found.stdout).toContain(`${ed.type} ${ed.base64}`)
    expect(found.stdout).not.toContain(rsa.base64)

    const bare = spawnSync('ssh-keygen', ['-F', 'box.example.com', '-f', path], { encoding: 'utf8' })
    expect(bare.status).toBe(0)
    expect(bare.stdout).toContain(`${rsa.type} ${rsa.base64}`)

    const otherPort = spawnSync('ssh-keygen', ['-F', '[127.0.0.1]:2223', '-f', path], { encoding: 'utf8' })
    expect(otherPort.status).not.toBe(0)
  })
})
