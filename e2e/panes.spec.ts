import { expect, test, type Locator, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'

// Issue 12, panes that say what they run: the real `flotilla serve --demo --local 2` in
// Chromium. Titles at 1, 4 and 16 panes, the prompt at the top of a pane, a queued pane's place
// in the queue, a retried task's attempt marker, word-wrapped text, Markdown emphasis, grid
// pages instead of replaced panes, and ls colours in both terminal themes.
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '2'])
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  await page.goto(served.loginUrl)
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

const card = (name: string) => page.getByRole('article', { name })
const pane = (title: string) => page.getByRole('region', { name: new RegExp(`^${title} · `) })
const screenOf = (region: Locator) => region.locator('pre.screen-text')

async function submit(prompt: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Prompt' })
  await box.fill(prompt)
  await box.press('Control+Enter')
  await expect(box).toHaveValue('')
}

/** The lowest WCAG contrast between a row's text and the background it is drawn on (as the browser computed the colours). */
async function lowestContrast(row: Locator): Promise<number> {
  return row.evaluate((el) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number)
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!)
    }
    // (The window's, not a global: this file is typed without the DOM library.)
    const computed = (e: typeof el) => el.ownerDocument.defaultView!.getComputedStyle(e)
    const paneBackground = rgb(computed(el.closest('.pane')!).backgroundColor)
    let lowest = 21
    for (const span of el.querySelectorAll('span')) {
      if (!span.textContent?.trim()) continue
      const style = computed(span)
      const bg = rgb(style.backgroundColor)
      // No background of its own (transparent): the pane's, which is the terminal theme's.
      const back = bg.length === 4 && bg[3] === 0 ? paneBackground : bg
      const [a, b] = [lum(rgb(style.color)), lum(back)]
      lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05))
    }
    return lowest
  })
}

/**
 * The rows as the terminal draws them (not the screen-text copy, which joins rows xterm wrapped):
 * every word of LONG that shows is whole on one row, and the text did need more than one row.
 */
async function expectWordsWhole(region: Locator): Promise<void> {
  const rows = await region.locator('.xterm-rows > div').allTextContents()
  const words = new Set(rows.flatMap((l) => l.split(/\s+/)).map((w) => w.replace(/[,.]$/, '')))
  const shown = rows.join(' ')
  for (const word of LONG.replace(/,/g, '').split(' ')) if (shown.includes(word.slice(0, 3))) expect(words.has(word), `"${word}" whole in:\n${rows.join('\n')}`).toBe(true)
  expect(rows.filter((r) => r.trim()).length).toBeGreaterThan(4)
}

const LONG = 'followed by a rather long sentence that has to wrap at word boundaries inside a pane of this width without breaking any single word in the middle, which xterm would do by itself'

test('both servers come up', async () => {
  await expect(card('local-1')).toContainText('ready', { timeout: 90_000 })
  await expect(card('local-2')).toContainText('ready', { timeout: 90_000 })
})

test('one pane: titled by the prompt, server and state in the header, the prompt first, Markdown as styles', async () => {
  await submit(`Explain the pane titles\n@rate 80\n@reply The **Bold** claim, some *gentle* emphasis and \`npm test\` as code, ${LONG}.`)
  const region = pane('Explain the pane titles')
  await expect(region).toBeVisible()
  await expect(screenOf(region)).toContainText('Bold claim', { timeout: 60_000 })
  await expect(region).toHaveAttribute('aria-label', /^Explain the pane titles · local-\d · (running|completed)/)
  await expect(region).toHaveAttribute('aria-label', /completed$/, { timeout: 60_000 })
  const text = await screenOf(region).textContent()
  // The prompt comes first; the Markdown's markers are gone (bold, italic and code are SGR now).
  expect(text!.split('\n')[0]).toContain('❯ Explain the pane titles')
  const answer = text!.split('─'.repeat(24))[1]!
  expect(answer).toContain('The Bold claim')
  expect(answer).not.toContain('**')
  expect(answer).not.toContain('`')
  expect(answer).toContain('npm test as code')
  // Icon buttons with names.
  for (const name of ['Search scrollback', 'Zoom', 'Close pane']) await expect(region.getByRole('button', { name, exact: true })).toBeVisible()
  await expect(region.getByRole('img', { name: 'completed' })).toBeVisible()
  await page.screenshot({ path: 'e2e/screenshots/panes-1.png' })
})

