import { memo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { AttentionAnswer, AttentionItem } from '../../../core/contract/attention'

interface Props {
  item: AttentionItem
  serverName: string
  onAnswer: (item: AttentionItem, answer: AttentionAnswer) => void
  onMove: (from: HTMLLIElement, step: 1 | -1) => void
}

/**
 * One request. Focused, it takes single keys: a = allow once, A = always, r = reject; for
 * questions, 1-9 pick that option of the current question (the last pick sends the answers);
 * for an install offer, i = install, r = refuse; for a passphrase, Enter goes to the field
 * (Enter there sends it, Escape comes back) and s skips the key.
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

  // The passphrase lives only in this field until it is sent; it is never kept in app state.
  const secret = useRef<HTMLInputElement>(null)
  function sendPassphrase(event?: FormEvent): void {
    event?.preventDefault()
    const value = secret.current?.value ?? ''
    if (!value) return
    secret.current!.value = ''
    onAnswer(item, { kind: 'passphrase', passphrase: value })
  }

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>): void {
    if (event.target === secret.current && event.key === 'Escape') {
      event.preventDefault()
      event.currentTarget.focus()
      return
    }
    if (event.target !== event.currentTarget || event.ctrlKey || event.altKey || event.metaKey) return
    const key = event.key
    let handled = true
    if (key === 'ArrowDown') onMove(event.currentTarget, 1)
    else if (key === 'ArrowUp') onMove(event.currentTarget, -1)
    else if (item.kind === 'passphrase' && key === 'Enter') secret.current?.focus()
    else if (item.kind === 'passphrase' && key === 's') onAnswer(item, { kind: 'passphrase' })
    else if (item.kind === 'install' && key === 'i') onAnswer(item, { kind: 'install', accept: true })
    else if (item.kind === 'install' && (key === 'r' || key === 'R')) onAnswer(item, { kind: 'install', accept: false })
    else if (yesNo && key === 'a') reply('once')
    else if (yesNo && key === 'A') reply('always')
    else if (item.kind !== 'passphrase' && (key === 'r' || key === 'R')) yesNo ? reply('reject') : onAnswer(item, { kind: 'question-reject' })
    else if (item.kind === 'question' && /^[1-9]$/.test(key) && questions[current]?.options[Number(key) - 1]) pick(current, questions[current].options[Number(key) - 1].label)
    else handled = false
    if (handled) event.preventDefault()
  }

  const task = item.taskId ? `task ${item.taskId}` : item.sessionId ? `session ${item.sessionId}` : 'connecting over SSH'
  const labels = item.kind === 'hostKey' ? ['Accept once', 'Accept and remember'] : ['Allow once', 'Always']
  const shortcuts = yesNo ? 'a Shift+A r' : item.kind === 'install' ? 'i r' : item.kind === 'passphrase' ? 'Enter s' : '1 2 3 4 5 6 7 8 9 r'
  return (
    <li tabIndex={0} data-id={item.id} className={`attention-item ${item.kind}`} onKeyDown={onKeyDown} aria-keyshortcuts={shortcuts}>
      <div className="attention-meta">
        <span className="server">{serverName}</span> · <span className="task">{task}</span>
      </div>
      {item.kind === 'permission' ? <PermissionAsked item={item} /> : <div className="attention-title">{item.title}</div>}
      {item.kind === 'passphrase' && (
        <form className="attention-actions" onSubmit={sendPassphrase}>
          <input ref={secret} type="password" autoComplete="off" spellCheck={false} aria-label={`Passphrase for ${item.passphrase?.keyPath ?? 'the key'}`} placeholder="passphrase" />
          <button type="submit">Unlock</button>
          <button type="button" onClick={() => onAnswer(item, { kind: 'passphrase' })} title="s">
            Skip key <kbd aria-hidden="true">s</kbd>
          </button>
        </form>
      )}
      {item.kind === 'install' && (
        <div className="attention-actions">
          <button type="button" onClick={() => onAnswer(item, { kind: 'install', accept: true })} title="i">
            Install <kbd aria-hidden="true">i</kbd>
          </button>
          <button type="button" onClick={() => onAnswer(item, { kind: 'install', accept: false })} title="r">
            Don&apos;t install <kbd aria-hidden="true">r</kbd>
          </button>
        </div>
      )}
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

/**
 * What a permission would allow, as the user must read it before approving: the exact command
 * verbatim (patterns are a parse of it and, joined, read like another command), and what
 * "Always" allows from then on. All of it is the model's text: React renders it as text only.
 */
function PermissionAsked({ item }: { item: AttentionItem }) {
  const always = item.always ?? []
  const patterns = item.patterns ?? []
  return (
    <>
      <div className="attention-title">{item.permission ? `${item.permission} ${item.command !== undefined ? 'wants to run' : 'wants'}` : item.title}</div>
      {item.command !== undefined ? (
        <pre className="permission-command" aria-label="Command">
          {item.command}
        </pre>
      ) : (
        patterns.length > 0 && (
          <div className="patterns" aria-label="Asked for">
            {patterns.map((p, i) => (
              <code key={i}>{p}</code>
            ))}
          </div>
        )
      )}
      {always.length > 0 && (
        <p className="permission-always">
          “Always” allows from now on:{' '}
          {always.map((p, i) => (
            <code key={i}>{p}</code>
          ))}
          {always.includes('*') && ` (every ${item.permission ?? 'such'} request)`}
        </p>
      )}
    </>
  )
}
