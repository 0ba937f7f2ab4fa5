import type { ServerView } from '../../core/contract/servers'
import type { PaletteCommand } from './components/CommandPalette'
import { LAYOUT_LIMITS } from './grid/layout'
import { BINDINGS, describeBinding, platformKeys, type Command, type CommandId, type Platform } from '../../core/view/keymap'
import { PLATFORM } from './keyContext'

export interface CommandContext {
  run: (command: Command) => void
  servers: ServerView[]
  openPane: (serverId: string, kind: 'server' | 'tui' | 'shell') => void
  serverAction: (serverId: string, action: 'servers.start' | 'servers.stop' | 'servers.restart') => void
  setLimit: (limit: number) => void
  addServer: () => void
  /** One more shell in the host's home, beside any already open. */
  newShell: () => void
  weztermDomains: () => void
  repositorySettings: () => void
  enableNotifications?: () => void
  setTheme: (theme: ThemeName) => void
  /** Asks before removing a server (the card's and the row's Remove). */
  removeServer?: (serverId: string) => void
  /** Opens the log of past notices (the toasts expire; the log keeps them). */
  noticeLog?: () => void
  /** Whose keys the hints name (macOS: Ctrl+Option for the Alt chords). */
  platform?: Platform
}

export type ThemeName = 'system' | 'light' | 'dark'
const THEMES: ReadonlyArray<[ThemeName, string]> = [['system', 'Theme: follow the OS'], ['light', 'Theme: light'], ['dark', 'Theme: dark']]

/** Everything the palette offers: the key map's commands plus per-server and layout commands. */
export function paletteCommands(ctx: CommandContext): PaletteCommand[] {
  const keyed = (id: CommandId, label: string, command: Command = { id }): PaletteCommand => ({
    id,
    label,
    keys: describeBinding(id, ctx.platform ?? PLATFORM),
    run: () => ctx.run(command),
  })
  const commands: PaletteCommand[] = BINDINGS.filter((b) => b.id !== 'palette.open' && b.id !== 'pane.jump' && !b.id.startsWith('result.')).map((b) => keyed(b.id, b.description))
  for (let n = 1; n <= 9; n++) commands.push({ id: `pane.jump.${n}`, label: `Jump to pane ${n}`, keys: platformKeys(`Alt+${n}`, ctx.platform ?? PLATFORM), run: () => ctx.run({ id: 'pane.jump', n }) })
  for (const limit of LAYOUT_LIMITS) commands.push({ id: `layout.${limit}`, label: `Layout: up to ${limit} pane${limit === 1 ? '' : 's'}`, run: () => ctx.setLimit(limit) })
  for (const s of ctx.servers) {
    commands.push({ id: `events.${s.id}`, label: `Open events: ${s.name}`, run: () => ctx.openPane(s.id, 'server') })
    commands.push({ id: `tui.${s.id}`, label: `Open TUI: ${s.name}`, run: () => ctx.openPane(s.id, 'tui') })
    if (s.kind === 'local' || s.kind === 'ssh') commands.push({ id: `shell.${s.id}`, label: `Open shell: ${s.name}`, run: () => ctx.openPane(s.id, 'shell') })
    commands.push({ id: `start.${s.id}`, label: `Start server: ${s.name}`, run: () => ctx.serverAction(s.id, 'servers.start') })
    commands.push({ id: `stop.${s.id}`, label: `Stop server: ${s.name}`, run: () => ctx.serverAction(s.id, 'servers.stop') })
    commands.push({ id: `restart.${s.id}`, label: `Restart server: ${s.name}`, run: () => ctx.serverAction(s.id, 'servers.restart') })
    const remove = ctx.removeServer
    if (remove) commands.push({ id: `remove.${s.id}`, label: `Remove server: ${s.name}…`, run: () => remove(s.id) })
  }
  commands.push({ id: 'server.add', label: 'Add a server', run: ctx.addServer })
  if (ctx.noticeLog) commands.push({ id: 'notices.log', label: 'Notice log (past notices)', run: ctx.noticeLog })
  commands.push({ id: 'shell.new', label: 'New shell (home folder)', run: ctx.newShell })
  commands.push({ id: 'wezterm.domains', label: 'WezTerm SSH domains…', run: ctx.weztermDomains })
  commands.push({ id: 'repository.settings', label: 'Repository settings… (setup, copy, verify)', run: ctx.repositorySettings })
  for (const [theme, label] of THEMES) commands.push({ id: `theme.${theme}`, label, run: () => ctx.setTheme(theme) })
  if (ctx.enableNotifications) commands.push({ id: 'notifications', label: 'Enable desktop notifications', run: ctx.enableNotifications })
  return commands
}
