import { join } from 'node:path'
import { app, BrowserWindow, ipcMain, Menu, safeStorage, shell } from 'electron'
import ElectronStore from 'electron-store'
import type { Settings } from '../../core/contract/settings'
import { createDispatcher } from '../../core/host/dispatcher'
import { Engine } from '../../core/host/engine'
import { flotillaHome } from '../../core/store/paths'
import { SecretStore } from '../../core/store/secretStore'
import { bindDispatcher, isTrustedFrame, PUSH_CHANNEL } from './ipcBinding'
import { menuTemplate } from './menu'
import { CONTENT_SECURITY_POLICY, secureWindowOptions } from './windowOptions'

// The main process's composition root: one engine, one window, the dispatcher on one IPC channel.
const RENDERER_FILE = join(__dirname, '../renderer/index.html')

async function main(): Promise<void> {
  await app.whenReady()
  const home = flotillaHome()
  const engine = await Engine.create({
    settingsDir: home.config,
    // electron-store is conf underneath: the app, the CLI and `flotilla serve` share one file.
    settingsBackend: ({ cwd, name, fileMode }) => new ElectronStore<Settings>({ cwd, name, clearInvalidConfig: false, configFileMode: fileMode }),
    journalPath: join(home.state, 'tasks.jsonl'),
    restoreTasks: true,
    // The folder the app was started in (`npm start` in a repository): the prompt bar's tasks get worktrees of its repository.
    projectDir: process.cwd() === '/' ? undefined : process.cwd(),
    secrets: new SecretStore(join(home.config, 'secrets.json'), {
      available: () => safeStorage.isEncryptionAvailable(),
      encrypt: (plain) => safeStorage.encryptString(plain),
      decrypt: (data) => safeStorage.decryptString(data),
    }),
  })
  const window = new BrowserWindow(secureWindowOptions(join(__dirname, '../preload/index.js')))
  const push = (event: string, payload: unknown) => {
    if (!window.isDestroyed()) window.webContents.send(PUSH_CHANNEL, { event, payload })
  }
  const dispatcher = createDispatcher(engine, push)
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate((command) => push('ui.command', command))))
  bindDispatcher(ipcMain, dispatcher, (event) =>
    isTrustedFrame(event.senderFrame?.url, { rendererFile: RENDERER_FILE, devServerUrl: process.env.ELECTRON_RENDERER_URL }),
  )
  window.webContents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event) => event.preventDefault())
  window.once('ready-to-show', () => window.show())
  if (process.env.ELECTRON_RENDERER_URL) await window.loadURL(process.env.ELECTRON_RENDERER_URL)
  else await window.loadFile(RENDERER_FILE)
  await engine.loadSavedServers(true)

  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting) return
    // Stop every server this app started before the process goes.
    event.preventDefault()
    quitting = true
    dispatcher.dispose()
    void engine.close().finally(() => app.quit())
  })
}

app.on('window-all-closed', () => app.quit())
void main()
