// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { acceleratorFor, alternativeKeys, BINDINGS, commandFor, describeBinding, platformKeys, terminalKeys, type KeyLike } from '../../core/view/keymap'

const key = (k: string, code: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, code, ...mods })
const id = (k: KeyLike, ctx = {}) => commandFor(k, ctx)?.id ?? null

describe('key map', () => {
  it('moves between panes with Ctrl+Alt+arrows and Alt+] / Alt+[', () => {
    expect(id(key('ArrowRight', 'ArrowRight', { ctrlKey: true, altKey: true }))).toBe('pane.next')
    expect(id(key('ArrowDown', 'ArrowDown', { ctrlKey: true, altKey: true }))).toBe('pane.next')
    expect(id(key('ArrowLeft', 'ArrowLeft', { ctrlKey: true, altKey: true }))).toBe('pane.prev')
    expect(id(key(']', 'BracketRight', { altKey: true }))).toBe('pane.next')
    expect(id(key('[', 'BracketLeft', { altKey: true }))).toBe('pane.prev')
    expect(id(key('ArrowRight', 'ArrowRight'))).toBeNull()
  })

  it('pages the grid with Alt+PageDown / Alt+PageUp (Ctrl+Alt too), from a pane as well; PageDown alone is the program\'s', () => {
    expect(id(key('PageDown', 'PageDown', { altKey: true }))).toBe('pane.pageNext')
    expect(id(key('PageUp', 'PageUp', { altKey: true }))).toBe('pane.pagePrev')
    expect(id(key('PageDown', 'PageDown', { ctrlKey: true, altKey: true }))).toBe('pane.pageNext')
    expect(id(key('PageDown', 'PageDown', { altKey: true }), { inPane: true, inTerminal: true })).toBe('pane.pageNext')
    expect(id(key('PageDown', 'PageDown'), { inPane: true, inTerminal: true })).toBeNull()
  })

  it('jumps to pane N with Alt+N, reading the physical key (macOS Option changes e.key)', () => {
    expect(commandFor(key('3', 'Digit3', { altKey: true }))).toEqual({ id: 'pane.jump', n: 3 })
    expect(commandFor(key('¡', 'Digit1', { altKey: true }))).toEqual({ id: 'pane.jump', n: 1 })
    expect(commandFor(key('0', 'Digit0', { altKey: true }))).toBeNull()
    expect(commandFor(key('3', 'Digit3'))).toBeNull()
  })

  it('maps zoom, swap, palette, help, prompt, target, inbox', () => {
    expect(id(key('Ω', 'KeyZ', { altKey: true }))).toBe('pane.zoom')
    expect(id(key('}', 'BracketRight', { altKey: true, shiftKey: true }))).toBe('pane.swapNext')
    expect(id(key('k', 'KeyK', { ctrlKey: true }))).toBe('palette.open')
    expect(id(key('k', 'KeyK', { metaKey: true }))).toBe('palette.open')
    expect(id(key('?', 'Slash', { shiftKey: true }))).toBe('help.open')
    expect(id(key('l', 'KeyL', { ctrlKey: true }))).toBe('prompt.focus')
    expect(id(key('/', 'Slash'))).toBe('prompt.focus')
    expect(id(key('t', 'KeyT', { altKey: true }))).toBe('prompt.cycleTarget')
    expect(id(key('T', 'KeyT', { altKey: true, shiftKey: true }))).toBe('prompt.cycleTargetBack')
    expect(id(key('a', 'KeyA', { altKey: true }))).toBe('attention.focus')
  })

  it('submits with Ctrl+Enter or Cmd+Enter from the prompt, but not from another text field', () => {
    expect(id(key('Enter', 'Enter', { ctrlKey: true }), { inPrompt: true })).toBe('prompt.submit')
    expect(id(key('Enter', 'Enter', { metaKey: true }), { inPrompt: true })).toBe('prompt.submit')
    expect(id(key('Enter', 'Enter'), { inPrompt: true })).toBeNull()
    expect(id(key('Enter', 'Enter', { ctrlKey: true }), { inTextField: true })).toBeNull()
  })

  it('does not steal keys while typing in the prompt, except the ones meant for it', () => {
    const inPrompt = { inPrompt: true }
    for (const [k, code] of [['/', 'Slash'], ['?', 'Slash'], ['a', 'KeyA'], ['1', 'Digit1'], ['z', 'KeyZ']]) {
      expect(id(key(k, code), inPrompt)).toBeNull()
    }
    // The global chords work from the prompt (issue 12: after a submit the focus stays there).
    expect(commandFor(key('3', 'Digit3', { altKey: true }), inPrompt)).toEqual({ id: 'pane.jump', n: 3 })
    expect(id(key('z', 'KeyZ', { altKey: true }), inPrompt)).toBe('pane.zoom')
    expect(id(key('t', 'KeyT', { altKey: true }), inPrompt)).toBe('prompt.cycleTarget')
    expect(id(key('o', 'KeyO', { altKey: true }), inPrompt)).toBe('prompt.toggleLines')
    expect(id(key('k', 'KeyK', { ctrlKey: true }), inPrompt)).toBe('palette.open')
  })

  it('leaves other text fields alone except Ctrl chords', () => {
    const inField = { inTextField: true }
    expect(id(key('/', 'Slash'), inField)).toBeNull()
    expect(id(key('t', 'KeyT', { altKey: true }), inField)).toBeNull()
    expect(id(key('a', 'KeyA', { altKey: true }), inField)).toBeNull()
    // The chords that move between Flotilla's parts work from any field (Alt types nothing off macOS).
    expect(id(key('s', 'KeyS', { altKey: true }), inField)).toBe('servers.focus')
    expect(id(key('k', 'KeyK', { ctrlKey: true }), inField)).toBe('palette.open')
  })

  it('searches with Ctrl+F only inside a pane, leaving the browser its find elsewhere', () => {
    expect(id(key('f', 'KeyF', { ctrlKey: true }), { inPane: true })).toBe('pane.search')
    expect(id(key('f', 'KeyF', { ctrlKey: true }))).toBeNull()
  })

  it('leaves plain typing keys and unknown chords alone', () => {
    for (const k of ['a', 'A', 'r', 'Enter', 'Escape', 'Tab', ' ']) expect(id(key(k, ''))).toBeNull()
    expect(id(key('x', 'KeyX', { altKey: true }))).toBeNull()
  })

  it('result keys are plain letters that work only where results are (the tasks view), never while typing', () => {
    const inResults = { inResults: true }
    expect(id(key('l', 'KeyL'), inResults)).toBe('result.land')
    expect(id(key('L', 'KeyL', { shiftKey: true }), inResults)).toBe('result.squash')
    expect(id(key('L', 'KeyL'), inResults)).toBe('result.land')
    expect(id(key('d', 'KeyD'), inResults)).toBe('result.discard')
    expect(id(key('k', 'KeyK'), inResults)).toBe('result.keep')
    expect(id(key('f', 'KeyF'), inResults)).toBe('result.followUp')
    for (const k of ['l', 'd', 'k', 'f']) {
      expect(id(key(k, `Key${k.toUpperCase()}`))).toBeNull()
      expect(id(key(k, `Key${k.toUpperCase()}`), { inResults: true, inTextField: true })).toBeNull()
      expect(id(key(k, `Key${k.toUpperCase()}`), { inResults: true, inPrompt: true })).toBeNull()
    }
    expect(id(key('D', 'KeyD', { shiftKey: true }), inResults)).toBeNull()
    // The chords on the same letters stay what they were.
    expect(id(key('l', 'KeyL', { ctrlKey: true }), inResults)).toBe('prompt.focus')
    expect(id(key('k', 'KeyK', { ctrlKey: true }), inResults)).toBe('palette.open')
    expect(id(key('f', 'KeyF', { ctrlKey: true }), { inPane: true })).toBe('pane.search')
  })

  it('Alt+G toggles the own worktree in the prompt and with nobody typing, not in another field', () => {
    expect(id(key('g', 'KeyG', { altKey: true }), { inPrompt: true })).toBe('prompt.toggleWorktree')
    expect(id(key('©', 'KeyG', { altKey: true }))).toBe('prompt.toggleWorktree')
    expect(id(key('g', 'KeyG', { altKey: true }), { inTextField: true })).toBeNull()
  })

  it('no two bindings answer the same key in the same place', () => {
    const presses: KeyLike[] = []
    for (const c of 'abcdefghijklmnopqrstuvwxyz') for (const m of [{}, { shiftKey: true }, { altKey: true }, { ctrlKey: true }, { altKey: true, shiftKey: true }]) presses.push(key(m && 'shiftKey' in m ? c.toUpperCase() : c, `Key${c.toUpperCase()}`, m))
    for (const press of presses) {
      const matched = BINDINGS.filter((b) => b.match(press) !== false).map((b) => b.id)
      expect(matched.length, `${JSON.stringify(press)}: ${matched.join(', ')}`).toBeLessThanOrEqual(1)
    }
  })

  it('documents every binding once', () => {
    const ids = BINDINGS.map((b) => b.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const b of BINDINGS) expect(b.keys && b.description).toBeTruthy()
  })
})

