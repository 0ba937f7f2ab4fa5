import { useEffect, useRef, useState } from 'react'
import type { TaskView } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { needsNewSession } from '../results/resultFacts'
import { useServices } from '../state/hooks'

interface Props {
  task: TaskView
  /** The follow-up the engine made (already applied to the store). */
  onCreated: (task: TaskView) => void
  onClose: () => void
}

/**
 * Another prompt on a result's branch. Ctrl/Cmd+Enter sends, Escape closes. When the task's
 * server is gone the engine says so; going on in a new session is offered, saying plainly
 * that the conversation does not carry over.
 */
export function FollowUpBox({ task, onCreated, onClose }: Props) {
  const { api, store } = useServices()
  const [text, setText] = useState('')
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [offerNewSession, setOfferNewSession] = useState(false)
  const box = useRef<HTMLTextAreaElement>(null)
  const branch = task.result?.branch ?? 'its branch'

  useEffect(() => box.current?.focus(), [])

  async function send(newSession: boolean): Promise<void> {
    if (sending) return
    if (!text.trim()) {
      setError('Write the follow-up prompt first.')
      box.current?.focus()
      return
    }
    setSending(true)
    setError(null)
    try {
      const created = await api['tasks.followUp']({ id: task.id, prompt: text, newSession })
      store.apply('task.updated', created)
      onCreated(created)
    } catch (e) {
      const message = errorMessage(e)
      setError(`Could not follow up: ${message}`)
      setOfferNewSession(!newSession && needsNewSession(message))
      setSending(false)
    }
  }

  return (
    <form
      className="follow-up"
      aria-label="Follow up"
      onSubmit={(e) => {
        e.preventDefault()
        void send(false)
      }}
    >
      <label htmlFor={`follow-up-${task.id}`}>
        Follow up on <code>{branch}</code> (in the same session on its server; the result is another commit on the branch)
      </label>
      <textarea
        id={`follow-up-${task.id}`}
        ref={box}
        aria-label="Follow-up prompt"
        rows={3}
        value={text}
        disabled={sending}
        placeholder="What next? Ctrl+Enter sends, Escape closes"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault()
            e.stopPropagation()
            onClose()
          } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault()
            void send(false)
          }
        }}
      />
      <div className="follow-up-actions">
        <button type="submit" className="primary" disabled={sending} aria-keyshortcuts="Control+Enter">
          {sending ? 'Sending…' : 'Send follow-up'}
        </button>
        <button type="button" onClick={onClose} disabled={sending}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="result-note tone-bad" role="alert">
          {error}
        </p>
      )}
      {offerNewSession && (
        <div className="follow-up-new-session">
          <p className="result-note tone-warn">
            Its server is gone, and the conversation lives there. A new session on another server starts from the files of <code>{branch}</code> only: the conversation does not carry over.
          </p>
          <button type="button" onClick={() => void send(true)} disabled={sending}>
            Continue on another server in a new session
          </button>
        </div>
      )}
    </form>
  )
}