test('four panes: the text is wrapped at word boundaries to the pane’s width', async () => {
  for (const name of ['Second', 'Third', 'Fourth']) await submit(`${name} task in the grid\n@rate 80\n@reply ${name}: ${LONG}, and again ${LONG}.`)
  const region = pane('Fourth task in the grid')
  await expect(screenOf(region)).toContainText('and again', { timeout: 60_000 })
  await expect(screenOf(region)).toContainText('by itself.', { timeout: 60_000 })
  await expectWordsWhole(region)
  await page.screenshot({ path: 'e2e/screenshots/panes-4.png' })
})

test('a queued pane says how many tasks start before it', async () => {
  // Both servers take one task at a time: two slow tasks hold them, three more wait.
  await submit('Slow one holds a server\n@delay 25000\n@reply slow one done')
  await submit('Slow two holds the other\n@delay 25000\n@reply slow two done')
  for (const n of ['A', 'B', 'C']) await submit(`Waiting ${n}\n@reply waited ${n}`)
  await expect(pane('Waiting C')).toContainText('queued, 2 ahead', { timeout: 20_000 })
  await expect(pane('Waiting A')).toContainText('queued, next to start')
  await expect(pane('Waiting C')).toHaveAttribute('aria-label', /queued, 2 ahead/)
  // The prompt is there before anything ran.
  await expect(screenOf(pane('Waiting C'))).toContainText('❯ Waiting C')
  await page.screenshot({ path: 'e2e/screenshots/panes-queued.png' })
})

test('a full grid starts a page: nothing is replaced, and "+n more" goes there', async () => {
  // Nine panes fill the default layout (up to 9): the tenth goes to page 2.
  await submit('Tenth task on page two\n@reply tenth')
  await expect(page.getByRole('button', { name: '+1 more' })).toBeVisible()
  await expect(pane('Explain the pane titles')).toBeVisible()
  await expect(page.getByText('Page 1 of 2')).toBeVisible()
  await page.getByRole('button', { name: '+1 more' }).click()
  await expect(pane('Tenth task on page two')).toBeVisible()
  await expect(pane('Explain the pane titles')).toBeHidden()
  await page.screenshot({ path: 'e2e/screenshots/panes-page-2.png' })
  await page.getByRole('button', { name: 'Previous grid page' }).click()
  await expect(pane('Explain the pane titles')).toBeVisible()
  // By keyboard too: Alt+PageDown / Alt+PageUp, from wherever the focus is.
  await page.keyboard.press('Alt+PageDown')
  await expect(pane('Tenth task on page two')).toBeVisible()
  await expect(page.getByText('Page 2 of 2')).toBeVisible()
  await page.keyboard.press('Alt+PageUp')
  await expect(pane('Explain the pane titles')).toBeVisible()
  await expect(page.getByText('Page 1 of 2')).toBeVisible()
})

test('a task whose server stops runs again elsewhere, its attempts marked in its pane', async () => {
  const slow = pane('Slow one holds a server')
  const label = (await slow.getAttribute('aria-label'))!
  const server = /· (local-\d) ·/.exec(label)![1]!
  await card(server).getByRole('button', { name: 'Stop', exact: true }).click()
  await expect(screenOf(slow)).toContainText('attempt 2 of', { timeout: 120_000 })
  // The second attempt runs the whole script again (25 s), and its answer comes after the marker.
  await expect(slow).toHaveAttribute('aria-label', /completed$/, { timeout: 120_000 })
  await expect.poll(async () => (await screenOf(slow).textContent())!.split('attempt 2 of')[1] ?? '', { timeout: 10_000 }).toContain('slow one done')
  await page.waitForTimeout(500) // a pane out of focus draws its output a few times a second
  await page.screenshot({ path: 'e2e/screenshots/panes-retry.png' })
  await card(server).getByRole('button', { name: 'Start', exact: true }).click()
  await expect(card(server)).toContainText('ready', { timeout: 90_000 })
})

