// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { createApiClient } from '../../renderer/src/api/client'
import { createIpcTransport, isFlotillaBridge } from '../../renderer/src/api/ipcTransport'

function fakeBridge(answer: (method: string, params: unknown) => unknown) {
  let push: (message: unknown) => void = () => {}
  return {
    bridge: {
      call: async (method: string, params: unknown) => answer(method, params),
      onPush: (handler: (message: unknown) => void) => ((push = handler), () => (push = () => {})),
    },
    push: (message: unknown) => push(message),
  }
}

describe('Electron IPC transport', () => {
  it('recognises the preload bridge and nothing else', () => {
    expect(isFlotillaBridge(fakeBridge(() => null).bridge)).toBe(true)
    expect(isFlotillaBridge(undefined)).toBe(false)
    expect(isFlotillaBridge({ call: () => {} })).toBe(false)
  })

  it('answers each call with the main process envelope, under our request id', async () => {
    const { bridge } = fakeBridge((method) =>
      method === 'scheduler.get' ? { id: 0, result: { strategy: 'random' } } : { id: 0, error: { code: 'not_found', message: 'expected a known server id, got "x"' } },
    )
    const client = createApiClient(createIpcTransport(bridge))
    const [a, b] = [client['scheduler.get']({}), client['servers.stop']({ id: 'x' })]
    await expect(a).resolves.toEqual({ strategy: 'random' })
    await expect(b).rejects.toThrow('expected a known server id, got "x"')
    expect(client.status().state).toBe('open')
  })

  it('turns a failed or malformed IPC call into a rejected request', async () => {
    const { bridge } = fakeBridge((method) => {
      if (method === 'tasks.list') throw new Error('ipc broke')
      return 'garbage'
    })
    const client = createApiClient(createIpcTransport(bridge))
    await expect(client['tasks.list']({})).rejects.toThrow('ipc broke')
    await expect(client['servers.list']({})).rejects.toThrow('expected a response envelope')
  })

  it('delivers pushes', () => {
    const { bridge, push } = fakeBridge(() => null)
    const client = createApiClient(createIpcTransport(bridge))
    const seen: string[] = []
    client.on('notice', (n) => seen.push(n.message))
    push({ event: 'notice', payload: { level: 'info', message: 'hi' } })
    expect(seen).toEqual(['hi'])
  })
})
