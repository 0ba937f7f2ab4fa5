import { join } from 'node:path'
import { app, BrowserWindow, shell } from 'electron'
import { CONTENT_SECURITY_POLICY, secureWindowOptions } from './windowOptions'

// Composition root of the main process. The engine and IPC binding arrive with the UI work;
// for now the window is created with its final security settings.
function createWindow(): void {
  const window = new BrowserWindow(secureWindowOptions(join(__dirname, '../preload/index.js')))
  window.webContents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event) => event.preventDefault())
  window.once('ready-to-show', () => window.show())
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void window.loadFile(join(__dirname, '../renderer/index.html'))
}

void app.whenReady().then(createWindow)
app.on('window-all-closed', () => app.quit())
