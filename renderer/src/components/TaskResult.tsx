import { useImperativeHandle, useRef, useState, type Ref } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { taskLabel } from '../format'
import { refusedLandText, resultActions, resultFacts, shortSha, verifyText, type ResultAction } from '../results/resultFacts'
import { resultKeyOf } from '../results/resultKeys'
import { useTaskDiff } from '../results/useTaskDiff'
import { useServices } from '../state/hooks'
import { DiscardDialog } from './DiscardDialog'
import { FollowUpBox } from './FollowUpBox'
import { ResultDiff } from './ResultDiff'

export interface ResultHandle {
  /** Runs a result action as its button would (discard asks first); false when it is not available now. */
  run(action: ResultAction): boolean
  available(): Record<ResultAction, string | true>
}

interface Props {
  task: TaskView
  /** Changes when any result lands anywhere: the merge check is asked again. */
  refreshKey: string
  /** Keep branch: the detail closes, nothing changes. */
  onKeep: (task: TaskView) => void
  handle?: Ref<ResultHandle>
  /** A later follow-up of this task (not failed): the branch goes on there. */
  followedBy?: TaskView
  /** A follow-up was made (already in the store): the view selects it. */
  onFollowedUp?: (task: TaskView) => void
  /** Results of the same submit this one would conflict with if both were landed. */
  conflicts?: ReadonlyArray<{ other: TaskView; files: string[] }>
  /** A shell, or the TUI of its server, in the kept worktree (a pane in the grid). */
  onOpenTerminal?: (kind: 'shell' | 'tui', task: TaskView) => void
}

const ACTIONS: readonly ResultAction[] = ['land', 'squash', 'followUp', 'discard', 'keep']
const ACTION_LABELS: Record<ResultAction, string> = { land: 'Land', squash: 'Land as one commit', discard: 'Discard…', keep: 'Keep branch', followUp: 'Follow up…' }
const ACTION_HELP: Record<ResultAction, string> = {
  followUp: 'Another prompt on this branch, in the same session',
  land: 'Merge the branch into its target',
  squash: 'Land every change as one commit on the target',
  discard: 'Delete the worktree and the branch (asks first)',
  keep: 'Close the result; the branch stays',
}

