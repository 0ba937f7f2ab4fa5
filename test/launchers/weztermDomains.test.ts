import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'
import { includeLine, WeztermDomainFile } from '../../core/launchers/weztermDomains'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-wezterm-domains-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('managed WezTerm SSH domains', () => {
  it('adds, replaces by name, lists and removes, writing the Lua list wezterm.lua includes', () => {
    const file = new WeztermDomainFile(join(dir, 'a', 'flotilla-domains.lua'))
    expect(file.list()).toEqual([])
    file.add({ name: 'gpu-1', remoteAddress: 'gpu.example.com:2222', username: 'me' })
    file.add({ name: 'build', remoteAddress: 'build.lan' })
    file.add({ name: 'gpu-1', remoteAddress: 'gpu2.example.com' })
    expect(file.list()).toEqual([
      { name: 'build', remoteAddress: 'build.lan' },
      { name: 'gpu-1', remoteAddress: 'gpu2.example.com' },
    ])
    const lua = readFileSync(file.file, 'utf8')
    expect(lua).toContain('return {\n  { name = "build", remote_address = "build.lan" },\n  { name = "gpu-1", remote_address = "gpu2.example.com" },\n}\n')
    expect(file.remove('build')).toEqual([{ name: 'gpu-1', remoteAddress: 'gpu2.example.com' }])
    expect(() => file.remove('nope')).toThrow(/expected a managed wezterm domain, got "nope" \(have: gpu-1\)/)
  })

  it('the include line loads the file from wezterm.lua\'s folder into config.ssh_domains', () => {
    expect(includeLine('/home/me/.config/wezterm/flotilla-domains.lua')).toBe(
      "for _, d in ipairs(dofile(wezterm.config_dir .. '/flotilla-domains.lua')) do config.ssh_domains = config.ssh_domains or {}; table.insert(config.ssh_domains, d) end",
    )
  })

  it('never touches a file it did not write', () => {
    const path = join(dir, 'theirs.lua')
    writeFileSync(path, 'return { { name = "mine" } }\n')
    const file = new WeztermDomainFile(path)
    expect(() => file.add({ name: 'x', remoteAddress: 'x' })).toThrow(/not written by Flotilla/)
    expect(readFileSync(path, 'utf8')).toBe('return { { name = "mine" } }\n')
  })

  it('through the API: bad input is refused with the field named, and the file stays as it was', async () => {
    const path = join(dir, 'api', 'flotilla-domains.lua')
    const engine = await Engine.create({ weztermDomainsFile: path })
    const dispatcher = createDispatcher(engine, () => {})
    try {
      const added = await dispatcher.call('wezterm.domains.add', { domain: { name: 'box', remoteAddress: 'box.lan:22' } })
      expect(added).toMatchObject({ result: { file: path, domains: [{ name: 'box', remoteAddress: 'box.lan:22' }] } })
      const before = readFileSync(path, 'utf8')
      for (const domain of [{ name: 'bad name', remoteAddress: 'x' }, { name: 'ok', remoteAddress: 'x"; os.execute("rm -rf ~") --' }]) {
        const res = await dispatcher.call('wezterm.domains.add', { domain })
        expect(res).toMatchObject({ error: { code: 'bad_request' } })
      }
      expect(readFileSync(path, 'utf8')).toBe(before)
      expect(await dispatcher.call('wezterm.domains.remove', { name: 'ghost' })).toMatchObject({ error: { code: 'bad_request', message: expect.stringMatching(/ghost/) } })
    } finally {
      dispatcher.dispose()
      await engine.close()
    }
  })
})