describe('key map in a shell or TUI pane', () => {
  const inTerminal = { inPane: true, inTerminal: true }
  it('gives the program every key except the pane keys', () => {
    for (const k of [key('l', 'KeyL', { ctrlKey: true }), key('f', 'KeyF', { ctrlKey: true }), key('/', 'Slash'), key('?', 'Slash'), key('t', 'KeyT', { altKey: true }), key('w', 'KeyW', { altKey: true })]) {
      expect(commandFor(k, inTerminal)).toBeNull()
    }
    expect(id(key('ArrowRight', 'ArrowRight', { ctrlKey: true, altKey: true }), inTerminal)).toBe('pane.next')
    expect(commandFor(key('2', 'Digit2', { altKey: true }), inTerminal)).toEqual({ id: 'pane.jump', n: 2 })
    expect(id(key('z', 'KeyZ', { altKey: true }), inTerminal)).toBe('pane.zoom')
  })

  it('keeps the keys that open a Flotilla surface (inbox, server list, tasks view) and says which they are', () => {
    expect(id(key('a', 'KeyA', { altKey: true }), inTerminal)).toBe('attention.focus')
    expect(id(key('s', 'KeyS', { altKey: true }), inTerminal)).toBe('servers.focus')
    expect(id(key('v', 'KeyV', { altKey: true }), inTerminal)).toBe('view.toggle')
    // Readline's own Alt keys stay the program's: Alt+T transposes words, Alt+F/B move by word.
    for (const c of ['t', 'f', 'b', 'd']) expect(commandFor(key(c, `Key${c.toUpperCase()}`, { altKey: true }), inTerminal)).toBeNull()
    expect(terminalKeys()).toEqual(['Ctrl+Alt+→ / Alt+]', 'Ctrl+Alt+← / Alt+[', 'Alt+1 … Alt+9', 'Alt+Z', 'Alt+Shift+]', 'Alt+Shift+[', 'Alt+PgDn', 'Alt+PgUp', 'Ctrl+K / Ctrl+Shift+P', 'Alt+A', 'Alt+S', 'Alt+V'])
    expect(terminalKeys('mac')).toContain('Ctrl+Option+S')
  })

  it('opens the palette with Ctrl+K too: a shell never swallows the key that opens a Flotilla surface', () => {
    expect(id(key('k', 'KeyK', { ctrlKey: true }), inTerminal)).toBe('palette.open')
    expect(id(key('k', 'KeyK', { metaKey: true }), inTerminal)).toBe('palette.open')
  })

  it('opens the palette with Ctrl+Shift+P, the way out of a terminal by keyboard', () => {
    expect(id(key('P', 'KeyP', { ctrlKey: true, shiftKey: true }), inTerminal)).toBe('palette.open')
    expect(id(key('P', 'KeyP', { ctrlKey: true, shiftKey: true }))).toBe('palette.open')
    expect(commandFor(key('p', 'KeyP', { ctrlKey: true }), inTerminal)).toBeNull()
  })
})

