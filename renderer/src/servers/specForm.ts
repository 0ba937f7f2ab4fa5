import type { ParamsIn } from '../../../core/contract/api'
import type { ServerKind } from '../../../core/contract/servers'

export interface FieldDef {
  name: string
  label: string
  type: 'text' | 'number' | 'checkbox' | 'password' | 'url'
  required?: boolean
  placeholder?: string
  /** Sent beside the spec (servers.add params), not inside it. */
  param?: boolean
}

export const KINDS: readonly ServerKind[] = ['local', 'url', 'ssh', 'wezterm', 'tmux']

const COMMON: FieldDef[] = [
  { name: 'name', label: 'Name', type: 'text', required: true, placeholder: 'local-3' },
  { name: 'id', label: 'Id', type: 'text', placeholder: 'from the name' },
  { name: 'capacity', label: 'Capacity', type: 'number', placeholder: '1' },
]

const binary: FieldDef = { name: 'binary', label: 'opencode binary', type: 'text', placeholder: 'embedded' }

const BY_KIND: Record<ServerKind, FieldDef[]> = {
  local: [
    { name: 'directory', label: 'Directory', type: 'text', required: true, placeholder: '/home/me/project' },
    binary,
    { name: 'demo', label: 'Scripted demo model', type: 'checkbox' },
  ],
  url: [
    { name: 'baseUrl', label: 'Base URL', type: 'url', required: true, placeholder: 'http://127.0.0.1:4096' },
    { name: 'username', label: 'Username', type: 'text' },
    { name: 'password', label: 'Password', type: 'password', param: true },
    { name: 'passwordEnv', label: 'Password variable', type: 'text', placeholder: 'OPENCODE_PASSWORD' },
    { name: 'directory', label: 'Directory', type: 'text' },
  ],
  ssh: [
    { name: 'host', label: 'Host', type: 'text', required: true, placeholder: 'alias from ~/.ssh/config, or a host name' },
    { name: 'user', label: 'User', type: 'text', placeholder: 'from ~/.ssh/config' },
    { name: 'port', label: 'Port', type: 'number', placeholder: '22' },
    { name: 'identityFile', label: 'Identity file', type: 'text', placeholder: 'agent, then ~/.ssh/config' },
    { name: 'remoteDirectory', label: 'Remote directory', type: 'text', required: true, placeholder: '~/project' },
    { name: 'binary', label: 'opencode binary', type: 'text', placeholder: 'opencode on the remote PATH' },
    { name: 'demo', label: 'Scripted demo model (reverse tunnel)', type: 'checkbox' },
  ],
  wezterm: [
    // An SSH domain (palette: "WezTerm SSH domains…") runs the server on its host, in its directory.
    { name: 'domain', label: 'Domain', type: 'text', placeholder: 'local, or an SSH domain' },
    { name: 'directory', label: 'Directory', type: 'text', required: true, placeholder: "/home/me/project (on the domain's host)" },
    binary,
    { name: 'demo', label: 'Scripted demo model', type: 'checkbox' },
  ],
  tmux: [
    { name: 'session', label: 'Session', type: 'text', required: true, placeholder: 'flotilla' },
    { name: 'directory', label: 'Directory', type: 'text', required: true, placeholder: '/home/me/project' },
    binary,
    { name: 'demo', label: 'Scripted demo model', type: 'checkbox' },
  ],
}

export function fieldsFor(kind: ServerKind): FieldDef[] {
  return [...COMMON, ...BY_KIND[kind]]
}

export type FormValues = Record<string, string | boolean>

/** A short, shell-safe id from a name ("My Server 2" → "my-server-2"). */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '')
    .slice(0, 64)
}

/**
 * The servers.add params for a kind and the form's values. Empty fields are left out (the
 * contract's defaults apply); validation is the engine's, so its messages are the ones shown.
 */
export function buildAddParams(kind: ServerKind, values: FormValues, options: { start: boolean; persist: boolean }): ParamsIn<'servers.add'> {
  const spec: Record<string, unknown> = { kind }
  let password: string | undefined
  for (const field of fieldsFor(kind)) {
    const raw = values[field.name]
    if (field.type === 'checkbox') {
      if (raw === true) spec[field.name] = true
      continue
    }
    const text = typeof raw === 'string' ? raw.trim() : ''
    if (!text) continue
    if (field.param) password = text
    else spec[field.name] = field.type === 'number' ? Number(text) : text
  }
  if (!spec.id && typeof spec.name === 'string') spec.id = slugify(spec.name)
  if (!spec.name && typeof spec.id === 'string') spec.name = spec.id
  const params: Record<string, unknown> = { spec, start: options.start, persist: options.persist }
  if (password) params.password = password
  return params as ParamsIn<'servers.add'>
}

/**
 * The form field an engine error is about: "servers.add: spec.baseUrl: expected an http(s) URL"
 * → "baseUrl". Undefined when the message names no field of the form.
 */
export function fieldOfError(message: string, kind: ServerKind): string | undefined {
  const match = /^servers\.add: ([\w.]+):/.exec(message)
  if (!match) return undefined
  const path = match[1].split('.')
  const name = path[0] === 'spec' ? path[1] : path[0]
  return fieldsFor(kind).some((f) => f.name === name) ? name : undefined
}
