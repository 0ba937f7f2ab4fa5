import type { MenuItemConstructorOptions } from 'electron'
import type { UiCommand } from '../../core/contract/commands'
import { acceleratorFor, BINDINGS, type Command } from '../../core/view/keymap'

/**
 * The native menus: every key-map command, under the same shortcut the renderer answers.
 *
 * The accelerators are shown but not registered (`registerAccelerator: false`): the renderer's
 * key map stays the one place keys are handled, because it knows where focus is. A registered
 * Ctrl+K or Ctrl+L would be taken from a shell pane that needs it. macOS always registers menu
 * keys; there the page sees the key first and stops it, so the menu does not fire twice.
 */
export function menuTemplate(send: (command: UiCommand) => void, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const item = (command: Command, label = describe(command)): MenuItemConstructorOptions => ({
    label,
    accelerator: acceleratorFor(command, platform === 'darwin' ? 'mac' : 'other'),
    registerAccelerator: false,
    click: () => send(command),
  })
  const separator: MenuItemConstructorOptions = { type: 'separator' }
  const mac = platform === 'darwin'
  const jumps = Array.from({ length: 9 }, (_, i) => item({ id: 'pane.jump', n: i + 1 }, `Pane ${i + 1}`))
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: [item({ id: 'palette.open' }, 'Command Palette…'), separator, mac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [item({ id: 'view.toggle' }), item({ id: 'servers.focus' }), item({ id: 'attention.focus' }), separator, { role: 'togglefullscreen' }],
    },
    {
      label: 'Pane',
      submenu: [
        item({ id: 'pane.next' }),
        item({ id: 'pane.prev' }),
        { label: 'Jump to', submenu: jumps },
        separator,
        item({ id: 'pane.zoom' }),
        item({ id: 'pane.swapNext' }),
        item({ id: 'pane.swapPrev' }),
        item({ id: 'pane.search' }),
        item({ id: 'pane.pageNext' }),
        item({ id: 'pane.pagePrev' }),
        separator,
        item({ id: 'pane.close' }),
      ],
    },
    {
      label: 'Prompt',
      submenu: [item({ id: 'prompt.focus' }), item({ id: 'prompt.submit' }), item({ id: 'prompt.cycleTarget' }), item({ id: 'prompt.cycleTargetBack' }), item({ id: 'prompt.toggleLines' }), item({ id: 'prompt.toggleWorktree' })],
    },
    {
      label: 'Result',
      submenu: [item({ id: 'result.land' }), item({ id: 'result.squash' }), item({ id: 'result.followUp' }), separator, item({ id: 'result.keep' }), item({ id: 'result.discard' })],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [item({ id: 'help.open' }, 'Keyboard Shortcuts')] },
  ]
}

function describe(command: Command): string {
  return BINDINGS.find((b) => b.id === command.id)?.description ?? command.id
}
