import { describe, expect, it } from 'vitest'
import { commandLineSecrets, typedPassword } from '../../core/host/cli/secrets'
import { redactSecrets } from '../../core/view/redact'

describe('CLI secrets', () => {
  it.each([
    ['http://opencode:sec/ret@host:1', 'sec/ret'],
    ['http://opencode:p@ss/w@rd@host:1/base', 'p@ss/w@rd'],
    ['http://me:a:b#c?d@host', 'a:b#c?d'],
    ['http://host:4096', undefined],
    ['http://opencode@host:4096', undefined],
  ])('the password of %s is whatever lies between "user:" and the last "@"', (url, password) => {
    expect(typedPassword(url)).toBe(password)
  })

  it('redacts every spelling of a known secret: as typed, decoded, percent-encoded, JSON-escaped', () => {
    const secret = 'p@ss"w/rd'
    const text = `typed ${secret} encoded ${encodeURIComponent(secret)} url p%40ss%22w%2Frd json ${JSON.stringify(secret)}`
    expect(redactSecrets(text, [secret])).toBe('typed •••• encoded •••• url •••• json "••••"')
  })

  it('knows the secrets of a command line before it is validated: --server passwords and the --password-env value', () => {
    const argv = ['--bogus', '--server=http://o:one/1@h:1', '--server', 'http://h:2', '--password-env', 'PW', 'prompt']
    expect(commandLineSecrets(argv, { PW: 'two' })).toEqual(['one/1', 'two'])
  })
})
