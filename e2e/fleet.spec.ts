import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { startFakeFleet, type FakeFleet } from '../bench/support/fakeOpencodeFleet'
import { startServe, type Served } from './support/serve'

// A fleet of 60 attached servers at 1600×1000: dense rows, a summary, a filter that narrows as
// you type, grouping by host, the keyboard path, the attention badge, toasts that expire and the
// notice log. The servers are fakes (bench/support/fakeOpencodeFleet.ts): 60 real opencode
// servers would not fit this machine. Saved servers load only without --demo.
test.describe.configure({ mode: 'serial' })

const COUNT = 60
let fleet: FakeFleet
let served: Served
let page: Page

test.beforeAll(async ({ browser }) => {
  fleet = await startFakeFleet({ count: COUNT })
  served = await startServe([], {
    demo: false,
    seedHome: (home) => writeFileSync(join(home, 'config.json'), JSON.stringify({ servers: fleet.specs() }), { mode: 0o600 }),
  })
  // AxeBuilder needs a page of a context made here.
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage()
  await page.goto(served.loginUrl)
})

test.afterAll(async () => {
  await page?.context().close()
  await served?.stop()
  await fleet?.close()
})

const grid = () => page.getByRole('grid', { name: 'Servers' })
const filter = () => page.getByRole('searchbox', { name: 'Filter servers' })
const serverRows = () => grid().locator('[role="row"][data-server-id]')

/** Server rows one can read: inside the window, and what is drawn at the row's middle and at both ends of its name is the row (not covered, not clipped). */
async function rowsReadable(): Promise<number> {
  // A string: the spec's tsconfig has no DOM types.
  return page.evaluate(`(() => {
    const rows = [...document.querySelectorAll('[role="grid"][aria-label="Servers"] [role="row"][data-server-id]')]
    return rows.filter((row) => {
      const r = row.getBoundingClientRect()
      if (r.height < 20 || r.top < 0 || r.bottom > window.innerHeight) return false
      const name = row.querySelector('.col-name').getBoundingClientRect()
      const y = r.top + r.height / 2
      return [name.left + 2, name.right - 2, r.left + r.width / 2].every((x) => row.contains(document.elementFromPoint(x, y)))
    }).length
  })()`) as Promise<number>
}

test('60 attached servers: rows by default, a summary line, 20+ readable without scrolling', async () => {
  await expect(page.getByLabel('Fleet summary')).toContainText(`${COUNT} ready`, { timeout: 60_000 })
  await expect(page.getByLabel('Fleet summary')).toContainText('tasks 0 running · 0 queued')
  await expect(page.getByRole('article')).toHaveCount(0) // no cards: rows
  await expect(page.getByRole('button', { name: 'Rows' })).toHaveAttribute('aria-pressed', 'true')
  await page.screenshot({ path: 'e2e/screenshots/fleet-list.png' })
  await expect.poll(rowsReadable).toBeGreaterThanOrEqual(20)
  // Virtualized: far fewer rows in the page than servers.
  expect(await serverRows().count()).toBeLessThan(COUNT)
  const first = serverRows().first()
  await expect(first).toHaveAttribute('aria-label', /fake-001, ready, url on 127\.0\.0\.2, 0 of 1 running/)
  await expect(first).toContainText('0/1')
})

