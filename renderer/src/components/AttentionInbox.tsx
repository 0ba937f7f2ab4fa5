import { useImperativeHandle, useRef, type Ref } from 'react'
import type { AttentionAnswer, AttentionItem } from '../../../core/contract/attention'
import { errorMessage } from '../api/client'
import { useFleet, useServices } from '../state/hooks'
import { AttentionRow } from './AttentionRow'

export interface InboxHandle {
  focus(): void
}

/** Permission and question requests from every server, answered with one key. */
export function AttentionInbox({ handle }: { handle?: Ref<InboxHandle> }) {
  const { api, store } = useServices()
  const items = useFleet((s) => s.attention)
  const servers = useFleet((s) => s.servers)
  const list = useRef<HTMLUListElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)

  const section = useRef<HTMLElement>(null)
  /** Where the focus was when Alt+A brought it here: it goes back there once nothing is left to answer. */
  const cameFrom = useRef<HTMLElement | null>(null)
  const rows = () => [...(list.current?.querySelectorAll<HTMLLIElement>(':scope > li') ?? [])]
  useImperativeHandle(handle, () => ({
    focus: () => {
      const active = document.activeElement
      if (active instanceof HTMLElement && active !== document.body && !section.current?.contains(active)) cameFrom.current = active
      ;(rows()[0] ?? heading.current)?.focus()
    },
  }))

  /** The last request answered: back where the user was (the prompt, a pane...), else the inbox heading. */
  function leave(): void {
    const back = cameFrom.current
    cameFrom.current = null
    ;(back?.isConnected ? back : heading.current)?.focus()
  }

  async function answer(item: AttentionItem, value: AttentionAnswer): Promise<void> {
    // Keep the keyboard in the inbox: focus moves to the next request before this one goes.
    const all = rows()
    const index = all.findIndex((li) => li.dataset.id === item.id)
    // Also when it was answered with a button of the row (the focus would fall to the page when the row goes).
    if (index >= 0 && all[index].contains(document.activeElement)) {
      const next = all[index + 1] ?? all[index - 1]
      if (next) next.focus()
      else leave()
    }
    try {
      await api['attention.answer']({ id: item.id, answer: value })
    } catch (error) {
      store.notify('error', `Could not answer "${item.title}": ${errorMessage(error)}`)
    }
  }

  function move(from: HTMLLIElement, step: 1 | -1): void {
    const all = rows()
    all[all.indexOf(from) + step]?.focus()
  }

  const serverName = (id: string) => servers.find((s) => s.id === id)?.name ?? id
  return (
    <section className="inbox" aria-labelledby="attention-heading" ref={section}>
      <h2 id="attention-heading" tabIndex={-1} ref={heading}>
        Attention <span className="count">{items.length}</span>
      </h2>
      <ul aria-label="Attention" ref={list} className="attention-list">
        {items.map((item) => (
          <AttentionRow key={item.id} item={item} serverName={serverName(item.serverId)} onAnswer={answer} onMove={move} />
        ))}
      </ul>
      {items.length === 0 && <p className="empty">Nothing needs you.</p>}
    </section>
  )
}
