import type { KeyboardEvent } from 'react'

export type ViewName = 'terminals' | 'tasks'

const VIEWS: Array<{ name: ViewName; label: string }> = [
  { name: 'terminals', label: 'Terminals' },
  { name: 'tasks', label: 'Tasks' },
]

/** Terminals | Tasks, as ARIA tabs (arrow keys move between them; Alt+V toggles from anywhere). */
export function ViewTabs({ view, onChange }: { view: ViewName; onChange: (view: ViewName) => void }) {
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return
    event.preventDefault()
    const index = VIEWS.findIndex((v) => v.name === view)
    const next = VIEWS[(index + (event.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length]
    onChange(next.name)
    document.getElementById(`tab-${next.name}`)?.focus()
  }
  return (
    <div role="tablist" aria-label="Views" className="tabs" onKeyDown={onKeyDown}>
      {VIEWS.map((v) => (
        <button
          key={v.name}
          type="button"
          role="tab"
          id={`tab-${v.name}`}
          aria-selected={view === v.name}
          aria-controls={`panel-${v.name}`}
          tabIndex={view === v.name ? 0 : -1}
          onClick={() => onChange(v.name)}
        >
          {v.label}
        </button>
      ))}
    </div>
  )
}
