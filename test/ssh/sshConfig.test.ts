import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDestination, resolveSshTarget } from '../../core/ssh/sshConfig'

// Real config files in a temp dir: each test gets its own fake HOME (with ~/.ssh) so relative
// Includes, `~` and %d resolve there and tests cannot see each other's files.

let root: string
let homes = 0

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flotilla-sshconfig-'))
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

/** A fresh HOME with ~/.ssh/config holding `lines` (omitted: no config file). */
function makeHome(lines?: string[]): { home: string; ssh: string; configPath: string } {
  const home = join(root, `home-${++homes}`)
  const ssh = join(home, '.ssh')
  mkdirSync(ssh, { recursive: true, mode: 0o700 })
  const configPath = join(ssh, 'config')
  if (lines) writeFileSync(configPath, lines.join('\n') + '\n')
  return { home, ssh, configPath }
}

function write(path: string, lines: string[]): string {
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

describe('resolveSshTarget', () => {
  it('reads HostName, User, Port and IdentityFile for a Host alias', () => {
    const { home } = makeHome([
      'Host box',
      '  HostName 10.1.2.3',
      '  User alice',
      '  Port 2222',
      '  IdentityFile /keys/box_ed25519',
    ])
    expect(resolveSshTarget('box', { home, defaultUser: 'nobody' })).toEqual({
      alias: 'box',
      hostName: '10.1.2.3',
      user: 'alice',
      port: 2222,
      identityFiles: ['/keys/box_ed25519'],
      proxyJump: [],
    })
  })

  it('takes Host * defaults after the specific block: the first value wins, IdentityFile accumulates', () => {
    const { home } = makeHome([
      'Host box',
      '  HostName box.internal',
      '  User alice',
      '  IdentityFile /keys/box',
      'Host *',
      '  User everyone',
      '  Port 2200',
      '  IdentityFile /keys/default',
    ])
    const box = resolveSshTarget('box', { home, defaultUser: 'nobody' })
    expect(box.user).toBe('alice')
    expect(box.port).toBe(2200)
    expect(box.identityFiles).toEqual(['/keys/box', '/keys/default'])

    const other = resolveSshTarget('elsewhere', { home, defaultUser: 'nobody' })
    expect(other).toMatchObject({ hostName: 'elsewhere', user: 'everyone', port: 2200, identityFiles: ['/keys/default'] })
  })

  it('reads the config from configPath when given', () => {
    const { home } = makeHome(['Host box', '  User fromHome'])
    const configPath = write(join(root, `custom-${++homes}`), ['Host box', '  User fromCustom'])
    expect(resolveSshTarget('box', { home, configPath }).user).toBe('fromCustom')
  })

  it('inlines Include config.d/* in sorted order, skipping names the glob does not match', () => {
    const { home, ssh } = makeHome(['Include config.d/*.conf', 'Host *', '  Port 2000'])
    mkdirSync(join(ssh, 'config.d'))
    // Written out of order; 10-a must be read first (Node's readdir happens to sort on Linux too).
    write(join(ssh, 'config.d', '20-b.conf'), ['Host shared', '  User fromB', '  Port 2020', 'Host onlyB', '  HostName b.internal'])
    write(join(ssh, 'config.d', '10-a.conf'), ['Host shared', '  User fromA'])
    write(join(ssh, 'config.d', 'notes.txt'), ['Host shared', '  User fromNotes', '  HostName notes.internal'])

    write(join(ssh, 'config.d', 'old.conf.bak'), ['Host shared', '  User fromBackup'])

    const shared = resolveSshTarget('shared', { home })
    expect(shared.user).toBe('fromA')
    expect(shared.port).toBe(2020)
    expect(shared.hostName).toBe('shared')
    expect(resolveSshTarget('onlyB', { home }).hostName).toBe('b.internal')
  })

  it('supports ? in an Include glob', () => {
    const { home, ssh } = makeHome(['Include hosts-?'])
    write(join(ssh, 'hosts-1'), ['Host one', '  HostName one.internal'])
    write(join(ssh, 'ahosts-1'), ['Host one', '  HostName wrong.internal'])
    write(join(ssh, 'hosts-12'), ['Host one', '  HostName twelve.internal', 'Host twelve', '  HostName twelve.internal'])
    expect(resolveSshTarget('one', { home }).hostName).toBe('one.internal')
    expect(resolveSshTarget('twelve', { home }).hostName).toBe('twelve')
  })

  it('inlines an Include of an absolute path', () => {
    const outside = write(join(root, `absolute-${++homes}.conf`), ['Host abs', '  HostName abs.internal', '  Port 2022'])
    const { home } = makeHome([`Include ${outside}`])
    expect(resolveSshTarget('abs', { home })).toMatchObject({ hostName: 'abs.internal', port: 2022 })
  })

  it('looks up a relative Include in ~/.ssh, not next to the config file', () => {
    const { home, ssh } = makeHome()
    const elsewhere = join(root, `elsewhere-${++homes}`)
    mkdirSync(elsewhere)
    write(join(elsewhere, 'extra'), ['Host rel', '  HostName wrong.internal'])
    write(join(ssh, 'extra'), ['Host rel', '  HostName right.internal'])
    const configPath = write(join(elsewhere, 'config'), ['Include extra'])
    expect(resolveSshTarget('rel', { home, configPath }).hostName).toBe('right.internal')
  })

  it('ignores an Include that names no existing file', () => {
    const { home } = makeHome(['Include missing.conf', 'Include nothere.d/*', 'Host box', '  HostName box.internal'])
    expect(resolveSshTarget('box', { home }).hostName).toBe('box.internal')
  })

  it('fails clearly on an Include loop', () => {
    const { home, ssh } = makeHome(['Include loop-a'])
    write(join(ssh, 'loop-a'), ['Include loop-b'])
    write(join(ssh, 'loop-b'), ['Include loop-a'])
    expect(() => resolveSshTarget('box', { home })).toThrow(/Include nested deeper than \d+ .*loop/)
  })

  it('resolves a ProxyJump hop with its own HostName, User, Port and keys', () => {
    const { home } = makeHome([
      'Host target',
      '  HostName 10.0.0.5',
      '  User app',
      '  ProxyJump bastion',
      'Host bastion',
      '  HostName bastion.example.com',
      '  User jumper',
      '  Port 2201',
      '  IdentityFile /keys/bastion',
    ])
    const target = resolveSshTarget('target', { home, defaultUser: 'nobody' })
    expect(target).toMatchObject({ hostName: '10.0.0.5', user: 'app', port: 22 })
    expect(target.proxyJump).toEqual([
      { alias: 'bastion', hostName: 'bastion.example.com', user: 'jumper', port: 2201, identityFiles: ['/keys/bastion'], proxyJump: [] },
    ])
  })

  it('resolves ProxyJump a,b as two hops in order, each recursively with its own settings', () => {
    const { home } = makeHome([
      'Host target',
      '  HostName target.internal',
      '  ProxyJump hopA,ops@hopB:2300',
      'Host hopA',
      '  HostName a.example.com',
      '  User userA',
      'Host hopB',
      '  HostName b.internal',
      '  User userB',
      '  Port 2202',
      '  ProxyJump hopC',
      'Host hopC',
      '  HostName c.example.com',
      '  Port 2203',
    ])
    const target = resolveSshTarget('target', { home, defaultUser: 'nobody' })
    expect(target.proxyJump.map((hop) => hop.alias)).toEqual(['hopA', 'ops@hopB:2300'])
    const [hopA, hopB] = target.proxyJump
    expect(hopA).toMatchObject({ hostName: 'a.example.com', user: 'userA', port: 22, proxyJump: [] })
    // The explicit user and port in the ProxyJump entry win over hopB's own User and Port.
    expect(hopB).toMatchObject({ hostName: 'b.internal', user: 'ops', port: 2300 })
    expect(hopB!.proxyJump).toEqual([
      { alias: 'hopC', hostName: 'c.example.com', user: 'nobody', port: 2203, identityFiles: [], proxyJump: [] },
    ])
  })

  it('treats ProxyJump none as no hop, even with a Host * ProxyJump after it', () => {
    const { home } = makeHome([
      'Host bastion',
      '  HostName bastion.example.com',
      '  ProxyJump none',
      'Host *',
      '  ProxyJump bastion',
    ])
    expect(resolveSshTarget('bastion', { home }).proxyJump).toEqual([])
    const inner = resolveSshTarget('inner', { home })
    expect(inner.proxyJump.map((hop) => hop.hostName)).toEqual(['bastion.example.com'])
  })

  it('fails on a ProxyJump loop instead of recursing forever', () => {
    const { home } = makeHome(['Host a', '  ProxyJump b', 'Host b', '  ProxyJump a'])
    expect(() => resolveSshTarget('a', { home })).toThrow(/ProxyJump chain .*loop/)
  })

  it('lets an explicit user@alias:port override the config User and Port but keep its HostName', () => {
    const { home } = makeHome(['Host box', '  HostName box.internal', '  User alice', '  Port 2222'])
    expect(resolveSshTarget('bob@box:2400', { home })).toMatchObject({ alias: 'bob@box:2400', hostName: 'box.internal', user: 'bob', port: 2400 })
    expect(resolveSshTarget('ssh://carol@box', { home })).toMatchObject({ hostName: 'box.internal', user: 'carol', port: 2222 })
  })

  it('expands ~, %d, %h, %r and %% in IdentityFile', () => {
    const { home } = makeHome([
      'Host box',
      '  HostName box.internal',
      '  User alice',
      '  IdentityFile ~/.ssh/id_%h_%r',
      '  IdentityFile %d/keys/100%%',
      '  IdentityFile ~',
    ])
    const box = resolveSshTarget('box', { home })
    expect(box.identityFiles).toEqual([join(home, '.ssh', `id_${box.hostName}_${box.user}`), join(home, 'keys', '100%'), home])
    // An explicit user changes %r.
    expect(resolveSshTarget('bob@box', { home }).identityFiles[0]).toBe(join(home, '.ssh', 'id_box.internal_bob'))
  })

  it('expands %h in HostName to the alias', () => {
    const { home } = makeHome(['Host web1 web2', '  HostName %h.example.com'])
    expect(resolveSshTarget('web2', { home }).hostName).toBe('web2.example.com')
  })

  it('gives the defaults when the config file is missing', () => {
    const { home } = makeHome()
    expect(resolveSshTarget('plain.example.com', { home, defaultUser: 'someone' })).toEqual({
      alias: 'plain.example.com',
      hostName: 'plain.example.com',
      user: 'someone',
      port: 22,
      identityFiles: [],
      proxyJump: [],
    })
  })

  it('rejects an invalid Port in the config, naming the value', () => {
    const { home } = makeHome(['Host words', '  Port abc', 'Host big', '  Port 70000', 'Host zero', '  Port 0'])
    expect(() => resolveSshTarget('words', { home })).toThrow(/"abc"/)
    expect(() => resolveSshTarget('big', { home })).toThrow(/"70000"/)
    expect(() => resolveSshTarget('zero', { home })).toThrow(/"0"/)
  })

  it('rejects an out-of-range port in the destination', () => {
    const { home } = makeHome()
    expect(() => resolveSshTarget('box:65536', { home })).toThrow(/expected a port 1-65535 .*"65536"/)
  })

  it('reads keywords in any case, as OpenSSH does (Hostname, identityfile, port)', () => {
    const { home } = makeHome(['Host bar', '  Hostname bar.example.com', '  identityfile /keys/bar', '  port 2200', '  USER bob'])
    expect(resolveSshTarget('bar', { home })).toMatchObject({ hostName: 'bar.example.com', identityFiles: ['/keys/bar'], port: 2200, user: 'bob' })
  })

  it('after an Include that opens Host blocks, the lines below it belong to the enclosing block again', () => {
    const { home, ssh } = makeHome(['Include extra', 'User globaluser', 'Host bar', '  HostName bar.internal'])
    write(join(ssh, 'extra'), ['Host foo', '  User fooUser'])
    expect(resolveSshTarget('bar', { home, defaultUser: 'nobody' }).user).toBe('globaluser')
    expect(resolveSshTarget('foo', { home, defaultUser: 'nobody' }).user).toBe('fooUser')
  })

  it('expands %u to the local user, %r to the remote one', () => {
    const { home } = makeHome(['Host box', '  User remoteuser', '  IdentityFile /k/%u-%r'])
    expect(resolveSshTarget('box', { home }).identityFiles).toEqual([`/k/${userInfo().username}-remoteuser`])
  })

  it('rejects ports OpenSSH rejects (hex, exponent)', () => {
    for (const port of ['0x16', '1e3']) {
      const { home } = makeHome(['Host box', `  Port ${port}`])
      expect(() => resolveSshTarget('box', { home })).toThrow(port)
    }
  })

})

describe('parseDestination', () => {
  it('reads a plain alias', () => {
    expect(parseDestination('box')).toEqual({ host: 'box' })
  })

  it('reads user@host:port', () => {
    expect(parseDestination('alice@box.example.com:2222')).toEqual({ host: 'box.example.com', user: 'alice', port: '2222' })
  })

  it('reads host:port and user@host', () => {
    expect(parseDestination('10.0.0.1:2200')).toEqual({ host: '10.0.0.1', port: '2200' })
    expect(parseDestination('bob@10.0.0.1')).toEqual({ host: '10.0.0.1', user: 'bob' })
  })

  it('reads a bracketed IPv6 address with and without a port', () => {
    expect(parseDestination('[::1]:2222')).toEqual({ host: '::1', port: '2222' })
    expect(parseDestination('root@[fe80::1%eth0]:22')).toEqual({ host: 'fe80::1%eth0', user: 'root', port: '22' })
    expect(parseDestination('[2001:db8::7]')).toEqual({ host: '2001:db8::7' })
  })

  it('reads a bare IPv6 address as a host, not as host:port', () => {
    expect(parseDestination('2001:db8::1')).toEqual({ host: '2001:db8::1' })
  })

  it('reads ssh:// URLs', () => {
    expect(parseDestination('ssh://alice@box:2022')).toEqual({ host: 'box', user: 'alice', port: '2022' })
    expect(parseDestination('ssh://box')).toEqual({ host: 'box' })
  })

  it('trims surrounding whitespace', () => {
    expect(parseDestination('  box  ')).toEqual({ host: 'box' })
  })

  it.each(['', '   ', 'my box', 'alice@my box', 'ssh://', 'alice@', '@box'])('rejects %j with "expected ..."', (text) => {
    expect(() => parseDestination(text)).toThrow(/^expected /)
  })
})
