import { contextBridge, ipcRenderer } from 'electron'
import type { MethodName } from '../../core/contract/api'

// Exposes one typed call function and nothing else: no raw ipcRenderer, no environment.
contextBridge.exposeInMainWorld('flotilla', {
  call: (method: MethodName, params: unknown) => ipcRenderer.invoke('flotilla:call', method, params),
})
