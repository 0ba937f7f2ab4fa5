import type { CommandId } from '../contract/commands'

/** The parts of a KeyboardEvent the key map reads (tests build these by hand). */
export interface KeyLike {
  key: string
  code?: string
  ctrlKey?: boolean
  altKey?: boolean
  shiftKey?: boolean
  metaKey?: boolean
  /** KeyboardEvent's: AltGr (Linux, Windows) reports here; its presses type characters. */
  getModifierState?: (key: string) => boolean
}

/** Which keys type characters: macOS Option does; elsewhere only AltGr (reported apart from Alt). */
export type Platform = 'mac' | 'other'

/** Where the key was pressed. */
export interface KeyContext {
  /** In the prompt textarea. */
  inPrompt?: boolean
  /** In any other text field (inputs, selects, the palette filter...). */
  inTextField?: boolean
  /** Inside a terminal pane. */
  inPane?: boolean
  /** In an interactive terminal (shell, TUI): the program gets every key but the pane keys. */
  inTerminal?: boolean
  /** In the tasks view, or with the focus nowhere in particular (no dialog open): where the result keys work. */
  inResults?: boolean
  /** macOS: Option+key types a character in a text field, so Alt chords there need Ctrl+Option. */
  platform?: Platform
}

export type { CommandId }

export interface Command {
  id: CommandId
  /** Pane number (1-based) for pane.jump. */
  n?: number
}

/**
 * Where a binding works. Typing is sacred: plain keys never fire in a text field, and in the
 * prompt only the keys meant for it (and Ctrl/Cmd chords) do.
 */
type Scope = 'anywhere' | 'global' | 'prompt' | 'notTyping' | 'pane' | 'results'

export interface Binding {
  id: CommandId
  /** The same key as an Electron accelerator, for the native menus ("#" stands for pane N). */
  accelerator: string
  keys: string
  description: string
  scope: Scope
  match: (k: KeyLike) => boolean | number
  /** An extra plain key that works only while nobody is typing ("/" would type a slash). */
  plain?: string
  /** Which of its keys still work inside a shell or TUI (none unless given: the program gets them). */
  inTerminal?: (k: KeyLike) => boolean
}

const mods = (k: KeyLike) => `${k.ctrlKey ? 'C' : ''}${k.altKey ? 'A' : ''}${k.shiftKey ? 'S' : ''}${k.metaKey ? 'M' : ''}`
const code = (k: KeyLike) => k.code || ''
// Every Alt chord also answers Ctrl+Alt (Ctrl+Option on macOS), which types no character anywhere but
// under Windows' AltGr (reported as AltGraph, refused below): the way to it from a text field on a Mac.
const alt = (k: KeyLike, c: string) => (mods(k) === 'A' || mods(k) === 'CA') && code(k) === c
const altShift = (k: KeyLike, c: string) => (mods(k) === 'AS' || mods(k) === 'CAS') && code(k) === c
const primary = (k: KeyLike) => mods(k) === 'C' || mods(k) === 'M'
const terminalPalette = (k: KeyLike) => (mods(k) === 'CS' || mods(k) === 'SM') && code(k) === 'KeyP'
const always = () => true
/** A plain letter (Shift as asked, Caps Lock ignored): the result keys, like the inbox's. */
const letter = (k: KeyLike, l: string, shift = false) => mods(k) === (shift ? 'S' : '') && k.key.toLowerCase() === l

