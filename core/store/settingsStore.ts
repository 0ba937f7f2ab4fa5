import Conf from 'conf'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerSpec } from '../contract/servers'
import { Settings, type SettingsPatch } from '../contract/settings'
import { FlotillaError } from '../lib/errors'

const FILE = 'config'

/** Makes the conf-compatible object that reads and writes `<cwd>/<name>.json`. */
export type SettingsBackend = (options: { cwd: string; name: string }) => Conf<Settings>

const confBackend: SettingsBackend = ({ cwd, name }) => new Conf<Settings>({ cwd, configName: name, clearInvalidConfig: false, projectSuffix: '' })

export interface SettingsStoreOpened {
  store: SettingsStore
  /** Set when the file on disk was unusable: it was backed up and defaults are in use. */
  warning?: string
}

/**
 * Settings and saved servers in one schema-validated JSON file (conf, which electron-store is
 * built on: same format, same place). Every write is validated first, so a bad update changes
 * nothing; a corrupt file is backed up and replaced by defaults, never silently emptied.
 */
export class SettingsStore {
  private constructor(private readonly conf: Conf<Settings>) {}

  /**
   * Opens (or creates) `<directory>/config.json`. `backend` makes the store object: conf by
   * default; the desktop app passes electron-store (built on conf: same file, same format).
   */
  static open(directory: string, backend: SettingsBackend = confBackend): SettingsStoreOpened {
    mkdirSync(directory, { recursive: true })
    const path = join(directory, `${FILE}.json`)
    const warning = existsSync(path) ? quarantineIfCorrupt(path) : undefined
    const conf = backend({ cwd: directory, name: FILE })
    const store = new SettingsStore(conf)
    // Normalise once (fills defaults, drops nothing valid) so the file always matches the schema.
    conf.store = Settings.parse(conf.store)
    return { store, warning }
  }

  get path(): string {
    return this.conf.path
  }

  get(): Settings {
    return Settings.parse(this.conf.store)
  }

  update(patch: SettingsPatch): Settings {
    return this.write({ ...this.get(), ...patch })
  }

  saveServer(spec: ServerSpec): Settings {
    const current = this.get()
    const servers = current.servers.filter((s) => s.id !== spec.id)
    return this.write({ ...current, servers: [...servers, spec] })
  }

  removeServer(id: string): Settings {
    const current = this.get()
    return this.write({ ...current, servers: current.servers.filter((s) => s.id !== id) })
  }

  private write(next: unknown): Settings {
    const parsed = Settings.safeParse(next)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new FlotillaError(`settings not saved: ${issue?.path.join('.')}: ${issue?.message}`, 'bad_request')
    }
    this.conf.store = parsed.data
    return parsed.data
  }
}

/** Moves an unreadable or invalid settings file aside; returns the warning to show, if any. */
function quarantineIfCorrupt(path: string): string | undefined {
  let problem: string | undefined
  try {
    const parsed = Settings.safeParse(JSON.parse(readFileSync(path, 'utf8')))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      problem = `invalid settings (${issue?.path.join('.') || 'root'}: ${issue?.message})`
    }
  } catch (error) {
    problem = `unreadable settings (${error instanceof Error ? error.message : String(error)})`
  }
  if (!problem) return undefined
  const backup = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
  renameSync(path, backup)
  return `${problem} in ${path}: kept a copy at ${backup} and started from defaults`
}
