import { z } from 'zod'

/** The key map's commands: what a key, a palette entry or a native menu item can ask the UI to do. */
export const CommandId = z.enum([
  'pane.next',
  'pane.prev',
  'pane.jump',
  'pane.zoom',
  'pane.close',
  'pane.swapNext',
  'pane.swapPrev',
  'pane.search',
  'pane.pageNext',
  'pane.pagePrev',
  'palette.open',
  'help.open',
  'prompt.focus',
  'prompt.submit',
  'prompt.cycleTarget',
  'prompt.cycleTargetBack',
  'prompt.toggleLines',
  'attention.focus',
  'servers.focus',
  'view.toggle',
  'prompt.toggleWorktree',
  'result.land',
  'result.squash',
  'result.discard',
  'result.keep',
  'result.followUp',
])
export type CommandId = z.infer<typeof CommandId>

/** One command; `n` is the pane number (1-9) for pane.jump. */
export const UiCommand = z.strictObject({ id: CommandId, n: z.number().int().min(1).max(9).optional() })
export type UiCommand = z.infer<typeof UiCommand>
