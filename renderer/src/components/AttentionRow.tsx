import { memo, useState, type KeyboardEvent } from 'react'
import type { AttentionAnswer, AttentionItem } from '../../../core/contract/attention'

interface Props {
  item: AttentionItem
  serverName: string
  onAnswer: (item: AttentionItem, answer: AttentionAnswer) => void
  onMove: (from: HTMLLIElement, step: 1 | -1) => void
}

/**
 * One request. Focused, it takes single keys: a = allow once, A = always, r = reject; for
 * questions, 1-9 pick that option of the current question (the last pick sends the answers).
 */
export const AttentionRow = memo(function AttentionRow({ item, serverName, onAnswer, onMove }: Props) {
  const questions = item.questions ?? []
  const [picked, setPicked] = useState<string[][]>([])
  const current = Math.min(picked.length, Math.max(0, questions.length - 1))

  function pick(questionIndex: number, label: string): void {
    const next = picked.slice(0, questionIndex)
    next[questionIndex] = [label]
    if (next.length >= questions.length) {
      setPicked([])
      onAnswer(item, { kind: 'question', answers: next })
    } else setPicked(next)
  }

  // Host keys take the same three keys: accept this time, accept and remember, refuse.
  const yesNo = item.kind === 'permission' || item.kind === 'hostKey'
  function reply(reply: 'once' | 'always' | 'reject'): void {
    onAnswer(item, item.kind === 'hostKey' ? { kind: 'hostKey', reply } : { kind: 'permission', reply })
  }

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>): void {
    if (event.target !== event.currentTarget || event.ctrlKey || event.altKey || event.metaKey) return
    const key = event.key
    let handled = true
    if (key === 'ArrowDown') onMove(event.currentTarget, 1)
    else if (key === 'ArrowUp') onMove(event.currentTarget, -1)
    else if (yesNo && key === 'a') reply('once')
    else if (yesNo && key === 'A') reply('always')
    else if (key === 'r' || key === 'R') yesNo ? reply('reject') : onAnswer(item, { kind: 'question-reject' })
    else if (item.kind === 'question' && /^[1-9]$/.test(key) && questions[current]?.options[Number(key) - 1]) pick(current, questions[current].options[Number(key) - 1].label)
    else handled = false
    if (handled) event.preventDefault()
  }

  const task = item.taskId ? `task ${item.taskId}` : item.sessionId ? `session ${item.sessionId}` : 'connecting over SSH'
  const labels = item.kind === 'hostKey' ? ['Accept once', 'Accept and remember'] : ['Allow once', 'Always']
  return (
    <li tabIndex={0} data-id={item.id} className={`attention-item ${item.kind}`} onKeyDown={onKeyDown} aria-keyshortcuts={yesNo ? 'a Shift+A r' : '1 2 3 4 5 6 7 8 9 r'}>
      <div className="attention-meta">
        <span className="server">{serverName}</span> · <span className="task">{task}</span>
      </div>
      <div className="attention-title">{item.title}</div>
      {item.patterns && item.patterns.length > 0 && <code className="patterns">{item.patterns.join(' ')}</code>}
      {yesNo ? (
        <div className="attention-actions">
          <button type="button" onClick={() => reply('once')} title="a">
            {labels[0]} <kbd aria-hidden="true">a</kbd>
          </button>
          <button type="button" onClick={() => reply('always')} title="Shift+A">
            {labels[1]} <kbd aria-hidden="true">⇧A</kbd>
          </button>
          <button type="button" onClick={() => reply('reject')} title="r">
            Reject <kbd aria-hidden="true">r</kbd>
          </button>
        </div>
      ) : (
        questions.map((q, qi) => (
          <fieldset key={qi} className={`question${qi === current ? ' current' : ''}`}>
            <legend>{q.header ? `${q.header}: ${q.question}` : q.question}</legend>
            {q.options.map((option, oi) => (
              <button key={oi} type="button" aria-pressed={picked[qi]?.[0] === option.label} onClick={() => pick(qi, option.label)} title={option.description}>
                <kbd aria-hidden="true">{oi + 1}</kbd> {option.label}
              </button>
            ))}
          </fieldset>
        ))
      )}
      {item.kind === 'question' && (
        <div className="attention-actions">
          <button type="button" onClick={() => onAnswer(item, { kind: 'question-reject' })} title="r">
            Reject <kbd aria-hidden="true">r</kbd>
          </button>
        </div>
      )}
    </li>
  )
})
