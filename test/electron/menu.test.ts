import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import type { UiCommand } from '../../core/contract/commands'
import { events } from '../../core/contract/api'
import { BINDINGS, commandFor, type KeyLike } from '../../core/view/keymap'
import { menuTemplate } from '../../electron/main/menu'

// The native menus are plain templates (Electron's Menu cannot be built without its binary);
// these tests hold them to the key map: the same commands, under the same keys.

const CODES: Record<string, string> = { PageDown: 'PageDown', PageUp: 'PageUp', ']': 'BracketRight', '[': 'BracketLeft', '?': 'Slash', Enter: 'Enter' }

/** What pressing an accelerator delivers to the page on Linux/Windows (CmdOrCtrl is Ctrl there). */
function pressOf(accelerator: string): KeyLike {
  const parts = accelerator.split('+')
  const key = parts.pop()!
  const has = (m: string) => parts.includes(m)
  const code = CODES[key] ?? (/^[0-9]$/.test(key) ? `Digit${key}` : `Key${key.toUpperCase()}`)
  return {
    key: key.length === 1 && /[A-Z]/.test(key) && !has('Shift') ? key.toLowerCase() : key,
    code,
    ctrlKey: has('CmdOrCtrl'),
    altKey: has('Alt'),
    shiftKey: has('Shift') || key === '?',
  }
}

function commandItems(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => {
    const sub = Array.isArray(item.submenu) ? commandItems(item.submenu) : []
    return item.click ? [item, ...sub] : sub
  })
}

function clicked(item: MenuItemConstructorOptions): UiCommand {
  let sent: UiCommand | undefined
  const [found] = commandItems(menuTemplate((c) => (sent = c), 'linux')).filter((i) => i.label === item.label && i.accelerator === item.accelerator)
  ;(found.click as () => void)()
  return sent!
}

describe('native menus', () => {
  const items = commandItems(menuTemplate(() => {}, 'linux'))

  it('offer every key-map command, pane jumps 1 to 9', () => {
    const ids = items.map((i) => clicked(i).id)
    expect(new Set(ids)).toEqual(new Set(BINDINGS.map((b) => b.id)))
    expect(items.filter((i) => i.accelerator?.match(/^Alt\+[1-9]$/)).map((i) => i.accelerator)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `Alt+${n}`))
  })

  it('show the very key the renderer answers for that command', () => {
    for (const item of items) {
      const command = clicked(item)
      // Where the key map would take it: search works in a pane, result keys in the tasks view; the rest with nobody typing.
      const context = command.id === 'pane.search' ? { inPane: true } : command.id.startsWith('result.') ? { inResults: true } : {}
      expect(commandFor(pressOf(item.accelerator as string), context), `${item.label} (${item.accelerator})`).toEqual(command)
    }
  })

  it('leave key handling to the renderer, so a shell pane keeps Ctrl+K and Ctrl+L', () => {
    expect(items.length).toBeGreaterThan(20)
    for (const item of items) expect(item.registerAccelerator, String(item.label)).toBe(false)
  })

  it('send commands the contract accepts, and nothing else', () => {
    for (const item of items) expect(events['ui.command'].safeParse(clicked(item)).success).toBe(true)
    expect(events['ui.command'].safeParse({ id: 'shell.exec' }).success).toBe(false)
    expect(events['ui.command'].safeParse({ id: 'pane.jump', n: 10 }).success).toBe(false)
  })

  it('have an app menu on macOS and a Quit item elsewhere', () => {
    expect(menuTemplate(() => {}, 'darwin')[0]).toEqual({ role: 'appMenu' })
    const file = menuTemplate(() => {}, 'linux').find((m) => m.label === 'File')!
    expect((file.submenu as MenuItemConstructorOptions[]).some((i) => i.role === 'quit')).toBe(true)
  })
})
