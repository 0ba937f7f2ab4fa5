import { describe, expect, it } from 'vitest'
import { bindDispatcher, CALL_CHANNEL, isTrustedFrame, type IpcInvokeEvent } from '../../electron/main/ipcBinding'
import { CONTENT_SECURITY_POLICY, secureWindowOptions } from '../../electron/main/windowOptions'

// The Electron binary is not available on these machines: the main process's decisions live in
// small modules that take Electron's objects as interfaces, and are tested here with stand-ins.

describe('window', () => {
  it('is sandboxed, context-isolated, without Node in the renderer', () => {
    const prefs = secureWindowOptions('/app/preload.js').webPreferences!
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/app/preload.js' })
  })

  it('has a strict CSP: scripts only from the app, no objects, no framing', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]))
    expect(directives['script-src']).toEqual(["'self'"])
    expect(directives['default-src']).toEqual(["'self'"])
    expect(directives['object-src']).toEqual(["'none'"])
    expect(directives['frame-ancestors']).toEqual(["'none'"])
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/)
  })
})

describe('IPC binding', () => {
  const RENDERER = '/opt/Flotilla/resources/app.asar/out/renderer/index.html'
  const trusted = (event: IpcInvokeEvent) => isTrustedFrame(event.senderFrame?.url, { rendererFile: RENDERER })

  function harness() {
    const calls: Array<[string, unknown]> = []
    let handler: ((event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>) | undefined
    const ipcMain = {
      handle: (channel: string, listener: typeof handler) => {
        expect(channel).toBe(CALL_CHANNEL)
        handler = listener
      },
      removeHandler: () => (handler = undefined),
    }
    const dispatcher = {
      call: async (method: string, params: unknown) => {
        calls.push([method, params])
        return { id: 0, result: 'ok' }
      },
    }
    const unbind = bindDispatcher(ipcMain, dispatcher, trusted)
    return { calls, invoke: (url: string | null, ...args: unknown[]) => handler!({ senderFrame: url === null ? null : { url } }, ...args), unbind, bound: () => handler !== undefined }
  }

  it('passes calls from the app page to the dispatcher', async () => {
    const h = harness()
    expect(await h.invoke(`file://${RENDERER}`, 'servers.list', {})).toEqual({ id: 0, result: 'ok' })
    expect(h.calls).toEqual([['servers.list', {}]])
  })

  it.each([
    ['another file', 'file:///tmp/evil.html'],
    ['a web page', 'https://evil.example/'],
    ['a dev-server look-alike', 'http://localhost:5173/'],
    ['a malformed url', 'not a url'],
    ['no frame', null],
  ])('refuses a forged sender (%s) without touching the engine', async (_what, url) => {
    const h = harness()
    const answer = (await h.invoke(url, 'servers.remove', { id: 'a' })) as { error?: { message: string } }
    expect(answer.error?.message).toMatch(/untrusted frame/)
    expect(h.calls).toEqual([])
  })

  it('accepts the dev server only when one is configured', () => {
    expect(isTrustedFrame('http://localhost:5173/', { rendererFile: RENDERER, devServerUrl: 'http://localhost:5173' })).toBe(true)
    expect(isTrustedFrame('http://localhost:5174/', { rendererFile: RENDERER, devServerUrl: 'http://localhost:5173' })).toBe(false)
  })

  it('rejects a non-string method before the dispatcher sees it, and unbinds', async () => {
    const h = harness()
    expect(await h.invoke(`file://${RENDERER}`, { evil: true }, {})).toMatchObject({ error: { code: 'bad_request' } })
    expect(h.calls).toEqual([])
    h.unbind()
    expect(h.bound()).toBe(false)
  })
})
