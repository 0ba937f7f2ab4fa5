import { useEffect, useImperativeHandle, useRef, useState, type FocusEvent, type Ref } from 'react'
import { useFleet } from '../state/hooks'
import { AttentionInbox, type InboxHandle } from './AttentionInbox'

/**
 * The attention column: a narrow badge while nothing waits (the column is almost always empty,
 * and 280 px is a lot at 1280 wide), open as soon as a request arrives, or when the user opens
 * it (the badge, Alt+A). Opened by the user while empty, it stays open until the focus leaves.
 * The inbox stays mounted (hidden) so Alt+A and its focus memory work either way.
 */
export function InboxColumn({ handle }: { handle?: Ref<InboxHandle> }) {
  const count = useFleet((s) => s.attention.length)
  const [pinned, setPinned] = useState(false)
  const inbox = useRef<InboxHandle>(null)
  const column = useRef<HTMLElement>(null)
  const focusWhenOpen = useRef(false)
  const open = count > 0 || pinned

  useImperativeHandle(handle, () => ({
    focus: () => {
      if (open) return inbox.current?.focus()
      focusWhenOpen.current = true
      setPinned(true)
    },
  }))

  useEffect(() => {
    if (!open || !focusWhenOpen.current) return
    focusWhenOpen.current = false
    inbox.current?.focus()
  }, [open])

  // The last request answered with the focus in the column: it stays open until the focus goes elsewhere.
  useEffect(() => {
    if (count === 0 && column.current?.contains(document.activeElement)) setPinned(true)
  }, [count])

  function onBlur(event: FocusEvent<HTMLElement>): void {
    const to = event.relatedTarget
    // The badge going away as the column opens is no leaving.
    if (focusWhenOpen.current) return
    if (count === 0 && !(to instanceof Node && column.current?.contains(to))) setPinned(false)
  }

  return (
    <aside className={`inbox-col${open ? '' : ' collapsed'}`} ref={column} onBlur={onBlur}>
      {!open && (
        <button type="button" className="inbox-badge" aria-expanded="false" aria-controls="attention-inbox" title="Attention: nothing waits for you (Alt+A opens)" onClick={() => {
          focusWhenOpen.current = true
          setPinned(true)
        }}>
          <span className="count">0</span>
          <span className="inbox-badge-label">Attention</span>
        </button>
      )}
      {open && count === 0 && (
        <button type="button" className="inbox-collapse" aria-expanded="true" aria-controls="attention-inbox" aria-label="Collapse the attention column" title="Collapse" onClick={() => setPinned(false)}>
          »
        </button>
      )}
      <div id="attention-inbox" hidden={!open}>
        <AttentionInbox handle={inbox} />
      </div>
    </aside>
  )
}
