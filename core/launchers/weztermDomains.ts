import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import { WeztermDomain } from '../contract/wezterm'

/** Where the managed domains live: beside the user's wezterm.lua. */
export function defaultDomainsFile(home = homedir()): string {
  return join(home, '.config', 'wezterm', 'flotilla-domains.lua')
}

/** The one line the user adds to wezterm.lua (after `local config = wezterm.config_builder()`). */
export function includeLine(file: string): string {
  return `for _, d in ipairs(dofile(wezterm.config_dir .. '/${basename(file)}')) do config.ssh_domains = config.ssh_domains or {}; table.insert(config.ssh_domains, d) end`
}

/**
 * SSH domains for WezTerm, kept in a Lua file that wezterm.lua includes. The file is ours:
 * its first line holds the list as JSON (so reading it back needs no Lua parser), the rest is
 * the same list as Lua. Writes go to a temp file renamed over the old one, so WezTerm never
 * reads half a file.
 */
export class WeztermDomainFile {
  constructor(readonly file: string = defaultDomainsFile()) {}

  list(): WeztermDomain[] {
    if (!existsSync(this.file)) return []
    const first = readFileSync(this.file, 'utf8').split('\n', 1)[0] ?? ''
    const match = /^-- flotilla-domains: (.*)$/.exec(first)
    if (!match) throw new Error(`${this.file} was not written by Flotilla (no "-- flotilla-domains:" first line); not touching it`)
    const parsed = z.array(WeztermDomain).safeParse(JSON.parse(match[1]!))
    if (!parsed.success) throw new Error(`${this.file}: unreadable domain list (${parsed.error.issues[0]?.message})`)
    return parsed.data
  }

  /** Adds (or replaces, by name) a domain (already validated against the contract). */
  add(domain: WeztermDomain): WeztermDomain[] {
    const domains = [...this.list().filter((d) => d.name !== domain.name), domain]
    this.write(domains)
    return domains
  }

  remove(name: string): WeztermDomain[] {
    const before = this.list()
    const domains = before.filter((d) => d.name !== name)
    if (domains.length === before.length) throw new Error(`expected a managed wezterm domain, got "${name}" (have: ${before.map((d) => d.name).join(', ') || 'none'})`)
    this.write(domains)
    return domains
  }

  private write(domains: WeztermDomain[]): void {
    mkdirSync(dirname(this.file), { recursive: true })
    const lua = domains.map((d) => {
      const fields = [`name = ${luaString(d.name)}`, `remote_address = ${luaString(d.remoteAddress)}`, ...(d.username ? [`username = ${luaString(d.username)}`] : [])]
      return `  { ${fields.join(', ')} },`
    })
    const text = [
      `-- flotilla-domains: ${JSON.stringify(domains)}`,
      '-- Written by Flotilla: WezTerm SSH domains it manages. Edit them from Flotilla, not here.',
      `-- In wezterm.lua: ${includeLine(this.file)}`,
      'return {',
      ...lua,
      '}',
      '',
    ].join('\n')
    const temp = `${this.file}.${process.pid}.tmp`
    writeFileSync(temp, text)
    renameSync(temp, this.file)
  }
}

/** A Lua string literal (the values are validated to plain characters; this is belt and braces). */
function luaString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}
