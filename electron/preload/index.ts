import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { MethodName } from '../../core/contract/api'

// Exposes a call function and a push subscription, nothing else: no raw ipcRenderer, no
// environment. Channel names are repeated here because the preload may import only electron
// and core/contract (electron/main/ipcBinding.ts holds the same two names).
contextBridge.exposeInMainWorld('flotilla', {
  call: (method: MethodName, params: unknown) => ipcRenderer.invoke('flotilla:call', method, params),
  onPush: (handler: (message: unknown) => void) => {
    const listener = (_event: IpcRendererEvent, message: unknown) => handler(message)
    ipcRenderer.on('flotilla:push', listener)
    return () => ipcRenderer.removeListener('flotilla:push', listener)
  },
})