test('sixteen panes: every header still shows title, server and state', async () => {
  await page.getByRole('combobox', { name: 'Layout' }).selectOption('16')
  for (let i = 11; i <= 16; i++) await submit(`Task number ${i} of sixteen\n@reply ${i} ok`)
  await expect(pane('Task number 16 of sixteen')).toHaveAttribute('aria-label', /completed$/, { timeout: 60_000 })
  const regions = page.getByRole('region', { name: / · / }).filter({ has: page.locator('.pane-head') })
  await expect(regions).toHaveCount(16)
  for (const head of await page.locator('section.pane:not([hidden]) .pane-head').all()) {
    const title = await head.locator('.pane-title').boundingBox()
    expect(title!.width).toBeGreaterThan(60)
    await expect(head.locator('.pane-dot')).toBeVisible()
  }
  // The server's name is whole (not cut to "loca…") in every header.
  for (const where of await page.locator('section.pane:not([hidden]) .pane-where').all()) {
    expect(await where.evaluate((el) => el.scrollWidth <= el.clientWidth), await where.textContent() ?? '').toBe(true)
  }
  await page.screenshot({ path: 'e2e/screenshots/panes-16.png' })
  // A smaller window: every pane narrows, and the text is wrapped again to the new width.
  await page.setViewportSize({ width: 1280, height: 720 })
  await page.waitForTimeout(800)
  await page.screenshot({ path: 'e2e/screenshots/panes-16-1280x720.png' })
  await expectWordsWhole(pane('Fourth task in the grid'))
  await page.setViewportSize({ width: 1600, height: 1000 })
})

test('ls colours stay readable in both terminal themes', async () => {
  await page.getByRole('combobox', { name: 'Layout' }).selectOption('1')
  await page.keyboard.press('Control+Shift+P')
  const input = page.getByRole('dialog', { name: 'Command palette' }).getByRole('combobox')
  await input.fill('New shell')
  await page.keyboard.press('Enter')
  const shell = page.getByRole('region', { name: /^shell 1 · local/ })
  await expect(shell).toBeVisible()
  await shell.locator('.xterm').click()
  await page.keyboard.type(`cd "$(mktemp -d)" && mkdir ow st tw plain && chmod o+w ow && chmod +t st && chmod o+w,+t tw && touch run.sh && chmod +x run.sh && ls --color=always && echo ls-done\n`)
  await expect(screenOf(shell)).toContainText('ls-done', { timeout: 30_000 })
  await page.evaluate("document.documentElement.dataset.theme = 'dark'")
  await page.waitForTimeout(500)
  const lsRow = shell.locator('.xterm-rows > div').filter({ hasText: /^ow\s+plain/ }).first()
  await page.screenshot({ path: 'e2e/screenshots/panes-ls-dark.png' })
  await lsRow.screenshot({ path: 'e2e/screenshots/panes-ls-dark-row.png' })
  await page.evaluate("document.documentElement.dataset.theme = 'light'")
  await page.waitForTimeout(500)
  await page.screenshot({ path: 'e2e/screenshots/panes-ls-light.png' })
  await lsRow.screenshot({ path: 'e2e/screenshots/panes-ls-light-row.png' })
  expect(await lowestContrast(lsRow)).toBeGreaterThanOrEqual(4.4)
  await page.evaluate("document.documentElement.dataset.theme = 'dark'")
  await page.waitForTimeout(500)
  expect(await lowestContrast(lsRow)).toBeGreaterThanOrEqual(4.4)
})
