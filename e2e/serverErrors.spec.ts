import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'

// A folder typo must never take `flotilla serve` down: not when it is typed into the form, and
// not when a server saved with it is loaded at the next start (saved servers load only without
// --demo; none of these ever starts an opencode server, so no model is needed).
test.describe.configure({ mode: 'serial' })

const MISSING = '/nonexistent/flotilla-typo'
let served: Served
let page: Page

test.beforeAll(async ({ browser }) => {
  served = await startServe([], {
    demo: false,
    seedHome: (home) =>
      writeFileSync(join(home, 'config.json'), JSON.stringify({ servers: [{ kind: 'local', id: 'saved-typo', name: 'saved-typo', capacity: 1, directory: MISSING, demo: false }] }), { mode: 0o600 }),
  })
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  await page.goto(served.loginUrl)
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

test('a saved server whose folder is gone fails with the reason; serve keeps running', async () => {
  const card = page.getByRole('article', { name: 'saved-typo' })
  await expect(card).toContainText('failed', { timeout: 30_000 })
  await expect(card).toContainText(`the directory ${MISSING} does not exist`)
  expect(served.child.exitCode).toBeNull()
})

test('the add-server form refuses a folder that does not exist, on the field, and adds nothing', async () => {
  await page.getByText('New server…').click()
  const form = page.getByRole('form', { name: 'Add server' })
  await form.getByLabel('Name').fill('typo')
  await form.getByLabel('Directory').fill(`${MISSING}-2`)
  await form.getByRole('button', { name: 'Add server' }).click()
  await expect(form.locator('.field.invalid')).toContainText(`the directory ${MISSING}-2 does not exist`)
  await expect(form.getByLabel('Directory')).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByRole('article', { name: 'typo', exact: true })).toHaveCount(0)
  await page.screenshot({ path: 'test-results/e2e/add-server-typo.png' })
  // Still serving: the page talks to it.
  await page.reload()
  await expect(page.getByRole('article', { name: 'saved-typo' })).toBeVisible()
  expect(served.child.exitCode).toBeNull()
})
