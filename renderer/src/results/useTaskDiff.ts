import { useEffect, useRef, useState } from 'react'
import type { TaskDiff, TaskView } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { useServices } from '../state/hooks'

/** What the detail asks for at once: the first 400 KB of the diff (the engine's default). */
export const DIFF_MAX_BYTES = 400_000
/** One file asked for on its own. */
export const FILE_MAX_BYTES = 2_000_000

export interface DiffState {
  diff: TaskDiff | null
  error: string | null
  loading: boolean
}

/**
 * A result's diff and whether it merges now. Asked again whenever the task changes (a push),
 * `refreshKey` changes (a landing anywhere may move the target) or the window gets the focus
 * back (the user may have committed in the repository meanwhile).
 */
export function useTaskDiff(task: TaskView, enabled: boolean, refreshKey: string): DiffState {
  const { api } = useServices()
  const [state, setState] = useState<DiffState>({ diff: null, error: null, loading: enabled })
  const [focusTick, setFocusTick] = useState(0)
  const seq = useRef(0)

  useEffect(() => {
    const onFocus = () => setFocusTick((n) => n + 1)
    window.addEventListener('focus', onFocus)
    return () => window.removeEventListener('focus', onFocus)
  }, [])

  useEffect(() => {
    const mine = ++seq.current
    if (!enabled) {
      setState({ diff: null, error: null, loading: false })
      return
    }
    setState((s) => ({ ...s, loading: true }))
    api['tasks.diff']({ id: task.id, maxBytes: DIFF_MAX_BYTES }).then(
      (diff) => {
        if (mine !== seq.current) return
        // The same patch keeps its string (and so its parsed, highlighted form): only the merge line changes.
        setState((s) => ({ diff: s.diff && s.diff.patch === diff.patch ? { ...diff, patch: s.diff.patch } : diff, error: null, loading: false }))
      },
      (error: unknown) => mine === seq.current && setState((s) => ({ ...s, error: errorMessage(error), loading: false })),
    )
  }, [api, task, enabled, refreshKey, focusTick])

  return state
}