/** What a worktree task left: its branch, the diff, whether it merges, verify; land, discard or keep it. */
export function TaskResult({ task, refreshKey, onKeep, handle, followedBy, onFollowedUp, conflicts = [], onOpenTerminal }: Props) {
  const { api, store } = useServices()
  const facts = resultFacts(task)
  const actions = resultActions(task, followedBy)
  const [following, setFollowing] = useState(false)
  const { diff, error: diffError, loading } = useTaskDiff(task, facts.hasDiff, refreshKey)
  const [busy, setBusy] = useState<ResultAction | null>(null)
  /** The engine's own words for the last refused action (a conflict names its files); cleared by the next try. */
  const [actionError, setActionError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState(false)
  const status = useRef<HTMLDivElement>(null)
  const result = task.result

  /** A button that was pressed and is now disabled drops the focus: it goes to what the action said, not to the page. */
  function keepFocus(): void {
    setTimeout(() => {
      const active = document.activeElement
      if (!active || active === document.body || (active instanceof HTMLButtonElement && active.disabled)) status.current?.focus()
    }, 0)
  }

  async function land(squash: boolean): Promise<void> {
    setBusy(squash ? 'squash' : 'land')
    setActionError(null)
    try {
      store.apply('task.updated', await api['tasks.land']({ id: task.id, squash }))
    } catch (error) {
      setActionError(`Could not land: ${errorMessage(error)}`)
    } finally {
      setBusy(null)
      keepFocus()
    }
  }

  async function discard(): Promise<void> {
    setBusy('discard')
    setActionError(null)
    try {
      store.apply('task.updated', await api['tasks.discard']({ id: task.id }))
    } catch (error) {
      setActionError(`Could not discard: ${errorMessage(error)}`)
    } finally {
      setBusy(null)
      setConfirming(false)
      keepFocus()
    }
  }

  function run(action: ResultAction): boolean {
    if (actions[action] !== true || busy) return false
    if (action === 'land' || action === 'squash') void land(action === 'squash')
    else if (action === 'discard') setConfirming(true)
    else if (action === 'followUp') setFollowing(true)
    else onKeep(task)
    return true
  }

  useImperativeHandle(handle, () => ({ run, available: () => actions }))

  if (facts.kind === 'none') {
    return (
      <>
        {task.workspace && !result && (
          <p className="result-note tone-info">
            Works in a worktree of its own ({repoName(task.workspace.repo)}, from {startingPoint(task.workspace)} at {shortSha(task.workspace.baseSha)}): its result will be a branch.
          </p>
        )}
        <PlainFiles task={task} />
      </>
    )
  }
  if (facts.kind === 'shared') {
    return (
      <>
        <Notes notes={facts.notes} />
        <PlainFiles task={task} />
      </>
    )
  }

  const refused = actionError ?? (refusedLandText(task) && `The last landing was refused: ${refusedLandText(task)}`)
  return (
    <section className="task-result" aria-label="Result">
      <div className="result-head">
        <span>
          Branch <code>{facts.branch ?? '—'}</code>
        </span>
        <span title={`${facts.base ?? ''} → ${facts.head ?? ''}`}>
          <code>{shortSha(facts.base)}</code> → <code>{facts.head ? shortSha(facts.head) : 'no commit'}</code>
        </span>
        {task.workspace && (
          <span className="hint" title={task.workspace.repo}>
            in {repoName(task.workspace.repo)}
            {task.workspace.subdir ? `/${task.workspace.subdir}` : ''}, from {startingPoint(task.workspace)}
            {task.workspace.dirtySnapshot ? ' with its uncommitted changes' : ''}
          </span>
        )}
      </div>
      <div className="result-actions" role="group" aria-label="Result actions">
        {ACTIONS.map((action) => {
          const why = actions[action]
          return (
            <button
              key={action}
              type="button"
              className={action === 'land' ? 'primary' : action === 'discard' ? 'danger-outline' : undefined}
              disabled={why !== true || busy !== null}
              aria-keyshortcuts={resultKeyOf(action)}
              title={`${ACTION_HELP[action]} (${resultKeyOf(action)})${why === true ? '' : ` — not now: ${why}`}`}
              onClick={() => run(action)}
            >
              {busy === action ? (action === 'discard' ? 'Discarding…' : 'Landing…') : ACTION_LABELS[action]}
            </button>
          )
        })}
      </div>
      {onOpenTerminal && result?.worktree && (
        <div className="result-actions" role="group" aria-label="Worktree">
          <button type="button" title={result.worktreeHost ? `A shell on ${result.worktreeHost}, in ${result.worktree} (over ${task.serverId ?? 'its server'}'s connection)` : `A shell in ${result.worktree}`} disabled={Boolean(result.worktreeHost) && !task.serverId} onClick={() => onOpenTerminal('shell', task)}>
            Shell in worktree
          </button>
          <button type="button" title={`The opencode TUI of ${task.serverId ?? 'its server'}, on this worktree${result.worktreeHost ? ` on ${result.worktreeHost}` : ''}`} disabled={!task.serverId} onClick={() => onOpenTerminal('tui', task)}>
            TUI in worktree
          </button>
          {result.worktreeHost && <span className="hint" data-worktree-host={result.worktreeHost}>on {result.worktreeHost}</span>}
        </div>
      )}
      {following && (
        <FollowUpBox
          task={task}
          onClose={() => {
            setFollowing(false)
            keepFocus()
          }}
          onCreated={(created) => {
            setFollowing(false)
            onFollowedUp?.(created)
          }}
        />
      )}
      <div className="result-status" ref={status} tabIndex={-1} aria-live="polite">
        <Notes notes={facts.notes} />
        {followedBy && (
          <p className="result-note tone-info">
            Followed up by task {followedBy.id} ({followedBy.state}): the branch goes on there.
          </p>
        )}
        {result?.land?.status !== 'landed' &&
          conflicts.map((c) => (
            <p key={c.other.id} className="result-note tone-bad" data-conflict-with={c.other.id}>
              Would conflict with task {c.other.id} “{taskLabel(c.other, 50)}” in {c.files.length ? c.files.join(', ') : 'some files'}: landing one makes the other conflict.
            </p>
          ))}
        {refused && (
          <p className="result-note tone-bad" role="alert">
            {refused}
          </p>
        )}
        {diff?.merge && !(result?.land?.status === 'landed') && (
          <p className={`result-note ${diff.merge.clean ? 'tone-ok' : 'tone-bad'}`}>
            {diff.merge.clean ? `Merges cleanly into ${diff.merge.into}` : `Conflicts with ${diff.merge.into}${diff.merge.files.length ? ` in ${diff.merge.files.join(', ')}` : ''}`}
          </p>
        )}
        {facts.hasDiff && diff && !diff.merge && !facts.target && <p className="result-note tone-info">No target branch: it was submitted on a detached HEAD.</p>}
      </div>
      {result?.verify && (
        <div className="result-verify">
          <p className={`result-note ${result.verify.passed ? 'tone-ok' : 'tone-bad'}`}>
            Verify <code>{result.verify.command}</code>: {verifyText(result.verify)}
          </p>
          {result.verify.output && <pre className="verify-output">{result.verify.output}</pre>}
        </div>
      )}
      {facts.hasDiff && (
        <>
          <h4>Diff</h4>
          {diffError && (
            <p className="form-error" role="alert">
              Could not load the diff: {diffError}
            </p>
          )}
          {diff ? <ResultDiff key={task.id} taskId={task.id} diff={diff} /> : loading && <p className="hint">Loading the diff…</p>}
        </>
      )}
      {!facts.hasDiff && result && result.files.length > 0 && <PlainFiles task={task} />}
      {confirming && <DiscardDialog task={task} onConfirm={discard} onClose={() => setConfirming(false)} />}
    </section>
  )
}

function Notes({ notes }: { notes: ReturnType<typeof resultFacts>['notes'] }) {
  return (
    <>
      {notes.map((note) => (
        <p key={note.text} className={`result-note tone-${note.tone}`}>
          {note.text}
        </p>
      ))}
    </>
  )
}

/** The changed files as opencode reported them (a shared folder: no branch, no diff to ask for). */
function PlainFiles({ task }: { task: TaskView }) {
  const files = task.result?.files ?? []
  return (
    <>
      <h4>Changed files</h4>
      {files.length > 0 ? (
        <ul className="files" aria-label="Changed files">
          {files.map((f) => (
            <li key={f.file}>
              <code>{f.file}</code> <span className="add">+{f.additions}</span> <span className="del">−{f.deletions}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">None.</p>
      )}
    </>
  )
}

/** "main" for the HEAD of main at submit; a named ref as it was asked for. */
function startingPoint(plan: NonNullable<TaskView['workspace']>): string {
  return plan.baseRef === 'HEAD' && plan.targetBranch ? plan.targetBranch : plan.baseRef
}

function repoName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() || path
}
