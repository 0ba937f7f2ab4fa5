import { useEffect, useId, useMemo, useState, type FormEvent } from 'react'
import type { ServerKind } from '../../../core/contract/servers'
import { errorMessage } from '../api/client'
import { buildAddParams, fieldsFor, formError, initialValues, KINDS, suggestedName, validateForm, type FormValues } from '../servers/specForm'
import { useFleet, useServices } from '../state/hooks'

/**
 * Adds a server of any kind. It starts from what the host knows (its project folder, --demo),
 * checks the values as they are typed with the contract's own rules and the servers there are,
 * and shows every problem, the engine's too, on its field in plain words.
 */
export function AddServerForm({ onAdded }: { onAdded?: (serverId: string) => void }) {
  const { api } = useServices()
  const servers = useFleet((s) => s.servers)
  const connected = useFleet((s) => s.connection.state === 'open')
  const formId = useId()
  const [kind, setKind] = useState<ServerKind>('local')
  const [host, setHost] = useState<{ projectDir?: string; demo?: boolean }>({})
  /** What the user typed or ticked; the rest comes from the host (initialValues). */
  const [edits, setEdits] = useState<FormValues>({})
  /** Fields whose problems are shown: those touched, and all of them after a submit. */
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set())
  const [submitted, setSubmitted] = useState(false)
  const [start, setStart] = useState(true)
  const [persist, setPersist] = useState(true)
  /** The engine's refusal of the last submit (cleared by the next change). */
  const [refusal, setRefusal] = useState<{ field?: string; text: string } | null>(null)
  const [pending, setPending] = useState(false)

  useEffect(() => {
    if (!connected) return
    api['host.info']({}).then(
      (info) => setHost({ projectDir: info.projectDir, demo: info.demo }),
      () => setHost({}),
    )
  }, [api, connected])

  const values = useMemo(() => ({ ...initialValues(kind, host), ...edits }), [kind, host, edits])
  const context = useMemo(() => ({ servers, ...host }), [servers, host])
  const problems = useMemo(() => validateForm(kind, values, context), [kind, values, context])
  const shown = (name: string): string | undefined => {
    if (refusal?.field === name) return refusal.text
    return submitted || touched.has(name) ? problems[name] : undefined
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault()
    setSubmitted(true)
    setRefusal(null)
    const fields = fieldsFor(kind).map((f) => f.name)
    const first = fields.find((name) => problems[name])
    if (first) {
      document.getElementById(`${formId}-${first}`)?.focus()
      return
    }
    setPending(true)
    try {
      const view = await api['servers.add'](buildAddParams(kind, values, { start, persist }))
      setEdits({})
      setTouched(new Set())
      setSubmitted(false)
      onAdded?.(view.id)
    } catch (e) {
      const found = formError(errorMessage(e), kind)
      // An id made from the name: the name is the field to change.
      const field = found.field === 'id' && !String(values.id ?? '').trim() ? 'name' : found.field
      setRefusal({ ...found, field })
      if (field) document.getElementById(`${formId}-${field}`)?.focus()
    } finally {
      setPending(false)
    }
  }

  const set = (name: string, value: string | boolean) => {
    setEdits((v) => ({ ...v, [name]: value }))
    setTouched((t) => (t.has(name) ? t : new Set(t).add(name)))
    setRefusal(null)
  }
  const blurred = (name: string) => setTouched((t) => (t.has(name) ? t : new Set(t).add(name)))
  const errorId = `${formId}-error`
  const count = fieldsFor(kind).filter((f) => shown(f.name)).length
  return (
    <form aria-label="Add server" className="add-server" onSubmit={submit} noValidate>
      <label className="field">
        <span>Kind</span>
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as ServerKind)
            setRefusal(null)
          }}
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      {fieldsFor(kind).map((field) => {
        const id = `${formId}-${field.name}`
        if (field.type === 'checkbox') {
          return (
            <label key={field.name} className="field checkbox">
              <input type="checkbox" checked={values[field.name] === true} onChange={(e) => set(field.name, e.target.checked)} />
              <span>{field.label}</span>
            </label>
          )
        }
        const problem = shown(field.name)
        const placeholder = field.name === 'name' ? suggestedName(kind, servers) : field.placeholder
        return (
          <div key={field.name} className={`field${problem ? ' invalid' : ''}`}>
            <label htmlFor={id}>
              {field.label}
              {field.required && <span aria-hidden="true"> *</span>}
            </label>
            <input
              id={id}
              type={field.type === 'password' ? 'password' : 'text'}
              inputMode={field.type === 'url' ? 'url' : field.type === 'number' ? 'numeric' : undefined}
              placeholder={placeholder}
              value={typeof values[field.name] === 'string' ? (values[field.name] as string) : ''}
              onChange={(e) => set(field.name, e.target.value)}
              onBlur={() => blurred(field.name)}
              aria-required={field.required || undefined}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : undefined}
              autoComplete={field.type === 'password' ? 'off' : undefined}
            />
            {problem && (
              <span className="field-error" id={`${id}-problem`}>
                {problem}
              </span>
            )}
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
      {(refusal || (submitted && count > 0)) && (
        <p id={errorId} role="alert" className="form-error">
          {refusal && !refusal.field ? refusal.text : `Not added: ${count === 1 ? 'one field needs' : `${count} fields need`} a change (marked above).`}
        </p>
      )}
    </form>
  )
}