describe('key map and Alt chords while typing', () => {
  const mac = { platform: 'mac' } as const
  it('on macOS lets Option+] type its character in text fields, keeps Ctrl+Alt+arrows', () => {
    expect(commandFor(key('‘', 'BracketRight', { altKey: true }), { inPrompt: true, ...mac })).toBeNull()
    expect(commandFor(key('‘', 'BracketRight', { altKey: true }), { inTextField: true, ...mac })).toBeNull()
    expect(id(key('ArrowLeft', 'ArrowLeft', { ctrlKey: true, altKey: true }), { inPrompt: true, ...mac })).toBe('pane.prev')
    // Outside a text field Option chords are still the shortcuts (nothing is typed there).
    expect(id(key('Ω', 'KeyZ', { altKey: true }), mac)).toBe('pane.zoom')
  })

  it('on macOS every Alt chord also works as Ctrl+Option, from the prompt and other fields', () => {
    const inPrompt = { inPrompt: true, ...mac }
    for (const [k, code, expected] of [['1', 'Digit1', 'pane.jump'], [']', 'BracketRight', 'pane.next'], ['z', 'KeyZ', 'pane.zoom'], ['s', 'KeyS', 'servers.focus'], ['v', 'KeyV', 'view.toggle'], ['t', 'KeyT', 'prompt.cycleTarget'], ['a', 'KeyA', 'attention.focus'], ['o', 'KeyO', 'prompt.toggleLines'], ['g', 'KeyG', 'prompt.toggleWorktree']]) {
      expect(id(key('Ω', code, { altKey: true }), inPrompt), `Option+${k}`).toBeNull()
      expect(id(key(k, code, { altKey: true, ctrlKey: true }), inPrompt), `Ctrl+Option+${k}`).toBe(expected)
    }
    expect(commandFor(key('2', 'Digit2', { altKey: true, ctrlKey: true }), { inTextField: true, ...mac })).toEqual({ id: 'pane.jump', n: 2 })
  })

  it('on Linux and Windows Alt chords work from the prompt; AltGr, which types, never is a shortcut', () => {
    const inPrompt = { inPrompt: true }
    expect(id(key(']', 'BracketRight', { altKey: true }), inPrompt)).toBe('pane.next')
    expect(id(key('v', 'KeyV', { altKey: true }), inPrompt)).toBe('view.toggle')
    const altGr = (k: string, code: string, mods: Partial<KeyLike>) => key(k, code, { ...mods, getModifierState: (m) => m === 'AltGraph' })
    // German AltGr+Q is @; Windows reports AltGr as Ctrl+Alt; Polish AltGr+S is ś.
    expect(commandFor(altGr('@', 'KeyQ', { altKey: true }), inPrompt)).toBeNull()
    expect(commandFor(altGr('ś', 'KeyS', { altKey: true, ctrlKey: true }), inPrompt)).toBeNull()
    expect(commandFor(altGr('ś', 'KeyS', { altKey: true, ctrlKey: true }))).toBeNull()
    expect(commandFor(altGr(']', 'Digit9', { altKey: true, ctrlKey: true }))).toBeNull()
    // Ctrl+Alt is the other way everywhere else.
    expect(id(key('s', 'KeyS', { altKey: true, ctrlKey: true }), inPrompt)).toBe('servers.focus')
  })
})

