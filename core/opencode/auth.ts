/** How Flotilla authenticates to one opencode server (HTTP Basic, see OPENCODE_SERVER_PASSWORD). */
export interface ServerAuth {
  username: string
  password: string
}

export const DEFAULT_USERNAME = 'opencode'

export function basicAuthHeader(auth: ServerAuth | undefined): Record<string, string> {
  if (!auth) return {}
  return { authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') }
}

/**
 * Splits credentials out of a URL ("http://user:pw@host:port") so the password never travels
 * in the URL (it would end up in logs and views).
 */
export function splitUrlCredentials(raw: string): { baseUrl: string; auth?: ServerAuth } {
  const url = new URL(raw)
  const username = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  const baseUrl = url.toString().replace(/\/$/, '')
  if (!password) return { baseUrl }
  return { baseUrl, auth: { username: username || DEFAULT_USERNAME, password } }
}
