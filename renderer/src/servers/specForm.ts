import type { ParamsIn } from '../../../core/contract/api'
import { ServerSpec, type ServerKind } from '../../../core/contract/servers'

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
  // The placeholder is the next free name of the kind (suggestedName): never one that exists.
  { name: 'name', label: 'Name', type: 'text', required: true },
  { name: 'id', label: 'Id', type: 'text', placeholder: 'made from the name' },
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

/** What the form knows around it: the servers there are, the host's project folder, --demo. */
export interface FormContext {
  servers: ReadonlyArray<{ id: string; name: string }>
  projectDir?: string
  demo?: boolean
}

/** The first "<kind>-N" that is neither a server's name nor its id. */
export function suggestedName(kind: ServerKind, servers: FormContext['servers']): string {
  const taken = new Set(servers.flatMap((s) => [s.name.toLowerCase(), s.id.toLowerCase()]))
  let n = 1
  while (taken.has(`${kind}-${n}`)) n++
  return `${kind}-${n}`
}

/** The values a fresh form starts with: the host's folder where a local folder is asked, the scripted model under --demo. */
export function initialValues(kind: ServerKind, context: Omit<FormContext, 'servers'>): FormValues {
  const values: FormValues = {}
  for (const field of fieldsFor(kind)) {
    // Every kind whose folder is required and local by default (WezTerm's domain is `local` unless told).
    if (field.name === 'directory' && field.required && context.projectDir) values.directory = context.projectDir
    if (field.name === 'demo' && context.demo) values.demo = true
  }
  return values
}

export type FieldErrors = Record<string, string>

const label = (kind: ServerKind, name: string) => fieldsFor(kind).find((f) => f.name === name)?.label ?? name

/**
 * Every problem of the form's values, by field, in plain words: what the contract would refuse
 * (checked with its own schema, so the two never drift) and a name or id that exists already.
 */
export function validateForm(kind: ServerKind, values: FormValues, context: FormContext): FieldErrors {
  const errors: FieldErrors = {}
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).trim() : '')
  const name = text('name')
  const id = text('id')
  if (!name && !id) errors.name = `Give the server a name (for example ${suggestedName(kind, context.servers)}).`
  else if (name && context.servers.some((s) => s.name.toLowerCase() === name.toLowerCase())) errors.name = `A server named “${name}” exists: choose another name.`
  const params = buildAddParams(kind, values, { start: false, persist: false })
  const spec = params.spec as Record<string, unknown>
  if (!id && name && !spec.id) errors.name ??= 'Use at least one letter or digit in the name (the id is made from it), or give an id.'
  const taken = typeof spec.id === 'string' ? context.servers.find((s) => s.id === spec.id) : undefined
  if (taken) {
    const message = `The id “${String(spec.id)}” is taken by the server “${taken.name}”: choose another ${id ? 'id' : 'name'}.`
    if (id) errors.id = message
    else errors.name ??= message
  }
  const parsed = ServerSpec.safeParse(spec)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '')
      if (!field || errors[field] || !fieldsFor(kind).some((f) => f.name === field)) continue
      // An id the form made from the name: the name is what the user wrote.
      if (field === 'id' && !id) continue
      errors[field] = plainIssue(kind, field, issue, text(field))
    }
  }
  const url = text('baseUrl')
  if (kind === 'url' && url && !errors.baseUrl) {
    const port = portProblem(url)
    if (port) errors.baseUrl = port
  }
  return errors
}

interface IssueLike {
  code: string
  message: string
  minimum?: unknown
  maximum?: unknown
  origin?: string
  expected?: string
}

/** A zod issue of one field as a sentence (never "Invalid input: expected string, received undefined"). */
function plainIssue(kind: ServerKind, field: string, issue: IssueLike, value: string): string {
  const what = label(kind, field)
  // The form's own text decides "required": zod does not report the input it refused.
  if (!value) return `${what} is required.`
  if (field === 'baseUrl') return portProblem(value) ?? 'Enter an http:// or https:// address, for example http://127.0.0.1:4096.'
  if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')) return `${what} must be a whole number.`
  if (issue.code === 'too_small') return issue.origin === 'number' ? `${what} must be at least ${String(issue.minimum)}.` : `${what} is required.`
  if (issue.code === 'too_big') return issue.origin === 'number' ? `${what} must be at most ${String(issue.maximum)}.` : `${what} is too long (at most ${String(issue.maximum)} characters).`
  return plainMessage(what, issue.message)
}

/** A contract's "expected …" message as a sentence about the field. */
function plainMessage(what: string, message: string): string {
  if (/^expected an absolute path$/.test(message)) return `${what} must be a full path, starting with /.`
  if (/^expected 1-64 characters/.test(message)) return `${what}: use 1 to 64 letters, digits, _ . or - (not starting with . _ or -).`
  if (/^expected an http\(s\) URL$/.test(message)) return 'Enter an http:// or https:// address, for example http://127.0.0.1:4096.'
  if (/^Invalid input: expected string, received undefined$/i.test(message)) return `${what} is required.`
  if (/^Invalid input: expected int, received number$/i.test(message)) return `${what} must be a whole number.`
  if (/^expected /.test(message)) return `${what}: ${message}.`.replace(/\.\.$/, '.')
  return `${what}: ${message}`
}

/** "http://h:99999" names a port no URL can have: say so, rather than "expected an http(s) URL". */
function portProblem(url: string): string | undefined {
  const match = /^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):([^/?#]*)/i.exec(url.trim())
  if (!match) return undefined
  const port = match[1]!
  if (!/^\d+$/.test(port)) return `The port “${port}” is not a number: use one from 1 to 65535.`
  const n = Number(port)
  return n < 1 || n > 65535 ? `The port ${port} does not exist: use one from 1 to 65535.` : undefined
}

/**
 * An engine's refusal as the form shows it: on its field in plain words when it names one
 * ("servers.add: spec.directory: the directory /x does not exist"), else the message itself.
 */
export function formError(message: string, kind: ServerKind): { field?: string; text: string } {
  const field = fieldOfError(message, kind)
  const rest = message.replace(/^servers\.add: (?:spec\.)?[\w.]+: /, '').replace(/^servers\.add: /, '')
  if (!field) {
    const exists = /^expected a new server id, got "([^"]*)" which exists$/.exec(rest)
    if (exists) return { field: 'id', text: `The id “${exists[1]}” is taken by another server: choose another name or id.` }
    return { text: rest }
  }
  return { field, text: plainMessage(label(kind, field), rest).replace(new RegExp(`^${escapeRegExp(label(kind, field))}: `), '') }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

