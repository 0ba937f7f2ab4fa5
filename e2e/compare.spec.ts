import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'
import { makeGitProject, submitPrompt, writeTool } from './support/gitProject'

// One prompt's attempts side by side, in the browser UI against the real
// `flotilla serve --demo --local 2` on a git project made here: one submit holding the same
// prompt twice (separated by a --- line) gives two attempts, each in its own worktree; the
// compare view ranks them (the engine's tasks.compare), and "land this, discard the others"
// lands one into main and deletes the other's branch after a confirmation.
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page
let git: (...args: string[]) => string

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '2'])
  git = makeGitProject(served.project)
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  await page.goto(served.loginUrl)
  for (const name of ['local-1', 'local-2']) await expect(page.getByRole('article', { name })).toContainText('ready', { timeout: 90_000 })
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

test('two attempts at one prompt are ranked side by side; one lands, the other is discarded', async () => {
  const prompt = [writeTool('speed.txt', 'faster\n'), '@reply made it faster'].join('\n')
  await submitPrompt(page, `${prompt}\n---\n${prompt}`)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Alt+v')
  const rows = page.locator('.tasks-table tbody tr')
  await expect(rows).toHaveCount(2)
  await expect(rows.filter({ hasText: 'completed' })).toHaveCount(2, { timeout: 90_000 })
  await rows.first().locator('button.task-select').click()
  await page.getByRole('button', { name: 'Compare the 2 attempts at this prompt' }).click()
  const view = page.getByRole('region', { name: 'Compare 2 attempts' })
  await expect(view).toContainText('Ranked by: changed something, verify passed, merges cleanly, smaller diff, faster, cheaper')
  const ranked = view.getByRole('table', { name: 'Attempts, best first' }).locator('tbody tr')
  await expect(ranked).toHaveCount(2)
  await expect(ranked.nth(0)).toContainText('1 file, 1 line')
  await expect(ranked.nth(0)).toContainText('cleanly')
  await expect(ranked.nth(1)).toContainText(/below #1|tied with #1/)
  await page.screenshot({ path: 'e2e/screenshots/compare-attempts.png' })
  const best = (await ranked.nth(0).getAttribute('data-task-id'))!
  const other = (await ranked.nth(1).getAttribute('data-task-id'))!
  // By keyboard: L on the best row asks first; Cancel has the focus.
  await ranked.nth(0).focus()
  await page.keyboard.press('l')
  const dialog = page.getByRole('dialog', { name: `Land ${best} and discard the other attempts?` })
  await expect(dialog).toContainText(other)
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await dialog.getByRole('button', { name: 'Land and discard' }).click()
  const maybe = (...args: string[]) => {
    try {
      return git(...args)
    } catch {
      return undefined // not there yet
    }
  }
  await expect.poll(() => maybe('show', 'main:speed.txt'), { timeout: 30_000 }).toBe('faster')
  await expect.poll(() => git('branch', '--list', `flotilla/${other}`), { timeout: 30_000 }).toBe('')
  expect(git('branch', '--list', `flotilla/${best}`)).toContain(best)
})
