import { useState, type FormEvent } from 'react'
import { errorMessage } from '../api/client'
import { formOf, parseRepositoryForm, type FormErrors, type RepositoryForm } from '../prompt/repositorySettings'
import { useFleet, useServices } from '../state/hooks'
import { Dialog } from './Dialog'

interface Props {
  /** The repository's top folder (host.info's repository.root). */
  root: string
  onClose: () => void
}

/**
 * Setup, copy and verify saved for one repository: every worktree task there gets them unless it
 * says otherwise. Checked here first; the engine's refusal is shown in the form and nothing is saved.
 */
export function RepositorySettingsDialog({ root, onClose }: Props) {
  const { api, store } = useServices()
  const saved = useFleet((s) => s.repositories[root])
  const [form, setForm] = useState<RepositoryForm>(() => formOf(saved))
  const [errors, setErrors] = useState<FormErrors>({})
  const [failure, setFailure] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const set = (field: keyof RepositoryForm) => (value: string) => setForm((f) => ({ ...f, [field]: value }))

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault()
    setFailure(null)
    const parsed = parseRepositoryForm(form)
    if ('errors' in parsed) {
      setErrors(parsed.errors)
      return
    }
    setErrors({})
    setSaving(true)
    try {
      const settings = await api['settings.update']({ patch: { repository: { root, settings: parsed.settings } } })
      store.apply('settings.updated', settings)
      store.notify('info', parsed.settings ? `Saved the repository settings of ${root}: the next worktree tasks there get them.` : `Removed the repository settings of ${root}.`)
      onClose()
    } catch (error) {
      setFailure(`Not saved: ${errorMessage(error)}`)
      setSaving(false)
    }
  }

  const field = (name: keyof RepositoryForm, label: string, hint: string, multiline = false) => (
    <label className="field stacked">
      <span>{label}</span>
      {multiline ? (
        <textarea rows={3} value={form[name]} onChange={(e) => set(name)(e.target.value)} aria-invalid={errors[name] ? true : undefined} aria-describedby={`repo-${name}-hint`} spellCheck={false} />
      ) : (
        <input type="text" value={form[name]} onChange={(e) => set(name)(e.target.value)} aria-invalid={errors[name] ? true : undefined} aria-describedby={`repo-${name}-hint`} spellCheck={false} />
      )}
      <span className="hint" id={`repo-${name}-hint`}>
        {hint}
      </span>
      {errors[name] && (
        <span className="form-error" role="alert">
          {errors[name]}
        </span>
      )}
    </label>
  )

  return (
    <Dialog label="Repository settings" onClose={onClose} className="repository-settings">
      <form onSubmit={(e) => void save(e)} noValidate>
        <h2>Repository settings</h2>
        <p className="hint">
          For every worktree task in <code>{root}</code> that does not say otherwise. Leave everything empty to remove them.
        </p>
        {field('setup', 'Setup command', 'Runs in each new worktree before the prompt (npm ci); a failure fails the task.')}
        {field('copy', 'Copy into each worktree', 'Untracked files or folders, one per line, relative to the repository (.env); never part of the result.', true)}
        {field('verify', 'Verify command', 'Runs after the agent’s turn (npm test); its result marks the task, never fails it.')}
        {failure && (
          <p className="form-error" role="alert">
            {failure}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose} disabled={saving}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
