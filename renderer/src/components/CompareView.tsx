import { useEffect, useImperativeHandle, useState, type KeyboardEvent, type Ref } from 'react'
import type { Result } from '../../../core/contract/api'
import type { TaskView } from '../../../core/contract/tasks'
import { formatCost, taskLabel } from '../format'
import { groupCost, othersToDiscard } from '../results/compareGroups'
import { useServices } from '../state/hooks'
import { Dialog } from './Dialog'
import '../styles/compare.css'

type Ranking = Result<'tasks.compare'>

export interface CompareHandle {
  /** The result key L (App's key map) on a focused attempt row: asks to land it and discard the others; false when no landable row has the focus. */
  landFocused(): boolean
}
type Entry = Ranking['entries'][number]

/**
 * One prompt's attempts side by side, ranked by the engine (tasks.compare: the rule is shown),
 * each one click (or Enter) from its own detail and diff; "Land this one, discard the others" in
 * one confirmed action. Asked again whenever one of the attempts changes.
 */
export function CompareView({
  members,
  serverName,
  onView,
  onClose,
  handle,
}: {
  members: TaskView[]
  serverName: (id: string | undefined) => string
  onView: (taskId: string) => void
  onClose: () => void
  handle?: Ref<CompareHandle>
}) {
  const { api, store } = useServices()
  const [ranking, setRanking] = useState<Ranking | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [choosing, setChoosing] = useState<Entry | null>(null)
  const key = members.map((t) => `${t.id}:${t.state}:${t.result?.headSha ?? ''}:${t.result?.land?.status ?? ''}:${t.result?.discarded ?? ''}`).join(',')
  const running = members.filter((t) => t.state !== 'completed' && t.state !== 'failed' && t.state !== 'cancelled').length

  useEffect(() => {
    let current = true
    api['tasks.compare']({ ids: members.map((t) => t.id) }).then(
      (r) => current && (setRanking(r), setError(null)),
      (e: Error) => current && setError(e.message),
    )
    return () => {
      current = false
    }
    // The key names everything the ranking depends on (members is a new array on every render).
  }, [key])

  useImperativeHandle(handle, () => ({
    landFocused: () => {
      const id = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.compare-table tr[data-task-id]')?.dataset.taskId
      const entry = ranking?.entries.find((e) => e.taskId === id)
      if (!entry || !landable(entry)) return false
      setChoosing(entry)
      return true
    },
  }))

  async function landAndDiscard(entry: Entry): Promise<void> {
    setChoosing(null)
    try {
      await api['tasks.land']({ id: entry.taskId })
    } catch (e) {
      store.notify('error', `Not landed: ${(e as Error).message}. Nothing was discarded.`)
      return
    }
    const failed: string[] = []
    for (const other of othersToDiscard(entry.taskId, members)) await api['tasks.discard']({ id: other.id }).catch((e: Error) => failed.push(`${other.id}: ${e.message}`))
    store.notify(failed.length ? 'warning' : 'info', `Landed ${entry.taskId}${failed.length ? `; could not discard ${failed.join('; ')}` : '; the other attempts were discarded'}.`)
  }

  function onRowKey(event: KeyboardEvent<HTMLTableRowElement>, entry: Entry): void {
    // (L, to land it, comes through App's key map as every result key does: see CompareHandle.)
    if (event.key === 'Enter' && event.target === event.currentTarget) onView(entry.taskId)
    else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const rows = [...(event.currentTarget.parentElement?.querySelectorAll<HTMLTableRowElement>('tr[tabindex]') ?? [])]
      rows[rows.indexOf(event.currentTarget) + (event.key === 'ArrowDown' ? 1 : -1)]?.focus()
    } else return
    event.preventDefault()
  }

  const first = members[0]!
  return (
    <section className="compare-view task-detail" aria-label={`Compare ${members.length} attempts`}>
      <header className="compare-head">
        <h2>
          {members.length} attempts: <span className="compare-prompt">{taskLabel(first, 100)}</span>
        </h2>
        <button type="button" onClick={onClose}>
          Back to the task
        </button>
      </header>
      <p className="hint">
        Ranked by: {ranking?.rule ?? '…'}. Cost so far {formatCost(groupCost(members))}
        {running ? `, ${running} still running` : ''}. Enter opens an attempt, L lands it and discards the others.
      </p>
      {error && <p className="error">Could not rank them: {error}</p>}
      {ranking && (
        <table className="compare-table" aria-label="Attempts, best first">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Server</th>
              <th scope="col">Model</th>
              <th scope="col">Time</th>
              <th scope="col">Tokens</th>
              <th scope="col">Cost</th>
              <th scope="col">Diff</th>
              <th scope="col">Verify</th>
              <th scope="col">Merges</th>
              <th scope="col">Why here</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ranking.entries.map((e) => (
              <tr key={e.taskId} tabIndex={0} data-task-id={e.taskId} onKeyDown={(ev) => onRowKey(ev, e)} aria-label={`#${e.rank} ${e.taskId}: ${e.reason}`}>
                <th scope="row">{e.rank}</th>
                <td>{serverName(e.serverId)}</td>
                <td>{e.model ?? 'default'}</td>
                <td>{e.durationMs === undefined ? '—' : `${(e.durationMs / 1000).toFixed(1)} s`}</td>
                <td>{e.tokens}</td>
                <td>{formatCost(e.cost)}</td>
                <td>{e.state !== 'completed' ? e.state : e.files === 0 ? 'no changes' : `${e.files} file${e.files === 1 ? '' : 's'}, ${e.diffLines} line${e.diffLines === 1 ? '' : 's'}`}</td>
                <td className={`verify-${e.verify}`}>{e.verify === 'none' ? '—' : e.verify}</td>
                <td>{e.merges === undefined ? '—' : e.merges ? 'cleanly' : 'conflicts'}</td>
                <td className="compare-reason">{e.reason}</td>
                <td className="compare-actions">
                  <button type="button" onClick={() => onView(e.taskId)} aria-label={`Open attempt ${e.taskId}`}>
                    Open
                  </button>
                  {landable(e) && (
                    <button type="button" onClick={() => setChoosing(e)} aria-label={`Land attempt ${e.taskId} and discard the others`}>
                      Land this, discard others
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {choosing && (
        <Dialog label={`Land ${choosing.taskId} and discard the other attempts?`} onClose={() => setChoosing(null)} className="confirm">
          <h2>Land {choosing.taskId} and discard the others?</h2>
          <p>
            {choosing.taskId} is merged into its target branch; the branches and worktrees of {othersToDiscard(choosing.taskId, members).map((t) => t.id).join(', ') || 'no other attempt'} are deleted.
          </p>
          <div className="dialog-actions">
            <button type="button" data-autofocus onClick={() => setChoosing(null)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void landAndDiscard(choosing)}>
              Land and discard
            </button>
          </div>
        </Dialog>
      )}
    </section>
  )
}

const landable = (e: Entry) => e.state === 'completed' && e.files > 0
