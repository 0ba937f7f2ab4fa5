import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'

// Issue 12, keyboard and forms, in Debian's Chromium against the real `flotilla serve --demo`
// (one real opencode server, the scripted model; bash asks, so the inbox has work): the real keys
// pressed from the prompt right after a submit, a `---` batch, the palette from a shell, the
// add-server form's prefill and its plain-words errors.
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '1', '--demo-ask', 'bash'])
  // A context of our own, so a second page (the Mac one below) shares the login.
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage()
  await page.goto(served.loginUrl)
  await expect(page.getByRole('article', { name: 'local-1' })).toContainText('ready', { timeout: 90_000 })
})

test.afterAll(async () => {
  await page?.context().close()
  await served?.stop()
})

const prompt = () => page.getByRole('textbox', { name: 'Prompt' })
const panes = () => page.locator('[data-pane-id]')
const focusedPaneId = () => page.locator('.pane.focused').getAttribute('data-pane-id')
const activeId = async () => (await page.locator(':focus').getAttribute('id')) ?? ''

test('a --- batch is two multi-line prompts: the directives stay with their @reply, no script error', async () => {
  await page.keyboard.press('Control+l')
  await expect(prompt()).toBeFocused()
  // Shift+Enter and Enter both make new lines in the textarea; Ctrl+Enter submits.
  await page.keyboard.type('@rate 40\n@reply batch one answer\n---\n@rate 40\n@reply batch two answer')
  await expect(page.getByRole('button', { name: 'Submit 2' })).toBeVisible()
  await page.screenshot({ path: 'e2e/screenshots/keyboard-batch.png' })
  await page.keyboard.press('Control+Enter')
  for (const word of ['one', 'two']) await expect(page.getByRole('region').filter({ hasText: `batch ${word} answer` }).first()).toBeVisible({ timeout: 60_000 })
  await expect(panes()).toHaveCount(2)
  await expect(page.locator('.pane')).not.toContainText(['Script error'])
  // The focus stays in the (now empty) prompt after a submit, so the next keys start there.
  await expect(prompt()).toBeFocused()
  await expect(prompt()).toHaveValue('')
})

test('from the prompt after a submit, Alt+1…9, Alt+], Alt+Z, Alt+S and Alt+V do what the map says', async () => {
  const ids = await panes().evaluateAll((list) => list.map((p) => p.getAttribute('data-pane-id')))
  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+2')
  await expect.poll(focusedPaneId).toBe(ids[1])
  await expect(prompt()).not.toBeFocused()

  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+1')
  await expect.poll(focusedPaneId).toBe(ids[0])

  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+BracketRight')
  await expect.poll(focusedPaneId).toBe(ids[1])

  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+z')
  await expect(page.locator('.pane.zoomed')).toHaveCount(1)
  await page.screenshot({ path: 'e2e/screenshots/keyboard-zoomed-from-prompt.png' })
  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+z')
  await expect(page.locator('.pane.zoomed')).toHaveCount(0)

  // Alt+S: the server list itself, not the first card's Stop button.
  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+s')
  await expect.poll(activeId).toBe('servers-heading')
  await expect(page.locator('button:focus')).toHaveCount(0)

  // Alt+V: the tasks view, its task list focused; again, back to the terminals.
  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+v')
  await expect(page.locator('#panel-tasks')).toBeVisible()
  await expect(page.locator('button.task-select').first()).toBeFocused()
  await page.screenshot({ path: 'e2e/screenshots/keyboard-tasks-from-prompt.png' })
  await page.keyboard.press('Alt+v')
  await expect(page.locator('#panel-terminals')).toBeVisible()
})

test('the shortcuts map says the chords work from the prompt and names the other chord', async () => {
  await page.keyboard.press('Control+l')
  await page.keyboard.press('Escape')
  await page.keyboard.press('?')
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('row', { name: /Zoom the focused pane/ })).toContainText('Alt+Z')
  await expect(dialog.getByRole('row', { name: /Zoom the focused pane/ })).toContainText('Ctrl+Alt+Z')
  await expect(dialog).toContainText('The shortcuts work from the prompt and every field too.')
  await expect(dialog).toContainText('AltGr types its characters and is never a shortcut')
  await page.screenshot({ path: 'e2e/screenshots/keyboard-shortcuts.png' })
  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
})

