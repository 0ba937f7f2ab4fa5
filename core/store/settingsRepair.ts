import { ServerSpec } from '../contract/servers'
import { MAX_SAVED_SERVERS, Settings } from '../contract/settings'

/** What reading a settings file kept and what it had to drop. */
export interface RepairedSettings {
  /** The file's content with only the invalid entries removed (unknown keys kept as they were). */
  data: Record<string, unknown>
  /** One line per dropped entry, naming it and saying what was expected. */
  dropped: string[]
}

const KNOWN = new Set(Object.keys(Settings.shape))

/**
 * Drops the entries of a parsed settings file that do not validate, one at a time: a bad value
 * in one saved server removes that server, never the others; a bad preference falls back to
 * its default. Keys this version does not know (a newer version's) are kept untouched.
 */
export function repairSettings(raw: Record<string, unknown>): RepairedSettings {
  const data: Record<string, unknown> = {}
  const dropped: string[] = []
  for (const [key, value] of Object.entries(raw)) {
    if (!KNOWN.has(key)) {
      data[key] = value
      continue
    }
    if (key === 'servers') {
      if (!Array.isArray(value)) {
        dropped.push(`servers (expected a list, got ${describe(value)})`)
        continue
      }
      data.servers = keepValidServers(value, dropped)
      continue
    }
    const field = Settings.shape[key as keyof typeof Settings.shape]
    const parsed = field.safeParse(value)
    if (parsed.success) data[key] = value
    else dropped.push(`${key} (${issueText(parsed.error.issues)}, got ${describe(value)})`)
  }
  return { data, dropped }
}

function keepValidServers(entries: unknown[], dropped: string[]): unknown[] {
  const kept: unknown[] = []
  const ids = new Set<string>()
  entries.forEach((entry, index) => {
    const name = serverName(entry, index)
    const parsed = ServerSpec.safeParse(entry)
    if (!parsed.success) dropped.push(`${name} (${issueText(parsed.error.issues)})`)
    else if (ids.has(parsed.data.id)) dropped.push(`${name} (expected a unique id, got a second "${parsed.data.id}")`)
    else if (kept.length >= MAX_SAVED_SERVERS) dropped.push(`${name} (expected at most ${MAX_SAVED_SERVERS} saved servers, got more)`)
    else {
      ids.add(parsed.data.id)
      kept.push(entry)
    }
  })
  return kept
}

/** `servers[2] "gpu-box"`: the position, and the id or name when the entry has one. */
function serverName(entry: unknown, index: number): string {
  const record = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {}
  const label = typeof record.id === 'string' ? record.id : typeof record.name === 'string' ? record.name : undefined
  return label ? `saved server servers[${index}] "${label}"` : `saved server servers[${index}]`
}

function issueText(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ')
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
