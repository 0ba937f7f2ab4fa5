import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'
import { makeGitProject, submitPrompt, writeTool } from './support/gitProject'

// Accessibility of every view (issue 12): axe (axe-core, through Playwright) on the dashboard,
// the grid with a task pane, the tasks view with a result's detail, the command palette, the
// shortcuts help and the add-server form, in light and dark, against the real
// `flotilla serve --demo --local 1`. Serious and critical violations fail the test, each named
// with its rule, its help text and the elements it found.
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '1'])
  makeGitProject(served.project)
  // AxeBuilder needs a page of a context made here.
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage()
  await page.goto(served.loginUrl)
  await expect(page.getByRole('article', { name: 'local-1' }).or(page.getByRole('row', { name: /local-1/ }))).toContainText('ready', { timeout: 90_000 })
})

test.afterAll(async () => {
  await page?.context().close()
  await served?.stop()
})

async function serious(view: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${view}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

test('no serious or critical axe violations in any view, light and dark', async () => {
  const found: string[] = []
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    found.push(...(await serious(`dashboard (${scheme})`)))
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await submitPrompt(page, [writeTool('a.txt', 'a\n'), '@reply **done**, see `a.txt`'].join('\n'))
  await expect(page.locator('.pane').first()).toBeVisible({ timeout: 30_000 })
  found.push(...(await serious('grid with a task pane')))
  await page.keyboard.press('Escape')
  await page.keyboard.press('Alt+v')
  await expect(page.locator('.tasks-table tbody tr').filter({ hasText: 'completed' })).toHaveCount(1, { timeout: 90_000 })
  await page.locator('button.task-select').first().click()
  await expect(page.getByRole('region', { name: /^Task / })).toBeVisible()
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    found.push(...(await serious(`tasks view with a result (${scheme})`)))
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.keyboard.press('Control+Shift+p')
  await expect(page.getByRole('dialog')).toBeVisible()
  found.push(...(await serious('command palette')))
  await page.keyboard.press('Escape')
  await page.getByRole('button', { name: 'Shortcuts' }).click()
  await expect(page.getByRole('dialog')).toBeVisible()
  found.push(...(await serious('shortcuts help')))
  await page.keyboard.press('Escape')
  await page.getByRole('tab', { name: 'Terminals' }).click()
  await page.getByText('New server…').click()
  found.push(...(await serious('add-server form')))
  expect(found, found.join('\n')).toEqual([])
})
