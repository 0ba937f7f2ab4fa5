import { RepositorySettings, type RepositorySettings as Saved } from '../../../core/contract/settings'

/** The form as typed: copy is one path per line. */
export interface RepositoryForm {
  setup: string
  copy: string
  verify: string
}

export type FormErrors = Partial<Record<keyof RepositoryForm, string>>

export function formOf(saved: Saved | undefined): RepositoryForm {
  return { setup: saved?.setup ?? '', copy: (saved?.copy ?? []).join('\n'), verify: saved?.verify ?? '' }
}

/**
 * The form checked against the contract's own rules (commands 1–10,000 characters, copy paths
 * relative and without ".."): the settings to save, `null` when the form is empty (the saved
 * settings are removed), or the errors per field.
 */
export function parseRepositoryForm(form: RepositoryForm): { settings: Saved | null } | { errors: FormErrors } {
  const setup = form.setup.trim()
  const verify = form.verify.trim()
  const copy = form.copy.split('\n').map((l) => l.trim()).filter(Boolean)
  const errors: FormErrors = {}
  if (setup.length > 10_000) errors.setup = `At most 10,000 characters (this is ${setup.length.toLocaleString('en')}).`
  if (verify.length > 10_000) errors.verify = `At most 10,000 characters (this is ${verify.length.toLocaleString('en')}).`
  const bad = copy.filter((p) => p.startsWith('/') || p.split('/').includes('..') || p.includes('\0') || p.length > 4096)
  if (bad.length) errors.copy = `Paths inside the repository only (relative, no ".."): ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', …' : ''}`
  else if (copy.length > 100) errors.copy = `At most 100 paths (these are ${copy.length}).`
  if (Object.keys(errors).length) return { errors }
  if (!setup && !verify && copy.length === 0) return { settings: null }
  // The contract has the last word (the engine checks the same again).
  const parsed = RepositorySettings.safeParse({ ...(setup ? { setup } : {}), copy, ...(verify ? { verify } : {}) })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as keyof RepositoryForm
      if (field in form && !errors[field]) errors[field] = issue.message
    }
    return { errors: Object.keys(errors).length ? errors : { setup: parsed.error.issues[0]?.message ?? 'not valid' } }
  }
  return { settings: parsed.data }
}

/** "setup: npm ci · copy: .env · verify: npm test": what the next worktree task gets, for the prompt bar. */
export function repositorySummary(saved: Saved | undefined): string | null {
  if (!saved) return null
  const short = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s)
  const parts = [
    saved.setup && `setup: ${short(saved.setup)}`,
    saved.copy.length > 0 && `copy: ${short(saved.copy.join(', '))}`,
    saved.verify && `verify: ${short(saved.verify)}`,
  ].filter(Boolean)
  return parts.length ? parts.join(' · ') : null
}
