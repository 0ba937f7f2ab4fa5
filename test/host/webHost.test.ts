import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Engine } from '../../core/host/engine'
import { startWebHost, type WebHost } from '../../core/host/web/webHost'
import { waitFor } from '../support/waitFor'

let engine: Engine
let host: WebHost
let staticDir: string

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'flotilla-static-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Flotilla test page</title>')
  engine = await Engine.create({})
  host = await startWebHost({ engine, staticDir, port: 0 })
})
afterAll(async () => {
  await host?.close()
  await engine?.close()
  rmSync(staticDir, { recursive: true, force: true })
})

async function login(): Promise<string> {
  const res = await fetch(host.loginUrl(), { redirect: 'manual' })
  expect(res.status).toBe(302)
  const cookie = res.headers.get('set-cookie')!
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/SameSite=Strict/)
  return cookie.split(';')[0]!
}

function connect(headers: Record<string, string>): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}/ws`, { headers })
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }))
    ws.once('error', () => resolve({}))
  })
}

describe('browser host: access', () => {
  it('binds 127.0.0.1 and serves nothing without a session', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(`${host.url}/`)
    expect(res.status).toBe(401)
    expect(await res.text()).not.toContain('Flotilla test page')
  })

  it('a login link works once; its cookie then opens the page, with a strict CSP', async () => {
    const link = host.loginUrl()
    const first = await fetch(link, { redirect: 'manual' })
    expect(first.status).toBe(302)
    const again = await fetch(link, { redirect: 'manual' })
    expect(again.status).toBe(401)
    expect((await fetch(`${host.url}/?token=made-up`, { redirect: 'manual' })).status).toBe(401)
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!
    const page = await fetch(`${host.url}/`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Flotilla test page')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it('never serves files outside its folder', async () => {
    const cookie = await login()
    for (const path of ['/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%00', '/nope.js']) {
      const res = await fetch(`${host.url}${path}`, { headers: { cookie } })
      expect(res.status, path).toBe(404)
    }
  })

  it('refuses a WebSocket without the session (401), and one from another origin', async () => {
    expect(await connect({})).toEqual({ status: 401 })
    expect(await connect({ origin: host.url })).toEqual({ status: 401 })
    const cookie = await login()
    expect(await connect({ cookie, origin: 'http://evil.example' })).toEqual({ status: 401 })
    expect(await connect({ cookie })).toEqual({ status: 401 }) // no Origin at all
    expect(host.clients()).toBe(0)
  })
})

describe('browser host: the API over the WebSocket', () => {
  it('carries requests, errors and pushes in the contract envelope', async () => {
    const cookie = await login()
    const { ws } = await connect({ cookie, origin: host.url })
    expect(ws).toBeDefined()
    const inbox: Array<Record<string, unknown>> = []
    ws!.on('message', (data) => inbox.push(JSON.parse(String(data)) as Record<string, unknown>))
    const next = (predicate: (m: Record<string, unknown>) => boolean) => waitFor(`a message ${String(predicate)}`, () => inbox.find(predicate), { timeoutMs: 5_000, intervalMs: 10 })
    ws!.send(JSON.stringify({ id: 1, method: 'servers.list', params: {} }))
    expect(await next((m) => m.id === 1)).toEqual({ id: 1, result: [] })
    ws!.send('{not json')
    expect(await next((m) => m.id === null)).toMatchObject({ error: { code: 'bad_request' } })
    ws!.send(JSON.stringify({ id: 2, method: 'servers.add', params: { spec: { kind: 'url', id: 'x', name: 'x', baseUrl: 'ftp://nope' } } }))
    expect(await next((m) => m.id === 2)).toMatchObject({ error: { code: 'bad_request', message: expect.stringContaining('spec.baseUrl') } })
    ws!.send(JSON.stringify({ id: 3, method: 'servers.add', params: { spec: { kind: 'url', id: 'x', name: 'x', baseUrl: 'http://127.0.0.1:9' }, start: false, persist: false } }))
    expect(await next((m) => m.id === 3)).toMatchObject({ result: { id: 'x', state: 'stopped' } })
    expect(await next((m) => m.event === 'server.updated')).toMatchObject({ payload: { id: 'x' } })
    ws!.close()
  })
})
