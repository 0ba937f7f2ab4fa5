import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { cycleTarget, FOLLOW_SETTINGS, resolveTarget, splitPrompts, submitPrompts, targetOptions } from '../prompt/targets'
import { loadOwnWorktree, repositoryLabel, saveOwnWorktree, workspaceFor, type HostInfo } from '../prompt/worktree'
import { repositorySummary } from '../prompt/repositorySettings'
import { useFleet, useServices } from '../state/hooks'
import { describeBinding } from '../../../core/view/keymap'
import { PLATFORM } from '../keyContext'
import { RepositorySettingsDialog } from './RepositorySettingsDialog'

export interface PromptBarHandle {
  focus(): void
  submit(): void
  cycleTarget(step: 1 | -1): void
  toggleOnePerLine(): void
  toggleOwnWorktree(): void
  /** The repository settings form for the host's repository (a notice when there is none). */
  openRepositorySettings(): void
}

interface Props {
  handle?: Ref<PromptBarHandle>
  onSubmitted: (tasks: TaskView[]) => void
}

/** The prompt box, its target, the "one per line" and "own worktree" switches. Ctrl/Cmd+Enter submits (App's key map). */
export function PromptBar({ handle, onSubmitted }: Props) {
  const { api, store } = useServices()
  const repositories = useFleet((s) => s.repositories)
  const [editingRepo, setEditingRepo] = useState(false)
  const servers = useFleet((s) => s.servers)
  const strategy = useFleet((s) => s.strategy)
  const connected = useFleet((s) => s.connection.state === 'open')
  /** The host's project and its repository (null: not known, or not in a repository). */
  const [host, setHost] = useState<HostInfo | null>(null)
  const [ownWorktree, setOwnWorktreeState] = useState(loadOwnWorktree)
  const setOwnWorktree = (on: boolean) => {
    setOwnWorktreeState(on)
    saveOwnWorktree(on)
  }
  // Asked on every connect, after each submit and when the window comes back (the checkout may have become dirty).
  const refreshHost = useCallback(() => {
    api['host.info']({}).then(setHost, () => setHost(null))
  }, [api])
  useEffect(() => {
    if (!connected) return
    refreshHost()
    window.addEventListener('focus', refreshHost)
    return () => window.removeEventListener('focus', refreshHost)
  }, [connected, refreshHost])
  const repository = repositoryLabel(host)
  const [text, setText] = useState('')
  const [onePerLine, setOnePerLine] = useState(false)
  /** Attempts per prompt (best of N): each in its own worktree, compared in the tasks view. */
  const [attempts, setAttempts] = useState(1)
  /** null: follow the scheduler's strategy. */
  const [chosen, setChosen] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  /** Submits still on their way (the box is free again at once, so several can be). */
  const [pending, setPending] = useState(0)
  /** Servers unticked for broadcast (a new server starts ticked). */
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set())
  const textarea = useRef<HTMLTextAreaElement>(null)
  const options = useMemo(() => targetOptions(servers), [servers])
  const fallback = `strategy:${strategy ?? 'least-loaded'}`
  const value = chosen && options.some((o) => o.value === chosen) ? chosen : fallback
  const written = splitPrompts(text, onePerLine)
  // Several attempts only where each gets a worktree (sharing a folder they would write over each other), and not with broadcast (it already makes one per server).
  const attemptsApply = attempts > 1 && Boolean(repository) && ownWorktree && value !== 'broadcast'
  const prompts = attemptsApply ? written.flatMap((p) => Array.from({ length: attempts }, () => p)) : written
  const option = options.find((o) => o.value === value)
  // Nothing chosen (or the chosen server is gone): follow the settings' strategy rather than pin the one shown.
  const target = !option ? null : chosen === value ? resolveTarget(option, servers, excluded) : FOLLOW_SETTINGS
  const toggleServer = (id: string) =>
    setExcluded((before) => {
      const next = new Set(before)
      if (!next.delete(id)) next.add(id)
      return next
    })

  async function submit(): Promise<void> {
    if (!option || prompts.length === 0) return
    if (!target) return setError('Tick at least one server to broadcast to.')
    // The box empties at once, so what is typed next is the next prompt: it is never appended to
    // this one nor wiped when this one's answer arrives. A refused prompt comes back if the box is still empty.
    const submitted = text
    setText('')
    setPending((n) => n + 1)
    setError(null)
    try {
      onSubmitted(await submitPrompts(api, prompts, target, workspaceFor(host, ownWorktree)))
      refreshHost()
    } catch (e) {
      setText((now) => (now === '' ? submitted : now))
      setError(errorMessage(e))
    } finally {
      setPending((n) => n - 1)
    }
  }

  useImperativeHandle(handle, () => ({
    focus: () => textarea.current?.focus(),
    submit: () => void submit(),
    cycleTarget: (step) => setChosen(cycleTarget(options, value, step)),
    toggleOnePerLine: () => setOnePerLine((v) => !v),
    toggleOwnWorktree: () => repository && setOwnWorktree(!ownWorktree),
    openRepositorySettings: () => (host?.repository ? setEditingRepo(true) : store.notify('warning', 'Repository settings: the project folder is not in a git repository.')),
  }))
  const root = host?.repository?.root
  /** What the next worktree task gets from the saved settings. */
  const applies = ownWorktree && root ? repositorySummary(repositories[root]) : null

  const count = prompts.length
  const keys = (id: Parameters<typeof describeBinding>[0]) => describeBinding(id, PLATFORM)
  return (
    <>
      <form
        className="prompt-bar"
        aria-label="Prompt bar"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <textarea
          ref={textarea}
          aria-label="Prompt"
          aria-describedby="prompt-help"
          placeholder={onePerLine ? 'One prompt per line… (or prompts of several lines, between lines holding only ---)' : 'Ask the fleet… (a line holding only --- starts another prompt)'}
          value={text}
          rows={onePerLine ? 4 : 2}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            // Alt+G (the worktree switch) is the key map's prompt.toggleWorktree, like Alt+T and Alt+O.
            if (e.key === 'Escape') e.currentTarget.blur()
          }}
        />
        <div className="prompt-controls">
          <label className="field">
            <span>Target</span>
            <select aria-label="Target" value={value} onChange={(e) => setChosen(e.target.value)}>
              <optgroup label="Strategy">
                {options.filter((o) => o.strategy).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </optgroup>
              {servers.length > 0 && (
                <optgroup label="Server">
                  {options.filter((o) => o.target.kind === 'server').map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </optgroup>
              )}
              <option value="broadcast">broadcast</option>
            </select>
          </label>
          <label className="field checkbox">
            <input type="checkbox" checked={onePerLine} onChange={(e) => setOnePerLine(e.target.checked)} />
            <span>One per line</span>
          </label>
          {repository && ownWorktree && value !== 'broadcast' && (
            <label className="field" title="Best of N: each prompt N times, each attempt in its own worktree; compare them in the tasks view">
              <span>Attempts</span>
              <select aria-label="Attempts" value={attempts} onChange={(e) => setAttempts(Number(e.target.value))}>
                {[1, 2, 3, 4, 6, 8].map((n) => (
                  <option key={n} value={n}>
                    {n === 1 ? '1' : `best of ${n}`}
                  </option>
                ))}
              </select>
            </label>
          )}
          {repository && (
            <span className="worktree-switch">
              <label className="field checkbox" title={`Each task works in a git worktree of its own, on a branch flotilla/<task> (${keys('prompt.toggleWorktree')})`}>
                <input type="checkbox" checked={ownWorktree} onChange={(e) => setOwnWorktree(e.target.checked)} aria-keyshortcuts={PLATFORM === "mac" ? "Control+Alt+G" : "Alt+G"} />
                <span>Own worktree</span>
              </label>
              <span className="hint repo-label" title={host?.repository?.root}>
                {repository}
              </span>
              <button type="button" className="link" onClick={() => setEditingRepo(true)} title="Setup, copy and verify for every worktree task in this repository">
                Repository settings…
              </button>
              {applies && (
                <span className="repo-applies" title="Saved for this repository: every worktree task gets them">
                  {applies}
                </span>
              )}
              {ownWorktree && host?.repository?.dirty && (
                <span className="dirty-warning" id="prompt-dirty">
                  Uncommitted changes are not included: tasks start from the last commit.
                </span>
              )}
            </span>
          )}
          <button type="submit" aria-busy={pending > 0 || undefined} disabled={count === 0 || !target}>
            {attemptsApply ? `Submit ${count} attempts` : count > 1 ? `Submit ${count}` : 'Submit'}
          </button>
          <span id="prompt-help" className="hint">
            {keys('prompt.submit')} submits · a line holding only --- separates prompts (\--- for a literal one) · {keys('prompt.cycleTarget')} target · {keys('prompt.toggleLines')} one per line{repository ? ` · ${keys('prompt.toggleWorktree')} worktree` : ''}
          </span>
        </div>
        {value === 'broadcast' && (
          <fieldset className="broadcast-to">
            <legend>Broadcast to</legend>
            {servers.length === 0 && <span className="hint">No servers yet.</span>}
            {servers.map((s) => (
              <label key={s.id} className="field checkbox">
                <input type="checkbox" checked={!excluded.has(s.id)} onChange={() => toggleServer(s.id)} />
                <span>{s.name}</span>
              </label>
            ))}
          </fieldset>
        )}
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
      </form>
      {/* Outside the prompt's form: the dialog is a form of its own. */}
      {editingRepo && root && <RepositorySettingsDialog root={root} onClose={() => setEditingRepo(false)} />}
    </>
  )
}