describe('the key map as each platform shows it', () => {
  it('macOS shows Ctrl+Option for the Alt chords and Cmd for Ctrl chords; elsewhere as written', () => {
    expect(describeBinding('pane.zoom', 'mac')).toBe('Ctrl+Option+Z')
    expect(describeBinding('pane.jump', 'mac')).toBe('Ctrl+Option+1 … Ctrl+Option+9')
    expect(describeBinding('pane.next', 'mac')).toBe('Ctrl+Option+→ / Ctrl+Option+]')
    expect(describeBinding('palette.open', 'mac')).toBe('Cmd+K / Cmd+Shift+P')
    expect(describeBinding('pane.zoom', 'other')).toBe('Alt+Z')
    expect(describeBinding('pane.zoom')).toBe('Alt+Z')
    expect(platformKeys('Shift+L', 'mac')).toBe('Shift+L')
  })

  it('gives the native menus the platform’s accelerator, one the renderer answers from the prompt', () => {
    expect(acceleratorFor({ id: 'pane.zoom' })).toBe('Alt+Z')
    expect(acceleratorFor({ id: 'pane.zoom' }, 'mac')).toBe('Ctrl+Alt+Z')
    expect(acceleratorFor({ id: 'pane.jump', n: 4 }, 'mac')).toBe('Ctrl+Alt+4')
    expect(acceleratorFor({ id: 'pane.swapNext' }, 'mac')).toBe('Ctrl+Alt+Shift+]')
    expect(acceleratorFor({ id: 'palette.open' }, 'mac')).toBe('CmdOrCtrl+K')
    expect(commandFor({ key: '4', code: 'Digit4', ctrlKey: true, altKey: true }, { inPrompt: true, platform: 'mac' })).toEqual({ id: 'pane.jump', n: 4 })
  })

  it('names the other chord: Ctrl+Alt off macOS, plain Option outside text fields on it', () => {
    expect(alternativeKeys('Alt+Z')).toBe('Ctrl+Alt+Z')
    expect(alternativeKeys('Alt+1 … Alt+9')).toBe('Ctrl+Alt+1 … Ctrl+Alt+9')
    expect(alternativeKeys('Ctrl+Alt+→ / Alt+]')).toBe('Ctrl+Alt+]')
    expect(alternativeKeys('Alt+Z', 'mac')).toBe('Option+Z outside text fields')
    expect(alternativeKeys('Ctrl+K')).toBeUndefined()
  })

  it('every shown key works: each platform’s written chord, pressed, gives its command', () => {
    const press = (chord: string): KeyLike => {
      const parts = chord.split('+')
      const last = parts.pop()!
      const codes: Record<string, string> = { ']': 'BracketRight', '[': 'BracketLeft', '→': 'ArrowRight', '←': 'ArrowLeft', PgDn: 'PageDown', PgUp: 'PageUp' }
      const code = codes[last] ?? (/^\d$/.test(last) ? `Digit${last}` : `Key${last.toUpperCase()}`)
      const named: Record<string, string> = { '→': 'ArrowRight', '←': 'ArrowLeft', PgDn: 'PageDown', PgUp: 'PageUp' }
      return { key: named[last] ?? last.toLowerCase(), code, ctrlKey: parts.includes('Ctrl'), altKey: parts.includes('Alt') || parts.includes('Option'), shiftKey: parts.includes('Shift'), metaKey: parts.includes('Cmd') }
    }
    for (const b of BINDINGS.filter((b) => b.scope === 'global' || b.scope === 'prompt')) {
      for (const platform of ['mac', 'other'] as const) {
        if (b.id === 'prompt.submit' || b.id === 'prompt.focus') continue
        const first = describeBinding(b.id, platform)!.split(' / ').at(-1)!.split(' … ')[0]!
        const got = commandFor(press(first), { inPrompt: true, platform })
        expect(got?.id, `${platform}: ${first}`).toBe(b.id)
      }
    }
  })
})
