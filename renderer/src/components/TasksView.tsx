import { useImperativeHandle, useMemo, useRef, useState, type KeyboardEvent, type Ref } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { formatCost, formatTokens, taskDuration, taskLabel } from '../format'
import { useBatchConflicts } from '../results/batchConflicts'
import { compareGroupOf } from '../results/compareGroups'
import { followedBy, followUpOf, resultBadge, type ResultAction } from '../results/resultFacts'
import { RESULT_KEYS } from '../results/resultKeys'
import { useFleet, useNow, useServices } from '../state/hooks'
import type { PaletteCommand } from './CommandPalette'
import { CompareView, type CompareHandle } from './CompareView'
import { TaskDetail } from './TaskDetail'
import type { ResultHandle } from './TaskResult'

export interface TasksHandle {
  /** Focus the selected task's row (else the first): the way into the list by keyboard. */
  focus(): void
  /** The selected result's actions, for the command palette (none when nothing is selected). */
  resultCommands(): PaletteCommand[]
  /** Runs a result action on the selected task (a key, the palette or a native menu); false when it is not available. */
  runResult(action: ResultAction): boolean
}

/** Rows drawn at once: the table re-renders every second (durations), so it stays small. */
const MAX_ROWS = 500

/** Every task (newest first) and the selected one's answer, result and actions. */
export function TasksView({
  onOpenOutput,
  onFollowedUp,
  onOpenTerminal,
  handle,
}: {
  onOpenOutput: (taskId: string) => void
  onFollowedUp?: (task: TaskView) => void
  onOpenTerminal?: (kind: 'shell' | 'tui', task: TaskView) => void
  handle?: Ref<TasksHandle>
}) {
  const { store } = useServices()
  const tasks = useFleet((s) => s.tasks)
  const servers = useFleet((s) => s.servers)
  const now = useNow(1_000)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const selected = tasks.find((t) => t.id === selectedId) ?? null
  // The selected task's attempts at the same prompt (a broadcast, a --best-of), and whether they are shown side by side.
  const group = useMemo(() => (selected ? compareGroupOf(selected, tasks) : []), [selected, tasks])
  const [comparing, setComparing] = useState(false)
  const showCompare = comparing && group.length >= 2
  const serverName = (id: string | undefined) => (id ? (servers.find((s) => s.id === id)?.name ?? id) : '—')
  const root = useRef<HTMLDivElement>(null)
  const result = useRef<ResultHandle>(null)
  const compare = useRef<CompareHandle>(null)
  // A landing anywhere may move another result's target: every open merge check is asked again.
  const refreshKey = useMemo(() => tasks.map((t) => t.result?.land?.commit ?? '').join(','), [tasks])
  const conflicts = useBatchConflicts(tasks)
  const byId = useMemo(() => new Map(tasks.map((t) => [t.id, t])), [tasks])
  const conflictsOf = (id: string) => (conflicts.get(id) ?? []).flatMap((c) => {
    const other = byId.get(c.otherId)
    return other ? [{ other, files: c.files }] : []
  })

  const focusRow = (id: string | null) => {
    const rows = [...(root.current?.querySelectorAll<HTMLButtonElement>('button.task-select') ?? [])]
    ;(rows.find((b) => b.dataset.taskId === id) ?? rows[0])?.focus()
  }

  function keep(task: TaskView): void {
    setSelectedId(null)
    store.notify('info', `Kept ${task.result?.branch ?? 'the branch'}: it stays in the repository, unchanged. Land or discard it later from its task.`)
    setTimeout(() => focusRow(task.id), 0)
  }

  useImperativeHandle(handle, () => ({
    focus: () => focusRow(selectedId),
    resultCommands: () => {
      const task = selected
      const available = result.current?.available()
      if (!task || !available) return []
      return RESULT_KEYS.filter((k) => available[k.action] === true).map((k) => ({
        id: `result.${k.action}`,
        label: `${k.label}: ${task.result?.branch ?? taskLabel(task, 40)}`,
        keys: k.keys,
        run: () => void result.current?.run(k.action),
      }))
    },
    // The result keys come through App's key map (data-result-keys below marks where they work).
    runResult: (action) => (showCompare ? action === 'land' && Boolean(compare.current?.landFocused()) : Boolean(result.current?.run(action))),
  }))

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
    <div className={`tasks-view${selected ? ' has-detail' : ''}`} ref={root} data-result-keys>
      <div className="tasks-table-wrap">
        {tasks.length === 0 ? (
          <p className="empty">No tasks yet.</p>
        ) : (
          <table aria-label="Tasks" className="tasks-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">State</th>
                <th scope="col">Result</th>
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
                    <button type="button" className="task-select" data-task-id={task.id} onClick={() => setSelectedId(task.id)} title={task.prompt.slice(0, 500)}>
                      {taskLabel(task)}
                    </button>
                    <span className="task-id">{task.id}</span>
                    {followUpOf(task) && <span className="task-follows">follow-up of {followUpOf(task)}</span>}
                  </th>
                  <td>
                    <span className={`task-state task-${task.state}`}>{task.state}</span>
                  </td>
                  <td>
                    <ResultBadge task={task} />
                    <ConflictMarker conflicts={task.result?.land?.status === 'landed' ? [] : conflictsOf(task.id)} />
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
      {selected && showCompare ? (
        <CompareView
          handle={compare}
          members={group}
          serverName={serverName}
          onClose={() => setComparing(false)}
          onView={(id) => {
            setComparing(false)
            setSelectedId(id)
          }}
        />
      ) : selected ? (
        <div className="task-detail-wrap">
        {group.length >= 2 && (
          <button type="button" className="compare-open" onClick={() => setComparing(true)}>
            Compare the {group.length} attempts at this prompt
          </button>
        )}
        <TaskDetail
          task={selected}
          serverName={serverName(selected.serverId)}
          onOpenOutput={onOpenOutput}
          onRetried={(t) => setSelectedId(t.id)}
          refreshKey={refreshKey}
          onKeep={keep}
          resultHandle={result}
          previous={followUpOf(selected) ? byId.get(followUpOf(selected)!) : undefined}
          followedBy={followedBy(selected, tasks)}
          conflicts={conflictsOf(selected.id)}
          onSelect={(id) => setSelectedId(id)}
          onOpenTerminal={onOpenTerminal}
          onFollowedUp={(created) => {
            setSelectedId(created.id)
            onFollowedUp?.(created)
          }}
        />
        </div>
      ) : (
        tasks.length > 0 && <p className="empty task-detail">Select a task to see its answer and changed files.</p>
      )}
    </div>
  )
}

function ResultBadge({ task }: { task: TaskView }) {
  const badge = resultBadge(task)
  return badge ? <span className={`result-badge tone-${badge.tone}`}>{badge.text}</span> : <span className="hint">—</span>
}

/** The tasks table's mark for a result that would conflict with another of its submit if both were landed. */
function ConflictMarker({ conflicts }: { conflicts: ReadonlyArray<{ other: TaskView; files: string[] }> }) {
  if (conflicts.length === 0) return null
  const names = conflicts.map((c) => c.other.id).join(', ')
  return (
    <span className="conflict-marker" title={conflicts.map((c) => `Would conflict with ${c.other.id} in ${c.files.join(', ')}`).join('\n')}>
      ⚠ conflicts with {names}
    </span>
  )
}
