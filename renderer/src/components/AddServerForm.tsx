import { useId, useState, type FormEvent } from 'react'
import type { ServerKind } from '../../../core/contract/servers'
import { errorMessage } from '../api/client'
import { buildAddParams, fieldOfError, fieldsFor, KINDS, type FormValues } from '../servers/specForm'
import { useServices } from '../state/hooks'

/** Adds a server of any kind; the engine validates, and its message is shown beside the wrong field. */
export function AddServerForm({ onAdded }: { onAdded?: (serverId: string) => void }) {
  const { api } = useServices()
  const formId = useId()
  const [kind, setKind] = useState<ServerKind>('local')
  const [values, setValues] = useState<FormValues>({})
  const [start, setStart] = useState(true)
  const [persist, setPersist] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)
  const badField = error ? fieldOfError(error, kind) : undefined

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault()
    setPending(true)
    setError(null)
    try {
      const view = await api['servers.add'](buildAddParams(kind, values, { start, persist }))
      setValues({})
      onAdded?.(view.id)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setPending(false)
    }
  }

  const set = (name: string, value: string | boolean) => setValues((v) => ({ ...v, [name]: value }))
  const errorId = `${formId}-error`
  return (
    <form aria-label="Add server" className="add-server" onSubmit={submit} noValidate>
      <label className="field">
        <span>Kind</span>
        <select value={kind} onChange={(e) => (setKind(e.target.value as ServerKind), setError(null))}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      {fieldsFor(kind).map((field) => {
        const id = `${formId}-${field.name}`
        const invalid = badField === field.name
        if (field.type === 'checkbox') {
          return (
            <label key={field.name} className="field checkbox">
              <input type="checkbox" checked={values[field.name] === true} onChange={(e) => set(field.name, e.target.checked)} />
              <span>{field.label}</span>
            </label>
          )
        }
        return (
          <div key={field.name} className={`field${invalid ? ' invalid' : ''}`}>
            <label htmlFor={id}>
              {field.label}
              {field.required && <span aria-hidden="true"> *</span>}
            </label>
            <input
              id={id}
              type={field.type === 'number' ? 'number' : field.type === 'password' ? 'password' : 'text'}
              inputMode={field.type === 'url' ? 'url' : undefined}
              placeholder={field.placeholder}
              value={typeof values[field.name] === 'string' ? (values[field.name] as string) : ''}
              onChange={(e) => set(field.name, e.target.value)}
              aria-required={field.required || undefined}
              aria-invalid={invalid || undefined}
              aria-describedby={invalid ? errorId : undefined}
              autoComplete={field.type === 'password' ? 'off' : undefined}
            />
            {invalid && <span className="field-error">{error?.replace(/^servers\.add: [\w.]+: /, '')}</span>}
          </div>
        )
      })}
      <label className="field checkbox">
        <input type="checkbox" checked={start} onChange={(e) => setStart(e.target.checked)} />
        <span>Start now</span>
      </label>
      <label className="field checkbox">
        <input type="checkbox" checked={persist} onChange={(e) => setPersist(e.target.checked)} />
        <span>Remember</span>
      </label>
      <button type="submit" disabled={pending}>
        {pending ? 'Adding…' : 'Add server'}
      </button>
      {error && (
        <p id={errorId} role="alert" className="form-error">
          {error}
        </p>
      )}
    </form>
  )
}
