import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'

// Issue 12, the terminals' font: JetBrains Mono shipped from npm and served by `flotilla serve`
// itself (CSP unchanged, nothing from another origin), and xterm's cells measured with it, not
// with the fallback it would use if it opened before the font loaded (text would overlap).
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page
const refused: string[] = []

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '1'])
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  page.on('console', (m) => void (/Content Security Policy|Refused to load/i.test(m.text()) && refused.push(m.text())))
  await page.goto(served.loginUrl)
  await expect(page.getByRole('article', { name: 'local-1' })).toContainText('ready', { timeout: 90_000 })
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

const pane = (title: string) => page.getByRole('region', { name: new RegExp(`^${title} · `) })
const SAMPLE = '@rate 80\n@reply Plain text, **bold text**, `code` and 0O1lI|{}[] box: ─│┌┐'

async function submit(title: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Prompt' })
  await box.fill(`${title}\n${SAMPLE}`)
  await box.press('Control+Enter')
  await expect(box).toHaveValue('')
}

interface Measured {
  family: string
  rowHeight: number
  /** The height xterm's cell would have with the font loaded now (its own measure: 32 W's, rounded up). */
  loadedHeight: number
  /** The same with the fallback alone, to show the two differ. */
  fallbackHeight: number
  faces: string[]
  fontUrls: string[]
}

/** In the page (a string: this file is typed without the DOM library). */
const MEASURE = `((title) => {
  const rows = [...document.querySelectorAll('section.pane')].find((p) => p.getAttribute('aria-label').startsWith(title + ' · ')).querySelector('.xterm-rows')
  const measure = (family) => {
    const span = document.createElement('span')
    span.style.cssText = 'position:absolute;visibility:hidden;white-space:pre;line-height:normal;font-size:13px;font-family:' + family
    span.textContent = 'W'.repeat(32)
    document.body.append(span)
    const height = Math.ceil(span.getBoundingClientRect().height)
    span.remove()
    return height
  }
  return {
    family: getComputedStyle(rows).fontFamily,
    rowHeight: rows.firstElementChild.getBoundingClientRect().height,
    loadedHeight: measure('"JetBrains Mono"'),
    fallbackHeight: measure('"DejaVu Sans Mono"'),
    faces: [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family.replace(/"/g, '') + ' ' + f.weight),
    fontUrls: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\\.woff2?($|\\?)/.test(n)),
  }
})`

async function expectMeasuredWithTheFont(title: string): Promise<Measured> {
  await expect(pane(title).locator('.xterm-rows')).toBeVisible()
  await expect.poll(() => page.evaluate(`document.fonts.check('13px "JetBrains Mono"') && document.fonts.check('bold 13px "JetBrains Mono"')`)).toBe(true)
  const m = (await page.evaluate(`${MEASURE}(${JSON.stringify(title)})`)) as Measured
  expect(m.family).toMatch(/^"?JetBrains Mono"?,/)
  expect(m.faces).toEqual(expect.arrayContaining(['JetBrains Mono 400', 'JetBrains Mono 700']))
  // The cell is the real font's: a fallback-measured terminal keeps the fallback's row height.
  expect(m.fallbackHeight).not.toBe(m.loadedHeight)
  expect(m.rowHeight).toBe(m.loadedHeight)
  const origin = new URL(served.baseUrl).origin
  expect(m.fontUrls.filter((u) => u.includes('jetbrains-mono')).length).toBeGreaterThan(0)
  for (const url of m.fontUrls) expect(url.startsWith(origin + '/'), url).toBe(true)
  expect(refused).toEqual([])
  return m
}

test('a task pane draws in JetBrains Mono, served by the app, its cells measured with it', async () => {
  await submit('Font check')
  await expect(pane('Font check')).toHaveAttribute('aria-label', /completed$/, { timeout: 60_000 })
  await expectMeasuredWithTheFont('Font check')
  await pane('Font check').screenshot({ path: 'e2e/screenshots/terminal-font.png' })
})

test('a pane that opens while the font is still on its way waits for it: its cells are the font’s too', async () => {
  // The font files are held back 1.5 s (the real files, from the real server, just late), so the
  // pane below opens before they arrive: xterm opened at once would measure the fallback.
  await page.route(/jetbrains-mono.*\.woff2?$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await route.continue()
  })
  await page.reload()
  await submit('Late font check')
  await expect(pane('Late font check')).toBeVisible()
  expect(await page.evaluate(`document.fonts.check('13px "JetBrains Mono"')`), 'the pane opened before the font loaded').toBe(false)
  await expect(pane('Late font check')).toHaveAttribute('aria-label', /completed$/, { timeout: 60_000 })
  await expectMeasuredWithTheFont('Late font check')
  await page.unroute(/jetbrains-mono/)
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.waitForTimeout(300)
  await pane('Late font check').screenshot({ path: 'e2e/screenshots/terminal-font-dark.png' })
  await page.emulateMedia({ colorScheme: 'light' })
})

test('the CSP is the one the app always sent: fonts come from self', async () => {
  const response = await page.request.get(served.baseUrl + '/')
  expect(response.headers()['content-security-policy']).toBe(
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  )
})
