// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { paletteCommands } from '../../renderer/src/commands'
import { detectPlatform, keyContext } from '../../renderer/src/keyContext'
import { commandFor } from '../../core/view/keymap'

describe('the platform the keys are read and shown for', () => {
  it('is macOS on a Mac (and iPad), anything else otherwise', () => {
    expect(detectPlatform({ userAgentData: { platform: 'macOS' } })).toBe('mac')
    expect(detectPlatform({ platform: 'MacIntel' })).toBe('mac')
    expect(detectPlatform({ userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)' })).toBe('mac')
    expect(detectPlatform({ platform: 'Linux x86_64' })).toBe('other')
    expect(detectPlatform({ userAgentData: { platform: 'Windows' } })).toBe('other')
    expect(detectPlatform(undefined)).toBe('other')
  })

  it('travels with the key context, so the prompt refuses Option+Z on a Mac and takes Alt+Z elsewhere', () => {
    const prompt = document.createElement('textarea')
    prompt.setAttribute('aria-label', 'Prompt')
    document.body.append(prompt)
    expect(keyContext(prompt, 'mac')).toMatchObject({ inPrompt: true, platform: 'mac' })
    expect(commandFor({ key: 'Ω', code: 'KeyZ', altKey: true }, keyContext(prompt, 'mac'))).toBeNull()
    expect(commandFor({ key: 'z', code: 'KeyZ', altKey: true, ctrlKey: true }, keyContext(prompt, 'mac'))).toEqual({ id: 'pane.zoom' })
    expect(commandFor({ key: 'z', code: 'KeyZ', altKey: true }, keyContext(prompt, 'other'))).toEqual({ id: 'pane.zoom' })
    prompt.remove()
  })

  it('the palette names the platform’s keys', () => {
    const noop = () => {}
    const ctx = { run: noop, servers: [], openPane: noop, serverAction: noop, setLimit: noop, addServer: noop, newShell: noop, weztermDomains: noop, repositorySettings: noop, setTheme: noop }
    const keysOf = (platform: 'mac' | 'other', id: string) => paletteCommands({ ...ctx, platform }).find((c) => c.id === id)?.keys
    expect(keysOf('mac', 'pane.zoom')).toBe('Ctrl+Option+Z')
    expect(keysOf('mac', 'pane.jump.3')).toBe('Ctrl+Option+3')
    expect(keysOf('other', 'pane.jump.3')).toBe('Alt+3')
    expect(keysOf('other', 'servers.focus')).toBe('Alt+S')
  })
})
