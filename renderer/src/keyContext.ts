import type { KeyContext, Platform } from '../../core/view/keymap'

/** The platform whose keyboard this is (macOS Option types characters; the key map and its help follow). */
export function detectPlatform(nav: { platform?: string; userAgent?: string; userAgentData?: { platform?: string } } | undefined = globalThis.navigator): Platform {
  const name = nav?.userAgentData?.platform || nav?.platform || nav?.userAgent || ''
  return /mac|iphone|ipad/i.test(name) ? 'mac' : 'other'
}

export const PLATFORM: Platform = detectPlatform()

const NOT_TYPING_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'])

/** Where a key was pressed, for the key map: the prompt, another text field, a pane. */
export function keyContext(target: EventTarget | null, platform: Platform = PLATFORM): KeyContext {
  return { ...placeOf(target), platform }
}

function placeOf(target: EventTarget | null): KeyContext {
  const el = target instanceof Element ? target : null
  if (!el) return { inResults: true }
  const inPane = el.closest('[data-pane-id]') !== null
  // xterm's hidden textarea has the focus of a pane: read-only panes are not typing; in a shell
  // or TUI the program gets the keys.
  if (el.classList.contains('xterm-helper-textarea')) return { inPane, inTerminal: el.closest('[data-interactive]') !== null }
  const inPrompt = el instanceof HTMLTextAreaElement && el.getAttribute('aria-label') === 'Prompt'
  const inTextField =
    !inPrompt &&
    ((el instanceof HTMLInputElement && !NOT_TYPING_INPUTS.has(el.type)) ||
      el instanceof HTMLTextAreaElement ||
      el instanceof HTMLSelectElement ||
      (el instanceof HTMLElement && el.isContentEditable))
  // The result keys (plain letters): in the tasks view or with the focus nowhere in particular, never in a dialog.
  const inResults = el.closest('[role="dialog"]') === null && (el === document.body || el === document.documentElement || el.closest('[data-result-keys]') !== null)
  return { inPrompt, inTextField, inPane, inResults }
}
