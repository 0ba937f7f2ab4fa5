import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'

// Removing a server takes a confirmation, by keyboard as by mouse: Enter on a focused Remove
// only asks. The saved server is an attached one nothing listens for (no opencode needed).
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page
let home: string

test.beforeAll(async ({ browser }) => {
  served = await startServe([], {
    demo: false,
    seedHome: (dir) => {
      home = dir
      const server = { kind: 'url', id: 'attached', name: 'attached', capacity: 1, baseUrl: 'http://127.0.0.1:1' }
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ servers: [server] }), { mode: 0o600 })
    },
  })
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  await page.goto(served.loginUrl)
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

test('an attached server nothing listens for says so on its card', async () => {
  await expect(page.getByRole('article', { name: 'attached' })).toContainText('server unreachable: connection refused', { timeout: 30_000 })
})

test('Enter on Remove asks; Enter on the focused Cancel and Escape keep the server, focus back on Remove', async () => {
  const card = page.getByRole('article', { name: 'attached' })
  const remove = card.getByRole('button', { name: 'Remove' })
  const dialog = page.getByRole('dialog', { name: 'Remove attached?' })
  await remove.focus()
  await page.keyboard.press('Enter')
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText('The server itself keeps running')
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await page.screenshot({ path: 'test-results/e2e/remove-server-confirm.png' })
  await page.keyboard.press('Enter')
  await expect(dialog).toHaveCount(0)
  await expect(remove).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(dialog).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await expect(remove).toBeFocused()
  await expect(card).toBeVisible()
})

test('Tab to "Remove server" and Enter removes it, here and from the saved servers', async () => {
  await page.getByRole('article', { name: 'attached' }).getByRole('button', { name: 'Remove' }).focus()
  await page.keyboard.press('Enter')
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Remove server' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('article', { name: 'attached' })).toHaveCount(0)
  await expect(page.getByRole('dialog')).toHaveCount(0)
  await expect(page.locator('#servers-heading')).toBeFocused()
  const saved = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { servers: unknown[] }
  expect(saved.servers).toEqual([])
})