/** WCAG contrast of a key hint's text on what is behind it (its own background, else the row's). */
function hintContrast(row: unknown): number {
  const el = row as { ownerDocument: { defaultView: unknown }; querySelector: (s: string) => unknown }
  // In the page: its getComputedStyle (the e2e tsconfig has no DOM library).
  const getComputedStyle = (el.ownerDocument.defaultView as { getComputedStyle: (e: unknown) => { color: string; backgroundColor: string } }).getComputedStyle
  const kbd = el.querySelector('kbd')!
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number)
  const lum = ([r, g, b]: number[]) => {
    const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!)
  }
  const own = rgb(getComputedStyle(kbd).backgroundColor)
  const behind = own.length === 4 && own[3] === 0 ? rgb(getComputedStyle(row).backgroundColor) : own
  const [a, b] = [lum(rgb(getComputedStyle(kbd).color)), lum(behind)]
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
}

for (const scheme of ['light', 'dark'] as const) {
  test(`the palette’s selected row keeps its key hint readable (${scheme})`, async () => {
    await page.emulateMedia({ colorScheme: scheme })
    await page.keyboard.press('Control+k')
    const palette = page.getByRole('dialog', { name: 'Command palette' })
    await expect(palette).toBeVisible()
    await page.keyboard.type('pane')
    await page.keyboard.press('ArrowDown')
    const selected = palette.locator('[role="option"][aria-selected="true"]')
    await expect(selected.locator('kbd')).toBeVisible()
    // The row really is the accent one in this scheme (the check below is on its colours).
    expect(await selected.evaluate((row) => (row as unknown as { ownerDocument: { defaultView: { matchMedia: (q: string) => { matches: boolean } } } }).ownerDocument.defaultView.matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark')
    expect(await selected.evaluate(hintContrast)).toBeGreaterThanOrEqual(4.5)
    // The other rows' hints too, on the palette's own background.
    const plain = palette.locator('[role="option"][aria-selected="false"]').filter({ has: page.locator('kbd') }).first()
    expect(await plain.evaluate(hintContrast)).toBeGreaterThanOrEqual(4.5)
    await page.screenshot({ path: `e2e/screenshots/keyboard-palette-selected${scheme === 'dark' ? '-dark' : ''}.png` })
    await page.keyboard.press('Escape')
    await page.emulateMedia({ colorScheme: null })
  })
}

test('Ctrl+K in a shell pane opens the palette: what is typed next never reaches the shell', async () => {
  await page.keyboard.press('Control+k')
  await page.keyboard.type('New shell')
  await page.keyboard.press('Enter')
  const shell = page.getByRole('region', { name: /shell/ }).first()
  await expect(shell).toBeVisible()
  await page.waitForTimeout(800) // the shell's first prompt
  await page.keyboard.type('echo shell-typed-$((20+1))')
  await page.keyboard.press('Enter')
  await expect(shell).toContainText('shell-typed-21', { timeout: 30_000 })
  await page.keyboard.press('Control+k')
  const palette = page.getByRole('dialog', { name: 'Command palette' })
  await expect(palette).toBeVisible()
  await page.keyboard.type('echo palette-leak-$((30+3))')
  await page.screenshot({ path: 'e2e/screenshots/keyboard-palette-from-shell.png' })
  await page.keyboard.press('Escape')
  await expect(palette).toHaveCount(0)
  await page.keyboard.press('Enter')
  await page.waitForTimeout(500)
  await expect(shell).not.toContainText('palette-leak-33')
  // Alt+S from inside the shell still reaches the server list (a key that opens a Flotilla surface).
  await page.keyboard.press('Alt+s')
  await expect.poll(activeId).toBe('servers-heading')
})

test('after the last attention request is answered, the focus goes back to the prompt it came from', async () => {
  // The shell pane has the focus, and Ctrl+L is the shell's (clear screen): the palette leads out.
  await page.keyboard.press('Control+k')
  await page.keyboard.type('Focus the prompt')
  await page.keyboard.press('Enter')
  await expect(prompt()).toBeFocused()
  await page.keyboard.type('@tool bash {"command":"echo kb-approved-$((6*7))","description":"keyboard check"}\n@reply granted')
  await page.keyboard.press('Control+Enter')
  const inbox = page.getByRole('list', { name: 'Attention' })
  await expect(inbox.getByRole('listitem')).toHaveCount(1, { timeout: 60_000 })
  await expect(prompt()).toBeFocused()
  await page.keyboard.press('Alt+a')
  await expect(inbox.getByRole('listitem').first()).toBeFocused()
  await page.keyboard.press('a')
  await expect(inbox.getByRole('listitem')).toHaveCount(0, { timeout: 30_000 })
  await expect(prompt()).toBeFocused()
  await expect(page.getByRole('region').filter({ hasText: 'kb-approved-42' }).first()).toBeVisible({ timeout: 60_000 })
})

test('the add-server form starts from --dir and --demo, and says what is wrong in plain words as you type', async () => {
  await page.getByText('New server…').click()
  const form = page.getByRole('form', { name: 'Add server' })
  await expect(form.getByRole('textbox', { name: 'Directory', exact: true })).toHaveValue(served.project)
  await expect(form.getByLabel('Scripted demo model')).toBeChecked()
  // The placeholder names a server that does not exist yet.
  await expect(form.getByRole('textbox', { name: 'Name', exact: true })).toHaveAttribute('placeholder', 'local-2')
  await form.getByRole('button', { name: 'Add server' }).click()
  await expect(form.getByRole('textbox', { name: 'Name', exact: true })).toHaveAttribute('aria-invalid', 'true')
  await expect(form.getByRole('textbox', { name: 'Name', exact: true })).toBeFocused()
  await expect(form).toContainText('Give the server a name (for example local-2).')
  await expect(form.getByRole('textbox', { name: 'Id', exact: true })).not.toHaveAttribute('aria-invalid', 'true')
  await expect(form).not.toContainText('Invalid input')
  await expect(form).not.toContainText('servers.add')
  await form.scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'e2e/screenshots/add-server-empty.png' })

  // A name that exists is said while it is typed, before any submit.
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('local-1')
  await expect(form).toContainText('A server named “local-1” exists: choose another name.')
  await page.screenshot({ path: 'e2e/screenshots/add-server-duplicate.png' })

  await form.getByLabel('Kind').selectOption('url')
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('remote')
  await form.getByRole('textbox', { name: 'Base URL', exact: true }).fill('http://127.0.0.1:99999')
  await expect(form).toContainText('The port 99999 does not exist: use one from 1 to 65535.')
  await expect(form).not.toContainText('expected an http(s) URL')
  await expect(form.getByRole('textbox', { name: 'Base URL', exact: true })).toHaveAttribute('aria-invalid', 'true')
  await page.screenshot({ path: 'e2e/screenshots/add-server-port.png' })
  await form.getByRole('textbox', { name: 'Base URL', exact: true }).fill('http://127.0.0.1:4096')
  await expect(form.getByRole('textbox', { name: 'Base URL', exact: true })).not.toHaveAttribute('aria-invalid', 'true')
})

