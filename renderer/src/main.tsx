import '@xterm/xterm/css/xterm.css'
import 'react-diff-view/style/index.css'
import '@fontsource/inter/latin-400.css'
import '@fontsource/inter/latin-600.css'
// Terminals and code: latin only, as for Inter (the smaller subsets would be inlined as data: URLs, which the CSP refuses).
import '@fontsource/jetbrains-mono/latin-400.css'
import '@fontsource/jetbrains-mono/latin-700.css'
import './styles/theme.css'
import './styles/layout.css'
import './styles/dashboard.css'
import './styles/grid.css'
import './styles/views.css'
import './styles/results.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createApiClient } from './api/client'
import { createIpcTransport, isFlotillaBridge } from './api/ipcTransport'
import type { Transport } from './api/transport'
import { createWsTransport } from './api/wsTransport'
import { App } from './components/App'
import { ServicesContext, type AppServices } from './state/hooks'
import { createFleetStore } from './state/store'
import { createXtermView } from './terminal/xtermView'

/** In the Electron app the preload exposes `window.flotilla`; in a browser, the WebSocket of `flotilla serve`. */
function pickTransport(): Transport {
  const bridge = (window as unknown as { flotilla?: unknown }).flotilla
  return isFlotillaBridge(bridge) ? createIpcTransport(bridge) : createWsTransport()
}

const api = createApiClient(pickTransport())
const services: AppServices = { api, store: createFleetStore(api), createTerminal: createXtermView }

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesContext.Provider value={services}>
      <App />
    </ServicesContext.Provider>
  </StrictMode>,
)
