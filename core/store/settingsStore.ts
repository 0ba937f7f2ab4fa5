import Conf from 'conf'
import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerSpec } from '../contract/servers'
import { Settings, type SettingsPatch } from '../contract/settings'
import { FlotillaError } from '../lib/errors'
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE, writeFileAtomic } from './privateFiles'
import { repairSettings } from './settingsRepair'

const FILE = 'config'

/**
 * Makes the conf-compatible object that reads and writes `<cwd>/<name>.json`, creating it with
 * `fileMode` (conf's and electron-store's `configFileMode`).
 */
export type SettingsBackend = (options: { cwd: string; name: string; fileMode: number }) => Conf<Settings>

const confBackend: SettingsBackend = ({ cwd, name, fileMode }) =>
  new Conf<Settings>({ cwd, configName: name, clearInvalidConfig: false, projectSuffix: '', configFileMode: fileMode })

export interface SettingsStoreOpened {
  store: SettingsStore
  /** Set when the file on disk was unusable in part or whole: what was dropped, and where the original is. */
  warning?: string
}

/**
 * Settings and saved servers in one schema-validated JSON file (conf, which electron-store is
 * built on: same format, same place). Every write is validated first, so a bad update changes
 * nothing; keys this version does not know are kept; an invalid entry is dropped alone (the
 * original file backed up, the user told which entry), never the rest.
 */
export class SettingsStore {
  private constructor(private readonly conf: Conf<Settings>) {}

  /**
   * Opens (or creates) `<directory>/config.json`. `backend` makes the store object: conf by
   * default; the desktop app passes electron-store (built on conf: same file, same format).
   */
  static open(directory: string, backend: SettingsBackend = confBackend): SettingsStoreOpened {
    ensurePrivateDir(directory)
    const path = join(directory, `${FILE}.json`)
    const warning = existsSync(path) ? repairFile(path) : undefined
    ensurePrivateFile(path)
    const conf = backend({ cwd: directory, name: FILE, fileMode: PRIVATE_FILE })
    const store = new SettingsStore(conf)
    // Normalise once (fills defaults, drops nothing) so the file always matches the schema.
    store.write(store.get())
    return { store, warning }
  }

  /**
   * The saved per-repository settings in `<directory>/config.json`, read only (a CLI run keeps no
   * settings, yet uses what the app saved for a repository); none when there is no valid file.
   */
  static readRepositories(directory: string): Settings['repositories'] {
    try {
      const parsed = Settings.shape.repositories.safeParse((JSON.parse(readFileSync(join(directory, `${FILE}.json`), 'utf8')) as { repositories?: unknown }).repositories ?? {})
      return parsed.success ? parsed.data : {}
    } catch {
      return {}
    }
  }

  get path(): string {
    return this.conf.path
  }

  get(): Settings {
    return Settings.parse(this.conf.store)
  }

  update(patch: SettingsPatch): Settings {
    return this.write(applyPatch(this.get(), patch))
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
    // Keys a newer version wrote survive our writes (the schema would strip them).
    this.conf.store = { ...unknownKeys(this.conf.store), ...parsed.data }
    ensurePrivateFile(this.conf.path) // a backend that ignored fileMode must not leave it readable
    return parsed.data
  }
}

function unknownKeys(store: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(store).filter(([key]) => !(key in Settings.shape)))
}

/**
 * Makes the file on disk valid by dropping only what is invalid; returns the warning to show.
 * The original bytes are kept beside it whenever anything was dropped.
 */
function repairFile(path: string): string | undefined {
  const bytes = readFileSync(path, 'utf8')
  let raw: unknown
  try {
    raw = JSON.parse(bytes)
  } catch (error) {
    return setAside(path, `unreadable settings (${error instanceof Error ? error.message : String(error)})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return setAside(path, `invalid settings (expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw})`)
  }
  const { data, dropped } = repairSettings(raw as Record<string, unknown>)
  if (dropped.length === 0) return undefined
  const backup = backupPath(path)
  copyFileSync(path, backup)
  ensurePrivateFile(backup)
  writeFileAtomic(path, JSON.stringify(data, null, '\t'))
  return `invalid settings in ${path}: dropped ${dropped.join('; ')}; everything else was kept, and the original file is at ${backup}`
}

/** The whole file is unusable: move it aside and start from defaults. */
function setAside(path: string, problem: string): string {
  const backup = backupPath(path)
  renameSync(path, backup)
  ensurePrivateFile(backup)
  return `${problem} in ${path}: kept a copy at ${backup} and started from defaults`
}

function backupPath(path: string): string {
  return `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
}

/** A patch applied to settings: plain fields replace, `repository` replaces (or, null, removes) one repository's entry. */
export function applyPatch(current: Settings, patch: SettingsPatch): Settings {
  const { repository, ...plain } = patch
  const next: Settings = { ...current, ...plain }
  if (repository) {
    const repositories = { ...current.repositories }
    if (repository.settings) repositories[repository.root] = repository.settings
    else delete repositories[repository.root]
    next.repositories = repositories
  }
  return next
}