test('the list view has no serious or critical axe violations, light and dark, grouped or not', async () => {
  const found: string[] = []
  const check = async (view: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    for (const v of results.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical'))
      found.push(`${view}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
  }
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await check(`rows (${scheme})`)
    await page.getByRole('checkbox', { name: 'Group by host' }).check()
    await check(`rows by host (${scheme})`)
    await page.getByRole('checkbox', { name: 'Group by host' }).uncheck()
  }
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.getByRole('checkbox', { name: 'Group by host' }).check()
  await page.screenshot({ path: 'e2e/screenshots/fleet-dark.png' })
  await page.getByRole('checkbox', { name: 'Group by host' }).uncheck()
  await page.emulateMedia({ colorScheme: 'light' })
  expect(found).toEqual([])
})

test('typing in the filter narrows the list as you type', async () => {
  await filter().click()
  const names = fleet.servers.map((x) => x.name)
  let typed = ''
  for (const ch of 'fake-05') {
    await page.keyboard.type(ch)
    typed += ch
    const expected = names.filter((n) => n.includes(typed)).length
    // Each keystroke narrows the list (no Enter, no debounce to wait out).
    await expect(page.locator('#servers-heading .count')).toHaveText(`${expected} of ${COUNT}`)
  }
  await expect(serverRows()).toHaveCount(10) // fake-050 … fake-059
  await expect(page.locator('#servers-heading')).toContainText('10 of 60')
  await filter().fill('host:127.0.0.3')
  await expect(serverRows()).toHaveCount(12)
  await filter().fill('nothing-like-this')
  await expect(grid()).toContainText('No server matches “nothing-like-this”.')
  await page.keyboard.press('Escape')
  await expect(filter()).toHaveValue('')
  await expect.poll(rowsReadable).toBeGreaterThanOrEqual(20)
})

test('group by host: one heading per machine, with its count', async () => {
  await page.getByRole('checkbox', { name: 'Group by host' }).check()
  const groups = grid().locator('.server-group')
  await expect(groups.first()).toContainText('127.0.0.2 12')
  await filter().fill('host:127.0.0.4')
  await expect(groups).toHaveCount(1)
  await expect(groups.first()).toContainText('127.0.0.4 12')
  await filter().fill('')
  await expect.poll(rowsReadable).toBeGreaterThanOrEqual(20)
  await page.screenshot({ path: 'e2e/screenshots/fleet-grouped.png' })
  await page.getByRole('checkbox', { name: 'Group by host' }).uncheck()
})

test('the keyboard: Alt+S to the list, arrows move, Enter shows the card, e opens its events', async () => {
  await page.keyboard.press('Alt+s')
  await expect(grid()).toBeFocused()
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('ArrowDown')
  await expect(grid().locator('[aria-selected="true"]')).toHaveAttribute('data-server-id', 'fake-003')
  await page.keyboard.press('End')
  await expect(grid().locator('[aria-selected="true"]')).toHaveAttribute('data-server-id', 'fake-060')
  await page.keyboard.press('Home')
  await page.keyboard.press('Enter')
  const details = page.getByRole('group', { name: 'fake-001 details' })
  await expect(details.getByRole('article', { name: 'fake-001' })).toContainText('1.18.33-fake')
  await page.screenshot({ path: 'e2e/screenshots/fleet-details.png' })
  await page.keyboard.press('Escape')
  await expect(details).toHaveCount(0)
  await page.keyboard.press('e')
  await expect(page.getByRole('region', { name: /fake-001/ })).toBeVisible()
  await page.keyboard.press('Alt+w')
})

test('a row’s actions: by pointer on hover, and by key on the chosen row', async () => {
  const row = serverRows().filter({ has: page.locator('.col-name', { hasText: /^fake-010$/ }) })
  await row.hover()
  await row.getByRole('button', { name: 'Stop (x): fake-010' }).click()
  await expect(row).toHaveAttribute('aria-label', /^fake-010, stopped/, { timeout: 15_000 })
  await expect(page.getByLabel('Fleet summary')).toContainText('1 stopped')
  await page.keyboard.press('Alt+s')
  for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowDown')
  await expect(grid().locator('[aria-selected="true"]')).toHaveAttribute('data-server-id', 'fake-010')
  await page.keyboard.press('s')
  await expect(row).toHaveAttribute('aria-label', /^fake-010, ready/, { timeout: 30_000 })
  // The palette has the row's actions too, Remove among them (it asks first).
  await page.keyboard.press('Control+k')
  await page.getByRole('combobox', { name: 'Command' }).fill('remove server fake-010')
  await expect(page.getByRole('dialog', { name: 'Command palette' }).getByRole('option')).toHaveText(['Remove server: fake-010…'])
  await page.keyboard.press('Escape')
})

test('at 1280×720 the side columns leave the grid most of the width', async () => {
  await page.setViewportSize({ width: 1280, height: 720 })
  const side = await page.evaluate(`(() => [document.querySelector('aside.sidebar'), document.querySelector('aside.inbox-col')].reduce((w, el) => w + el.getBoundingClientRect().width, 0))()`) as number
  expect(side / 1280).toBeLessThan(0.35)
  await expect.poll(rowsReadable).toBeGreaterThanOrEqual(10)
  await page.screenshot({ path: 'e2e/screenshots/fleet-1280.png' })
  // Narrower than 1000: one column; the rows get half the window and the page scrolls on.
  await page.setViewportSize({ width: 900, height: 800 })
  await expect.poll(rowsReadable).toBeGreaterThanOrEqual(10)
  await page.screenshot({ path: 'e2e/screenshots/fleet-narrow.png' })
  await page.setViewportSize({ width: 1600, height: 1000 })
})

test('the attention column is a badge while nothing waits, and opens on demand', async () => {
  const column = page.locator('aside.inbox-col')
  await expect(column).toHaveClass(/collapsed/)
  expect((await column.boundingBox())!.width).toBeLessThan(50)
  await page.getByRole('button', { name: /Attention/ }).click()
  await expect(page.getByRole('heading', { name: /Attention/ })).toBeVisible()
  await expect(page.getByText('Nothing needs you.')).toBeVisible()
  await page.getByRole('button', { name: 'Collapse the attention column' }).click()
  await expect(column).toHaveClass(/collapsed/)
})

test('a server that drops off: one toast per server and kind, which expires; the palette keeps the log', async () => {
  const layoutTop = (await page.locator('main.main').boundingBox())!.y
  await fleet.kill('fake-007')
  const toasts = page.locator('.toasts .toast')
  await expect(toasts.filter({ hasText: 'fake-007' })).toHaveCount(1, { timeout: 30_000 })
  await expect(serverRows().filter({ hasText: 'fake-007' })).toHaveAttribute('aria-label', /fake-007, (unhealthy|restarting)/, { timeout: 30_000 })
  await expect(page.getByLabel('Fleet summary')).toContainText('1 unhealthy')
  // Toasts float over the page: nothing moves down for them.
  expect((await page.locator('main.main').boundingBox())!.y).toBe(layoutTop)
  await page.screenshot({ path: 'e2e/screenshots/fleet-toast.png' })
  // Reconnect attempts repeat the notice: still one toast for it, never a growing stack.
  await page.waitForTimeout(4_000)
  expect(await toasts.filter({ hasText: 'fake-007' }).count()).toBeLessThanOrEqual(1)
  await page.mouse.move(10, 10) // the pointer on a toast would hold it
  await expect(toasts).toHaveCount(0, { timeout: 45_000 })
  await page.keyboard.press('Control+k')
  await page.getByRole('combobox', { name: 'Command' }).fill('notice log')
  await page.keyboard.press('Enter')
  const log = page.getByRole('dialog', { name: 'Notice log' })
  await expect(log.getByRole('list', { name: 'Past notices' })).toContainText('fake-007')
  await page.screenshot({ path: 'e2e/screenshots/fleet-notice-log.png' })
  await page.keyboard.press('Escape')
  await expect(log).toHaveCount(0)
})