export const BINDINGS: readonly Binding[] = [
  { id: 'pane.next', accelerator: 'Alt+]', keys: 'Ctrl+Alt+→ / Alt+]', description: 'Focus the next pane', scope: 'global', match: (k) => (mods(k) === 'CA' && (k.key === 'ArrowRight' || k.key === 'ArrowDown')) || alt(k, 'BracketRight'), inTerminal: always },
  { id: 'pane.prev', accelerator: 'Alt+[', keys: 'Ctrl+Alt+← / Alt+[', description: 'Focus the previous pane', scope: 'global', match: (k) => (mods(k) === 'CA' && (k.key === 'ArrowLeft' || k.key === 'ArrowUp')) || alt(k, 'BracketLeft'), inTerminal: always },
  { id: 'pane.jump', accelerator: 'Alt+#', keys: 'Alt+1 … Alt+9', description: 'Jump to pane N', scope: 'global', match: (k) => ((mods(k) === 'A' || mods(k) === 'CA') && /^Digit[1-9]$/.test(code(k)) ? Number(code(k).slice(5)) : false), inTerminal: always },
  { id: 'pane.zoom', accelerator: 'Alt+Z', keys: 'Alt+Z', description: 'Zoom the focused pane (again to unzoom)', scope: 'global', match: (k) => alt(k, 'KeyZ'), inTerminal: always },
  { id: 'pane.close', accelerator: 'Alt+W', keys: 'Alt+W', description: 'Close the focused pane', scope: 'global', match: (k) => alt(k, 'KeyW') },
  { id: 'pane.swapNext', accelerator: 'Alt+Shift+]', keys: 'Alt+Shift+]', description: 'Swap the focused pane with the next', scope: 'global', match: (k) => altShift(k, 'BracketRight'), inTerminal: always },
  { id: 'pane.swapPrev', accelerator: 'Alt+Shift+[', keys: 'Alt+Shift+[', description: 'Swap the focused pane with the previous', scope: 'global', match: (k) => altShift(k, 'BracketLeft'), inTerminal: always },
  { id: 'pane.pageNext', accelerator: 'Alt+PageDown', keys: 'Alt+PgDn', description: 'Show the next grid page', scope: 'global', match: (k) => alt(k, 'PageDown'), inTerminal: always },
  { id: 'pane.pagePrev', accelerator: 'Alt+PageUp', keys: 'Alt+PgUp', description: 'Show the previous grid page', scope: 'global', match: (k) => alt(k, 'PageUp'), inTerminal: always },
  { id: 'pane.search', accelerator: 'CmdOrCtrl+F', keys: 'Ctrl+F', description: 'Search the focused pane’s scrollback', scope: 'pane', match: (k) => primary(k) && k.key.toLowerCase() === 'f' },
  // Ctrl+K opens the palette even inside a shell or TUI: given to bash it silently killed the line, and
  // what was typed for the palette ran as a command. Ctrl+Shift+P is the same key, as in VS Code.
  { id: 'palette.open', accelerator: 'CmdOrCtrl+K', keys: 'Ctrl+K / Ctrl+Shift+P', description: 'Command palette (also from a shell or TUI pane)', scope: 'anywhere', match: (k) => (primary(k) && code(k) === 'KeyK') || (primary(k) && k.key.toLowerCase() === 'k') || terminalPalette(k), inTerminal: always },
  { id: 'help.open', accelerator: '?', keys: '?', description: 'Show these shortcuts', scope: 'notTyping', match: (k) => k.key === '?' && !k.ctrlKey && !k.altKey && !k.metaKey },
  { id: 'prompt.focus', accelerator: 'CmdOrCtrl+L', keys: 'Ctrl+L or /', description: 'Focus the prompt', scope: 'anywhere', match: (k) => primary(k) && k.key.toLowerCase() === 'l', plain: '/' },
  { id: 'prompt.submit', accelerator: 'CmdOrCtrl+Enter', keys: 'Ctrl+Enter', description: 'Submit the prompt(s)', scope: 'prompt', match: (k) => primary(k) && k.key === 'Enter' },
  { id: 'prompt.cycleTarget', accelerator: 'Alt+T', keys: 'Alt+T', description: 'Cycle the prompt’s target', scope: 'prompt', match: (k) => alt(k, 'KeyT') },
  { id: 'prompt.cycleTargetBack', accelerator: 'Alt+Shift+T', keys: 'Alt+Shift+T', description: 'Cycle the target backwards', scope: 'prompt', match: (k) => altShift(k, 'KeyT') },
  { id: 'prompt.toggleLines', accelerator: 'Alt+O', keys: 'Alt+O', description: 'Toggle “one prompt per line”', scope: 'prompt', match: (k) => alt(k, 'KeyO') },
  { id: 'attention.focus', accelerator: 'Alt+A', keys: 'Alt+A', description: 'Focus the attention inbox', scope: 'prompt', match: (k) => alt(k, 'KeyA') , inTerminal: always },
  { id: 'servers.focus', accelerator: 'Alt+S', keys: 'Alt+S', description: 'Focus the server list', scope: 'global', match: (k) => alt(k, 'KeyS') , inTerminal: always },
  { id: 'view.toggle', accelerator: 'Alt+V', keys: 'Alt+V', description: 'Switch between terminals and the tasks view (its task list takes the focus)', scope: 'global', match: (k) => alt(k, 'KeyV') , inTerminal: always },
  { id: 'prompt.toggleWorktree', accelerator: 'Alt+G', keys: 'Alt+G', description: 'Own worktree on or off (when the project is a git repository)', scope: 'prompt', match: (k) => alt(k, 'KeyG') },
  // The selected task's result, in the tasks view: plain letters, so never while typing or in a dialog.
  { id: 'result.land', accelerator: 'L', keys: 'L', description: 'Land the selected result (merge it into its target branch)', scope: 'results', match: (k) => letter(k, 'l') },
  { id: 'result.squash', accelerator: 'Shift+L', keys: 'Shift+L', description: 'Land the selected result as one commit (squash)', scope: 'results', match: (k) => letter(k, 'l', true) },
  { id: 'result.discard', accelerator: 'D', keys: 'D', description: 'Discard the selected result: delete its worktree and branch (asks first)', scope: 'results', match: (k) => letter(k, 'd') },
  { id: 'result.keep', accelerator: 'K', keys: 'K', description: 'Keep the branch and close the result (nothing changes)', scope: 'results', match: (k) => letter(k, 'k') },
  { id: 'result.followUp', accelerator: 'F', keys: 'F', description: 'Follow up on the selected result: another prompt on its branch', scope: 'results', match: (k) => letter(k, 'f') },
]

