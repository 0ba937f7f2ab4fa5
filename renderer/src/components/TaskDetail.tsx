import { useState, type Ref } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { isFinal, taskLabel } from '../format'
import { useServices } from '../state/hooks'
import { Markdown } from './Markdown'
import { TaskResult, type ResultHandle } from './TaskResult'

interface Props {
  task: TaskView
  serverName: string
  onOpenOutput: (taskId: string) => void
  onRetried: (task: TaskView) => void
  /** Changes when any result lands: the merge check is asked again. */
  refreshKey: string
  onKeep: (task: TaskView) => void
  resultHandle?: Ref<ResultHandle>
  /** The task this one follows up on, when it is one. */
  previous?: TaskView
  followedBy?: TaskView
  conflicts?: ReadonlyArray<{ other: TaskView; files: string[] }>
  onSelect?: (taskId: string) => void
  onFollowedUp?: (task: TaskView) => void
  /** A shell, or the TUI of its server, in the task's kept worktree. */
  onOpenTerminal?: (kind: 'shell' | 'tui', task: TaskView) => void
}

/** One task: its prompt, final answer (markdown), its result (branch, diff, land); cancel, retry, open its output. */
export function TaskDetail({ task, serverName, onOpenOutput, onRetried, refreshKey, onKeep, resultHandle, previous, followedBy, conflicts, onSelect, onFollowedUp, onOpenTerminal }: Props) {
  const continues = task.workspace?.continues
  const { api, store } = useServices()
  const [pending, setPending] = useState(false)
  const final = isFinal(task)

  async function act(action: 'tasks.cancel' | 'tasks.retry'): Promise<void> {
    setPending(true)
    try {
      const result = await api[action]({ id: task.id })
      store.apply('task.updated', result)
      if (action === 'tasks.retry') onRetried(result)
    } catch (error) {
      store.notify('error', `Could not ${action === 'tasks.cancel' ? 'cancel' : 'retry'} task ${task.id}: ${errorMessage(error)}`)
    } finally {
      setPending(false)
    }
  }

  return (
    <section aria-label={`Task ${task.id}`} className="task-detail">
      <header className="task-detail-head">
        <h3>Task {task.id}</h3>
        <span className={`task-state task-${task.state}`}>{task.state}</span>
        <span className="hint">on {serverName}</span>
        <span className="task-actions">
          <button type="button" onClick={() => onOpenOutput(task.id)}>
            Output
          </button>
          <button type="button" onClick={() => act('tasks.cancel')} disabled={pending || final}>
            Cancel
          </button>
          <button type="button" onClick={() => act('tasks.retry')} disabled={pending || !final}>
            Retry
          </button>
        </span>
      </header>
      {continues && (
        <p className="follow-up-of">
          Follow-up of task{' '}
          {previous && onSelect ? (
            <button type="button" className="link" onClick={() => onSelect(previous.id)} title="Show that task">
              {continues.taskId} “{taskLabel(previous, 50)}”
            </button>
          ) : (
            continues.taskId
          )}
          {' '}on <code>{continues.branch}</code>, {continues.sessionId ? 'in its session' : 'in a new session (the conversation did not carry over)'}
        </p>
      )}
      <h4>Prompt</h4>
      <pre className="prompt-text">{task.prompt}</pre>
      {task.error && (
        <>
          <h4>Error</h4>
          <p className="last-error">{task.error}</p>
        </>
      )}
      <h4>Answer</h4>
      {task.result?.text ? <Markdown source={task.result.text} /> : <p className="empty">{final ? 'No answer.' : 'Not finished yet.'}</p>}
      <TaskResult key={task.id} task={task} refreshKey={refreshKey} onKeep={onKeep} handle={resultHandle} followedBy={followedBy} conflicts={conflicts} onFollowedUp={onFollowedUp} onOpenTerminal={onOpenTerminal} />
    </section>
  )
}
