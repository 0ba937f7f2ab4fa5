import { createRoot } from 'react-dom/client'
import { StrategyName } from '../../core/contract/tasks'

// Placeholder until the UI work: proves the renderer builds against the shared contract.
function App() {
  return (
    <main>
      <h1>Flotilla</h1>
      <p>Strategies: {StrategyName.options.join(', ')}</p>
    </main>
  )
}

createRoot(document.getElementById('root')!).render(<App />)
