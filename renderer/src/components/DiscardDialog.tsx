import { useState } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { Dialog } from './Dialog'

interface Props {
  task: TaskView
  onConfirm: () => Promise<void>
  onClose: () => void
}

/**
 * Asks before a result is thrown away, naming the branch that goes. Cancel has the focus, so the
 * key that opened it, pressed once too often, discards nothing.
 */
export function DiscardDialog({ task, onConfirm, onClose }: Props) {
  const [discarding, setDiscarding] = useState(false)
  const result = task.result
  const branch = result?.branch ?? 'its branch'
  const landed = result?.land?.status === 'landed'

  async function confirm(): Promise<void> {
    setDiscarding(true)
    try {
      await onConfirm()
    } finally {
      setDiscarding(false)
    }
  }

  return (
    <Dialog label={`Discard the result of task ${task.id}?`} onClose={onClose} className="confirm">
      <h2>Discard the result of task {task.id}?</h2>
      <p>This deletes:</p>
      <ul className="consequences">
        <li>
          the branch <code>{branch}</code>
          {task.workspace ? (
            <>
              {' '}
              in <code>{task.workspace.repo}</code>
            </>
          ) : null}
          {result?.headSha && !landed ? ' and the commit on it, which is nowhere else' : ''}
        </li>
        {result?.worktree && (
          <li>
            its worktree <code>{result.worktree}</code>
            {result.worktreeHost ? (
              <>
                {' '}
                on <code>{result.worktreeHost}</code>
              </>
            ) : null}
          </li>
        )}
      </ul>
      {landed && <p className="hint">It was landed into {result?.land?.into ?? 'its target'}: what landed stays there.</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} data-autofocus disabled={discarding}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void confirm()} disabled={discarding}>
          {discarding ? 'Discarding…' : `Delete ${branch}`}
        </button>
      </div>
    </Dialog>
  )
}
