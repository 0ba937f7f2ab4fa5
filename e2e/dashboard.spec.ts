import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'

// The browser UI against the real `flotilla serve --demo --local 2` (two real opencode servers
// driven by the scripted model; bash needs permission, so the inbox has work).
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '2', '--demo-ask', 'bash'])
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  await page.goto(served.loginUrl)
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

const card = (name: string) => page.getByRole('article', { name })

test('two ready server cards appear', async () => {
  await expect(card('local-1')).toContainText('ready', { timeout: 90_000 })
  await expect(card('local-2')).toContainText('ready', { timeout: 90_000 })
  await expect(card('local-1')).toContainText('1.18.33')
  // Local servers show their process's CPU and memory (from /proc, refreshed with each probe).
  await expect(card('local-1')).toContainText(/\d+(\.\d)?% · \d+ MB/, { timeout: 20_000 })
  await page.screenshot({ path: 'e2e/screenshots/dashboard.png' })
})

test('four prompts submitted with the keyboard only run and stream into panes', async () => {
  for (const word of ['alpha', 'bravo', 'charlie', 'delta']) {
    await page.keyboard.press('Control+l')
    await expect(page.getByRole('textbox', { name: 'Prompt' })).toBeFocused()
    await page.keyboard.type(`@rate 20\n@reply streamed ${word} answer`)
    await page.keyboard.press('Control+Enter')
  }
  for (const word of ['alpha', 'bravo', 'charlie', 'delta']) {
    // Twice: the prompt heads its pane (issue 12), and then the answer streams under it.
    const pane = page.getByRole('region').filter({ has: page.locator('pre.screen-text', { hasText: new RegExp(`streamed ${word} answer[\\s\\S]*streamed ${word} answer`) }) })
    await expect(pane.first()).toBeVisible({ timeout: 60_000 })
  }
  await page.screenshot({ path: 'e2e/screenshots/grid.png' })
})

test('a permission request is answered from the inbox with the keyboard', async () => {
  await page.keyboard.press('Control+l')
  await page.keyboard.type('@tool bash {"command":"echo e2e-approved-$((6*7))","description":"e2e check"}\n@reply permission granted')
  await page.keyboard.press('Control+Enter')
  const inbox = page.getByRole('list', { name: 'Attention' })
  await expect(inbox.getByRole('listitem')).toHaveCount(1, { timeout: 60_000 })
  await expect(inbox).toContainText('bash')
  await page.screenshot({ path: 'e2e/screenshots/inbox.png' })
  await page.keyboard.press('Alt+a')
  await page.keyboard.press('a')
  await expect(inbox.getByRole('listitem')).toHaveCount(0, { timeout: 30_000 })
  await expect(page.getByRole('region').filter({ hasText: 'e2e-approved-42' }).first()).toBeVisible({ timeout: 60_000 })
})

test('a server is stopped and started again from its card', async () => {
  await card('local-2').getByRole('button', { name: 'Stop', exact: true }).click()
  await expect(card('local-2')).toContainText('stopped', { timeout: 30_000 })
  await card('local-2').getByRole('button', { name: 'Start', exact: true }).click()
  await expect(card('local-2')).toContainText('ready', { timeout: 90_000 })
})

test('a TUI pane shows the real opencode TUI attached to the server', async () => {
  await card('local-1').getByRole('button', { name: 'TUI', exact: true }).click()
  const pane = page.getByRole('region', { name: /^tui · local-1/ })
  // The TUI draws its prompt with the model the server gave it: the scripted model.
  await expect(pane).toContainText('Scripted model', { timeout: 60_000 })
  await expect(pane).toContainText('Ask anything')
})

test('a shell pane echoes typed input', async () => {
  await card('local-1').getByRole('button', { name: 'Shell', exact: true }).click()
  const pane = page.getByRole('region', { name: /^shell · local-1/ })
  await expect(pane).toBeVisible()
  await page.waitForTimeout(500) // the shell's first prompt
  await page.keyboard.type('echo "typed-$((40 + 2))"')
  await page.keyboard.press('Enter')
  await expect(pane).toContainText('typed-42', { timeout: 30_000 })
})

test('a WebSocket without the session is refused, and so is the page', async ({ browser }) => {
  const stranger = await browser.newContext()
  const other = await stranger.newPage()
  const response = await other.goto(served.baseUrl)
  expect(response?.status()).toBe(401)
  const outcome = await other.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url)
        ws.onopen = () => resolve('open')
        ws.onerror = () => resolve('refused')
      }),
    served.baseUrl.replace('http', 'ws') + '/ws',
  )
  expect(outcome).toBe('refused')
  await stranger.close()
})
