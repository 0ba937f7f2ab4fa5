// @vitest-environment jsdom
import { act, createElement } from 'react'
import { describe, expect, it } from 'vitest'
import { ROW_KEYS } from '../../renderer/src/components/ServerList'
import { ShortcutsDialog } from '../../renderer/src/components/ShortcutsDialog'
import { mount, unmount } from './render'

// The key map shows every surface's keys, the server list's rows too.
describe('the shortcuts help', () => {
  it("lists the server rows' keys beside the inbox's and the tasks view's", () => {
    const mounted = mount()
    const { root } = mounted
    act(() => root.render(createElement(ShortcutsDialog, { onClose: () => {} })))
    const headings = [...document.querySelectorAll('h3')].map((h) => h.textContent)
    expect(headings).toContain('In the server list (a row focused)')
    const table = [...document.querySelectorAll('h3')].find((h) => h.textContent === 'In the server list (a row focused)')!.nextElementSibling!
    const rows = [...table.querySelectorAll('tr')].map((r) => [r.querySelector('kbd')?.textContent, r.querySelector('td')?.textContent])
    expect(rows.slice(1)).toEqual(ROW_KEYS.map((k) => [k.key, k.label]))
    expect(rows.find(([, label]) => label === 'remove')?.[0]).toBe('Delete')
    unmount(mounted)
  })
})
