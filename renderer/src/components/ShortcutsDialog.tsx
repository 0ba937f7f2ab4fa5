import { alternativeKeys, BINDINGS, INBOX_KEYS, platformKeys, terminalKeys } from '../../../core/view/keymap'
import { PLATFORM } from '../keyContext'
import { RESULT_KEYS, TASK_LIST_KEYS } from '../results/resultKeys'
import { Dialog } from './Dialog'
import { ROW_KEYS } from './ServerList'

/** The key map, generated from keymap.ts so the help never drifts from the keys. */
export function ShortcutsDialog({ onClose, platform = PLATFORM }: { onClose: () => void; platform?: 'mac' | 'other' }) {
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
                <kbd>{platformKeys(b.keys, platform)}</kbd>
                {alternativeKeys(b.keys, platform) && <span className="alt-keys">{alternativeKeys(b.keys, platform)}</span>}
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
      <h3>In the server list (a row focused)</h3>
      <table className="keys">
        <tbody>
          <tr>
            <th scope="row">
              <kbd>↑ ↓ Home End PgUp PgDn</kbd>
            </th>
            <td>move between servers</td>
          </tr>
          {ROW_KEYS.map((k) => (
            <tr key={k.key}>
              <th scope="row">
                <kbd>{k.key}</kbd>
              </th>
              <td>{k.label}</td>
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
      <p className="hint">
        The shortcuts work from the prompt and every field too.{' '}
        {platform === 'mac'
          ? 'On macOS Option types characters in a text field (Option+Z is Ω), so there the Alt shortcuts are Ctrl+Option; elsewhere plain Option works as well.'
          : 'AltGr types its characters and is never a shortcut; where a window manager takes an Alt chord, Ctrl+Alt does the same.'}
      </p>
      <p className="hint">
        In a pane’s search: Enter finds the next match, Shift+Enter the previous, Escape closes. Escape in the prompt leaves it. In a shell or TUI pane every key goes to the
        program except these, which stay Flotilla’s so a shell never swallows a key that opens a Flotilla surface: {terminalKeys(platform).join(', ')}.
      </p>
    </Dialog>
  )
}