test('on a Mac the map shows Ctrl+Option, Option+Z types in the prompt and Ctrl+Option+Z zooms', async () => {
  // The same session (the login link is one-time), as a Mac's browser reports itself (navigator.platform and userAgentData).
  const mac = await page.context().newPage()
  await mac.addInitScript(() => {
    const nav = (globalThis as unknown as { navigator: object }).navigator
    Object.defineProperty(nav, 'platform', { get: () => 'MacIntel' })
    Object.defineProperty(nav, 'userAgentData', { get: () => ({ platform: 'macOS', brands: [], mobile: false }) })
  })
  try {
    await mac.goto(served.baseUrl)
    await expect(mac.getByRole('article', { name: 'local-1' })).toBeVisible({ timeout: 30_000 })
    await mac.keyboard.press('?')
    const dialog = mac.getByRole('dialog', { name: 'Keyboard shortcuts' })
    await expect(dialog.getByRole('row', { name: /Zoom the focused pane/ })).toContainText('Ctrl+Option+Z')
    await expect(dialog.getByRole('row', { name: /Zoom the focused pane/ })).toContainText('Option+Z outside text fields')
    await expect(dialog.getByRole('row', { name: /Command palette/ })).toContainText('Cmd+K')
    await expect(dialog).toContainText('On macOS Option types characters in a text field')
    await mac.screenshot({ path: 'e2e/screenshots/keyboard-shortcuts-mac.png' })
    await mac.keyboard.press('Escape')
    // A pane to zoom: the server's events.
    await mac.getByRole('article', { name: 'local-1' }).getByRole('button', { name: 'Events', exact: true }).click()
    await expect(mac.locator('[data-pane-id]')).toHaveCount(1)
    await mac.getByRole('textbox', { name: 'Prompt' }).focus()
    await mac.keyboard.press('Alt+z')
    await mac.waitForTimeout(300)
    await expect(mac.locator('.pane.zoomed')).toHaveCount(0)
    await mac.keyboard.press('Control+Alt+z')
    await expect(mac.locator('.pane.zoomed')).toHaveCount(1)
  } finally {
    await mac.close()
  }
})
