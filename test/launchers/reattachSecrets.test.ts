import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { ReattachSecrets } from '../../core/launchers/reattachSecrets'

const dir = mkdtempSync(join(tmpdir(), 'flotilla-reattach-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('keeps a password per server and pid, 0600 in a 0700 folder; another pid or a damaged file gets none', () => {
  const secrets = new ReattachSecrets(join(dir, 'secrets'))
  const password = 'p'.repeat(32)
  secrets.set('root@10.0.0.1:22/box-a', 42, password)
  expect(secrets.get('root@10.0.0.1:22/box-a', 42)).toBe(password)
  expect(secrets.get('root@10.0.0.1:22/box-a', 43)).toBeUndefined()
  expect(secrets.get('root@10.0.0.1:22/box-b', 42)).toBeUndefined()
  const [file] = readdirSync(join(dir, 'secrets'))
  expect(file).not.toContain('/')
  expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700)
  expect(statSync(join(dir, 'secrets', file!)).mode & 0o777).toBe(0o600)
  writeFileSync(join(dir, 'secrets', file!), '{')
  expect(secrets.get('root@10.0.0.1:22/box-a', 42)).toBeUndefined()
  secrets.delete('root@10.0.0.1:22/box-a')
  expect(readdirSync(join(dir, 'secrets'))).toEqual([])
})
