import type { KeyLike } from '../../../core/view/keymap'
import type { ResultAction } from './resultFacts'

export interface ResultKey {
  action: ResultAction
  /** The letter, as typed without Shift (Caps Lock does not change what it means). */
  key: string
  shift: boolean
  /** As the help, tooltips and the palette show it. */
  keys: string
  description: string
  /** The palette's name for it (the task's label follows). */
  label: string
}

/**
 * Single keys of the tasks view, for the selected task's result. They work while focus is in the
 * tasks view (or nowhere in particular) and nobody is typing, like the inbox's keys.
 */
export const RESULT_KEYS: readonly ResultKey[] = [
  { action: 'land', key: 'l', shift: false, keys: 'L', description: 'Land the selected result (merge it into its target branch)', label: 'Land (merge)' },
  { action: 'squash', key: 'l', shift: true, keys: 'Shift+L', description: 'Land the selected result as one commit (squash)', label: 'Land as one commit' },
  { action: 'discard', key: 'd', shift: false, keys: 'D', description: 'Discard the selected result: delete its worktree and branch (asks first)', label: 'Discard result…' },
  { action: 'keep', key: 'k', shift: false, keys: 'K', description: 'Keep the branch and close the result (nothing changes)', label: 'Keep branch' },
]

/** Keys of the tasks list itself (shown in the help beside the result keys). */
export const TASK_LIST_KEYS: ReadonlyArray<{ keys: string; description: string }> = [
  { keys: '↑ / ↓', description: 'Select the previous or next task' },
  { keys: 'Enter', description: 'Open the focused task’s detail' },
]

export function resultKeyFor(key: KeyLike): ResultAction | null {
  if (key.ctrlKey || key.altKey || key.metaKey) return null
  const letter = key.key.length === 1 ? key.key.toLowerCase() : ''
  return RESULT_KEYS.find((k) => k.key === letter && k.shift === Boolean(key.shiftKey))?.action ?? null
}

export function resultKeyOf(action: ResultAction): string {
  return RESULT_KEYS.find((k) => k.action === action)!.keys
}
