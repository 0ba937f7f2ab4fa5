import { useId, useMemo, useState } from 'react'
import { Dialog } from './Dialog'

export interface PaletteCommand {
  id: string
  label: string
  keys?: string
  run: () => void
}

/** Ctrl+K: every command by name; type to filter, arrows to choose, Enter to run. */
export function CommandPalette({ commands, onClose }: { commands: PaletteCommand[]; onClose: () => void }) {
  const listId = useId()
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const matches = useMemo(() => filterCommands(commands, query), [commands, query])
  const index = Math.min(active, Math.max(0, matches.length - 1))

  function run(command: PaletteCommand | undefined): void {
    if (!command) return
    onClose()
    // After the dialog has given focus back, so a command may move it elsewhere.
    setTimeout(command.run, 0)
  }

  return (
    <Dialog label="Command palette" onClose={onClose} className="palette">
      <input
        role="combobox"
        aria-label="Command"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={matches[index] ? `${listId}-${index}` : undefined}
        aria-autocomplete="list"
        placeholder="Type a command…"
        value={query}
        data-autofocus
        onChange={(e) => {
          setQuery(e.target.value)
          setActive(0)
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault()
            const n = matches.length
            if (n) setActive((index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n)
          } else if (e.key === 'Enter') {
            e.preventDefault()
            run(matches[index])
          }
        }}
      />
      <ul role="listbox" id={listId} aria-label="Commands" className="palette-list">
        {matches.map((command, i) => (
          <li
            key={command.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === index}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => run(command)}
            onMouseMove={() => setActive(i)}
          >
            <span>{command.label}</span>
            {command.keys && <kbd>{command.keys}</kbd>}
          </li>
        ))}
        {matches.length === 0 && <li className="empty">No command matches.</li>}
      </ul>
    </Dialog>
  )
}

/** Commands whose label contains every word of the query, in any order. */
export function filterCommands<T extends { label: string }>(commands: T[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  return commands.filter((c) => words.every((w) => c.label.toLowerCase().includes(w)))
}
