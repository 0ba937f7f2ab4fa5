import { useEffect, useState } from 'react'
import type { Result } from '../../../core/contract/api'
import { errorMessage } from '../api/client'
import { useServices } from '../state/hooks'
import { Dialog } from './Dialog'

type Domains = Result<'wezterm.domains.list'>

/**
 * WezTerm SSH domains Flotilla manages: listed, added, removed. They live in a Lua file that the
 * user's wezterm.lua includes with the one line shown here.
 */
export function WeztermDomainsDialog({ onClose }: { onClose: () => void }) {
  const { api } = useServices()
  const [state, setState] = useState<Domains | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [form, setForm] = useState({ name: '', remoteAddress: '', username: '' })

  useEffect(() => {
    api['wezterm.domains.list']({}).then(setState, (e: unknown) => setError(errorMessage(e)))
  }, [api])

  async function change(request: Promise<Domains>): Promise<void> {
    try {
      setState(await request)
      setError(null)
      setForm({ name: '', remoteAddress: '', username: '' })
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  const field = (name: keyof typeof form, label: string, placeholder: string) => (
    <label className="field">
      <span>{label}</span>
      <input value={form[name]} placeholder={placeholder} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  )

  return (
    <Dialog label="WezTerm SSH domains" onClose={onClose} className="wezterm-domains">
      <h2>WezTerm SSH domains</h2>
      {state && (
        <>
          <ul aria-label="Domains">
            {state.domains.length === 0 && <li className="empty">None yet.</li>}
            {state.domains.map((d) => (
              <li key={d.name}>
                <code>{d.name}</code> → {d.username ? `${d.username}@` : ''}
                {d.remoteAddress}{' '}
                <button type="button" onClick={() => void change(api['wezterm.domains.remove']({ name: d.name }))} aria-label={`Remove ${d.name}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <p className="hint">
            Kept in <code>{state.file}</code>. Add this line to your wezterm.lua once:
          </p>
          <pre className="include-line">{state.includeLine}</pre>
        </>
      )}
      <form
        aria-label="Add a WezTerm domain"
        onSubmit={(e) => {
          e.preventDefault()
          void change(api['wezterm.domains.add']({ domain: { name: form.name, remoteAddress: form.remoteAddress, ...(form.username ? { username: form.username } : {}) } }))
        }}
      >
        {field('name', 'Name', 'gpu-1')}
        {field('remoteAddress', 'Remote address', 'gpu.example.com:22')}
        {field('username', 'User', 'optional')}
        <button type="submit">Add domain</button>
      </form>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
    </Dialog>
  )
}