/** Keys that only mean something inside the attention inbox (shown in the help dialog). */
export const INBOX_KEYS: ReadonlyArray<{ keys: string; description: string }> = [
  { keys: 'a', description: 'Allow once (focused request)' },
  { keys: 'Shift+A', description: 'Always allow' },
  { keys: 'r', description: 'Reject' },
  { keys: '1 … 9', description: 'Pick that answer to a question' },
  { keys: '↑ / ↓', description: 'Move between requests' },
]

/** The command a key means where it was pressed, or null (let the key through). */
export function commandFor(key: KeyLike, context: KeyContext = {}): Command | null {
  const typing = Boolean(context.inPrompt || context.inTextField)
  // AltGr types a character (Linux, Windows; Windows reports it as Ctrl+Alt too): never a shortcut.
  if (key.getModifierState?.('AltGraph') && key.key.length === 1) return null
  for (const binding of BINDINGS) {
    // Inside a shell or TUI only moving between panes, and the way out, are ours: nothing a program could want.
    if (context.inTerminal && !binding.inTerminal?.(key)) continue
    let matched = binding.match(key)
    if (matched === false && binding.plain && !typing && key.key === binding.plain && !key.ctrlKey && !key.altKey && !key.metaKey) matched = true
    if (matched === false) continue
    if (!allowed(binding.scope, context, typing)) continue
    // macOS Option types a character in a text field (Option+Z is Ω): there the Alt chords are Ctrl+Option's.
    if (typing && optionTypes(key, context)) continue
    return typeof matched === 'number' ? { id: binding.id, n: matched } : { id: binding.id }
  }
  return null
}

/** An Option chord on a Mac with neither Ctrl nor Cmd: it types (arrows and Enter excepted). */
function optionTypes(key: KeyLike, context: KeyContext): boolean {
  return context.platform === 'mac' && Boolean(key.altKey) && !key.ctrlKey && !key.metaKey && !/^(Arrow|Enter$|Escape$|Tab$)/.test(key.key)
}

function allowed(scope: Scope, context: KeyContext, typing: boolean): boolean {
  switch (scope) {
    case 'anywhere':
      return true
    case 'global':
      // Chords that move the focus between Flotilla's parts: from the prompt and every text field too.
      return true
    case 'notTyping':
      return !typing
    case 'prompt':
      // Prompt keys work in the prompt and anywhere nobody is typing; Ctrl/Cmd chords everywhere.
      return Boolean(context.inPrompt) || !typing
    case 'pane':
      return Boolean(context.inPane) && !typing
    case 'results':
      return Boolean(context.inResults) && !typing
  }
}

/**
 * How a key is written on a platform. On macOS the Alt chords are shown as Ctrl+Option (they work
 * from text fields, where Option alone types) and Ctrl/Cmd chords as Cmd.
 */
export function platformKeys(keys: string, platform: Platform = 'other'): string {
  if (platform !== 'mac') return keys
  return keys
    .replace(/Ctrl\+Alt\+/g, '\u0000')
    .replace(/Alt\+/g, '\u0000')
    .replace(/Ctrl\+/g, 'Cmd+')
    .replace(/\u0000/g, 'Ctrl+Option+')
}

/** The other chord that does the same, when there is one (shown beside the platform's own). */
export function alternativeKeys(keys: string, platform: Platform = 'other'): string | undefined {
  const altParts = keys.split(' / ').filter((part) => part.startsWith('Alt+'))
  if (altParts.length === 0) return undefined
  if (platform === 'mac') return `${altParts.map((part) => part.replace(/Alt\+/g, 'Option+')).join(' / ')} outside text fields`
  return altParts.map((part) => part.replace(/Alt\+/g, 'Ctrl+Alt+')).join(' / ')
}

/** The keys a shell or TUI pane leaves to Flotilla (the program gets every other one), as the platform writes them. */
export function terminalKeys(platform: Platform = 'other'): string[] {
  return BINDINGS.filter((b) => b.inTerminal).map((b) => platformKeys(b.keys, platform))
}

export function describeBinding(id: CommandId, platform: Platform = 'other'): string | undefined {
  const keys = BINDINGS.find((b) => b.id === id)?.keys
  return keys === undefined ? undefined : platformKeys(keys, platform)
}

/**
 * The Electron accelerator of a command, e.g. "Alt+3" for { id: 'pane.jump', n: 3 }. On macOS the
 * Alt chords are given as Ctrl+Alt (⌃⌥), the chord that works from a text field there too.
 */
export function acceleratorFor(command: Command, platform: Platform = 'other'): string | undefined {
  const binding = BINDINGS.find((b) => b.id === command.id)
  const accelerator = binding?.accelerator.replace('#', String(command.n ?? 1))
  return platform === 'mac' ? accelerator?.replace(/^Alt\+/, 'Ctrl+Alt+') : accelerator
}
