import { useState, type KeyboardEvent } from 'react'
import { formatCost, formatTokens, taskDuration, taskLabel } from '../format'
import { useFleet, useNow } from '../state/hooks'
import { TaskDetail } from './TaskDetail'

/** Rows drawn at once: the table re-renders every second (durations), so it stays small. */
const MAX_ROWS = 500

/** Every task (newest first) and the selected one's answer, files and actions. */
export function TasksView({ onOpenOutput }: { onOpenOutput: (taskId: string) => void }) {
  const tasks = useFleet((s) => s.tasks)
  const servers = useFleet((s) => s.servers)
  const now = useNow(1_000)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const selected = tasks.find((t) => t.id === selectedId) ?? null
  const serverName = (id: string | undefined) => (id ? (servers.find((s) => s.id === id)?.name ?? id) : '—')

  function onKeyDown(event: KeyboardEvent<HTMLTableSectionElement>): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.task-select')]
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement)
    const next = buttons[index + (event.key === 'ArrowDown' ? 1 : -1)]
    if (next) {
      event.preventDefault()
      next.focus()
      next.click()
    }
  }

  return (
    <div className="tasks-view">
      <div className="tasks-table-wrap">
        {tasks.length === 0 ? (
          <p className="empty">No tasks yet.</p>
        ) : (
          <table aria-label="Tasks" className="tasks-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">State</th>
                <th scope="col">Server</th>
                <th scope="col">Attempts</th>
                <th scope="col">Duration</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody onKeyDown={onKeyDown}>
              {tasks.slice(0, MAX_ROWS).map((task) => (
                <tr key={task.id} aria-current={task.id === selectedId || undefined} className={task.id === selectedId ? 'selected' : undefined}>
                  <th scope="row">
                    <button type="button" className="task-select" onClick={() => setSelectedId(task.id)} title={task.prompt.slice(0, 500)}>
                      {taskLabel(task)}
                    </button>
                    <span className="task-id">{task.id}</span>
                  </th>
                  <td>
                    <span className={`task-state task-${task.state}`}>{task.state}</span>
                  </td>
                  <td>{serverName(task.serverId)}</td>
                  <td>
                    {task.attempts.length}/{task.maxAttempts}
                  </td>
                  <td>{taskDuration(task, now)}</td>
                  <td>{formatTokens(task.result?.tokens)}</td>
                  <td>{formatCost(task.result?.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {tasks.length > MAX_ROWS && <p className="hint">Showing the newest {MAX_ROWS} of {tasks.length} tasks.</p>}
      </div>
      {selected ? (
        <TaskDetail task={selected} serverName={serverName(selected.serverId)} onOpenOutput={onOpenOutput} onRetried={(t) => setSelectedId(t.id)} />
      ) : (
        tasks.length > 0 && <p className="empty task-detail">Select a task to see its answer and changed files.</p>
      )}
    </div>
  )
}
