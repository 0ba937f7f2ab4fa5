import { BINDINGS, INBOX_KEYS } from '../../../core/view/keymap'
import { RESULT_KEYS, TASK_LIST_KEYS } from '../results/resultKeys'
import { Dialog } from './Dialog'

/** The key map, generated from keymap.ts so the help never drifts from the keys. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog label="Keyboard shortcuts" onClose={onClose} className="shortcuts">
      <header className="dialog-head">
        <h2>Keyboard shortcuts</h2>
        <button type="button" onClick={onClose} data-autofocus>
          Close
        </button>
      </header>
      <table className="keys">
        <tbody>
          {BINDINGS.filter((b) => !b.id.startsWith('result.')).map((b) => (
            <tr key={b.id}>
              <th scope="row">
                <kbd>{b.keys}</kbd>
              </th>
              <td>{b.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>In the attention inbox (a request focused)</h3>
      <table className="keys">
        <tbody>
          {INBOX_KEYS.map((k) => (
            <tr key={k.keys}>
              <th scope="row">
                <kbd>{k.keys}</kbd>
              </th>
              <td>{k.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>In the tasks view</h3>
      <table className="keys">
        <tbody>
          {[...TASK_LIST_KEYS, ...RESULT_KEYS].map((k) => (
            <tr key={k.keys}>
              <th scope="row">
                <kbd>{k.keys}</kbd>
              </th>
              <td>{k.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">In a pane’s search: Enter finds the next match, Shift+Enter the previous, Escape closes. Escape in the prompt leaves it. In a shell or TUI pane every key goes to the program except the pane keys (Ctrl+Alt+arrows, Alt+[ / ], Alt+1 … 9, Alt+Z, Alt+Shift+[ / ]) and Ctrl+Shift+P, which opens the palette: the way out by keyboard.</p>
    </Dialog>
  )
}
