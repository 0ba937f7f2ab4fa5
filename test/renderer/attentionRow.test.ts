// @vitest-environment jsdom
import { act, createElement } from 'react'
import type { Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AttentionAnswer, AttentionItem } from '../../core/contract/attention'
import { AttentionRow } from '../../renderer/src/components/AttentionRow'
import { mount, unmount } from './render'

let root: Root
let host: HTMLDivElement
let answers: AttentionAnswer[]

beforeEach(() => {
  ;({ host, root } = mount())
  answers = []
})
afterEach(() => {
  unmount({ host, root })
})

/** A permission item as the engine builds it from opencode 1.18.33's permission.asked event. */
const permission = (fields: Partial<AttentionItem>): AttentionItem => ({
  id: 'local-1/per_1',
  requestId: 'per_1',
  kind: 'permission',
  serverId: 'local-1',
  sessionId: 'ses_1',
  taskId: 't1',
  title: 'bash: …',
  permission: 'bash',
  createdAt: 1,
  ...fields,
})

function show(item: AttentionItem): HTMLLIElement {
  act(() => root.render(createElement('ul', null, createElement(AttentionRow, { item, serverName: 'local-1', onAnswer: (_item, answer) => answers.push(answer), onMove: () => {} }))))
  return host.querySelector('li')!
}

describe('AttentionRow: a permission request', () => {
  it('shows the exact command verbatim (not its patterns joined) and what "Always" allows', () => {
    const command = 'echo hello > perm.txt && cat perm.txt'
    const li = show(permission({ command, patterns: ['echo hello > perm.txt', 'cat perm.txt'], always: ['echo *', 'cat *'] }))
    expect(li.querySelector('.permission-command')!.textContent).toBe(command)
    expect(li.textContent).not.toContain('echo hello > perm.txt cat perm.txt')
    const always = li.querySelector('.permission-always')!
    expect(always.textContent).toMatch(/Always/)
    expect([...always.querySelectorAll('code')].map((c) => c.textContent)).toEqual(['echo *', 'cat *'])
    // Still one list item: the e2e spec counts the inbox's items.
    expect(host.querySelectorAll('li')).toHaveLength(1)
  })

  it('renders a hostile command as text, never as markup, every character kept', () => {
    const command = 'echo "<img src=x onerror=alert(1)>" </pre><script>alert(2)</script> &amp; \\\n  && rm -rf ~/x\t# &lt;'
    const li = show(permission({ command, patterns: ['echo'], always: ['<b>echo</b> *'] }))
    expect(li.querySelector('.permission-command')!.textContent).toBe(command)
    expect(li.querySelector('img, script, b')).toBeNull()
    expect(li.querySelector('.permission-always code')!.textContent).toBe('<b>echo</b> *')
  })

  it('says when "Always" allows every request of the kind', () => {
    const li = show(permission({ permission: 'edit', title: 'edit: src/a.ts', patterns: ['src/a.ts'], always: ['*'] }))
    expect([...li.querySelectorAll('.patterns code')].map((c) => c.textContent)).toEqual(['src/a.ts'])
    expect(li.querySelector('.permission-always')!.textContent).toContain('every edit request')
  })

  it('the Always button answers "always"', () => {
    const li = show(permission({ command: 'ls', patterns: ['ls'], always: ['ls *'] }))
    const button = [...li.querySelectorAll('button')].find((b) => b.textContent?.startsWith('Always'))!
    act(() => button.click())
    expect(answers).toEqual([{ kind: 'permission', reply: 'always' }])
  })
})
