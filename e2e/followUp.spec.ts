import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'
import { makeGitProject, submitPrompt, writeTool } from './support/gitProject'

// Follow-ups, conflicts between results of one submit, and repository settings, in the browser
// UI against the real `flotilla serve --demo --local 1` whose project folder is a git repository
// made here (serve's temp project folder: stop() removes it, also when a test fails).
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page
let repo: string

let git: (...args: string[]) => string
const tool = writeTool

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '1'])
  repo = served.project
  git = makeGitProject(repo)
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  await page.goto(served.loginUrl)
  await expect(page.getByRole('article', { name: 'local-1' })).toContainText('ready', { timeout: 90_000 })
})

test.afterAll(async () => {
  await page?.close()
  await served?.stop()
})

const detail = () => page.getByRole('region', { name: /^Task / })
const row = (text: string) => page.getByRole('row').filter({ hasText: text })
const idOf = async (text: string) => (await row(text).locator('button.task-select').getAttribute('data-task-id'))!

const submit = (prompt: string) => submitPrompt(page, prompt)

async function toTasks(): Promise<void> {
  await page.keyboard.press('Escape')
  if ((await page.getByRole('tab', { name: 'Tasks' }).getAttribute('aria-selected')) !== 'true') await page.keyboard.press('Alt+v')
  await expect(page.getByRole('tab', { name: 'Tasks' })).toHaveAttribute('aria-selected', 'true')
}

test('F on a result, a prompt, Ctrl+Enter: the follow-up is selected and adds a commit to the same branch', async () => {
  await submit(`${tool('a.txt', 'first\n')}\n@reply wrote a.txt`)
  await toTasks()
  await expect(row('wrote a.txt').getByText('completed')).toBeVisible({ timeout: 90_000 })
  await page.locator('button.task-select').first().focus()
  await page.keyboard.press('Enter')
  const first = await idOf('wrote a.txt')
  await expect(detail()).toContainText(`Task ${first}`)
  const branch = await detail().locator('.result-head code').first().innerText()
  expect(branch).toBe(`flotilla/${first}`)
  const before = git('rev-parse', branch)
  expect(git('rev-list', '--count', `main..${branch}`)).toBe('1')
  await expect(detail().getByRole('button', { name: 'Follow up…' })).toHaveAttribute('aria-keyshortcuts', 'F')
  await page.keyboard.press('f')
  const box = detail().getByRole('textbox', { name: 'Follow-up prompt' })
  await expect(box).toBeFocused()
  await page.keyboard.type(`${tool('b.txt', 'second\n')}\n@reply wrote b.txt too`)
  await page.screenshot({ path: 'e2e/screenshots/follow-up-box.png' })
  await page.keyboard.press('Control+Enter')
  // The new task is selected: its detail says what it follows.
  await expect(detail()).toContainText(`Follow-up of task ${first}`, { timeout: 30_000 })
  await expect(detail()).toContainText(`on ${branch}, in its session`)
  const second = await idOf('wrote b.txt too')
  expect(second).not.toBe(first)
  await expect(row('wrote b.txt too')).toContainText(`follow-up of ${first}`)
  await expect(row('wrote b.txt too').getByText('completed')).toBeVisible({ timeout: 90_000 })
  await expect(detail().locator('.result-head code').first()).toHaveText(branch)
  // git: one more commit on the same branch, on top of the first, holding both files.
  await expect.poll(() => git('rev-list', '--count', `main..${branch}`), { timeout: 30_000 }).toBe('2')
  expect(git('rev-parse', `${branch}~1`)).toBe(before)
  expect(git('show', `${branch}:a.txt`)).toBe('first')
  expect(git('show', `${branch}:b.txt`)).toBe('second')
  await expect(detail().getByRole('region', { name: 'Diff of b.txt' })).toBeVisible()
  await page.screenshot({ path: 'e2e/screenshots/follow-up.png' })
  // The earlier task says where its branch went on.
  await row('wrote a.txt').locator('button.task-select').click()
  await expect(detail()).toContainText(`Followed up by task ${second}`)
  await expect(detail().getByRole('button', { name: 'Land', exact: true })).toBeDisabled()
})

test('two results of one submit writing the same file are flagged as conflicting before either lands', async () => {
  const main = git('rev-parse', 'main')
  await page.keyboard.press('Control+l')
  await page.keyboard.press('Alt+o')
  await page.keyboard.type(`${tool('c.txt', 'left\n')}\n${tool('c.txt', 'right\n')}`)
  await expect(page.getByRole('button', { name: 'Submit 2' })).toBeVisible()
  await page.keyboard.press('Control+Enter')
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toHaveValue('')
  await page.keyboard.press('Alt+o')
  await toTasks()
  const left = row('"left')
  const right = row('"right')
  await expect(left.getByText('completed')).toBeVisible({ timeout: 90_000 })
  await expect(right.getByText('completed')).toBeVisible({ timeout: 90_000 })
  const leftId = await idOf('"left')
  const rightId = await idOf('"right')
  await expect(left).toContainText(`⚠ conflicts with ${rightId}`, { timeout: 30_000 })
  await expect(right).toContainText(`⚠ conflicts with ${leftId}`)
  await left.locator('button.task-select').click()
  await expect(detail()).toContainText(`Would conflict with task ${rightId}`)
  await expect(detail()).toContainText('in c.txt: landing one makes the other conflict')
  // Each merges into main on its own: only the pair conflicts, and nothing has landed.
  await expect(detail()).toContainText('Merges cleanly into main')
  expect(git('rev-parse', 'main')).toBe(main)
  await page.screenshot({ path: 'e2e/screenshots/batch-conflict.png' })
})

test('repository settings saved in the form apply to the next task: verify runs and passes', async () => {
  await page.keyboard.press('Control+k')
  await page.keyboard.type('Repository settings')
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Repository settings' })
  await expect(dialog).toContainText(repo)
  await expect(dialog.getByRole('textbox', { name: /^Setup command/ })).toBeFocused()
  // A path outside the repository is refused in the form; nothing is saved.
  await page.keyboard.press('Tab')
  await page.keyboard.type('../outside')
  await page.keyboard.press('Tab')
  await page.keyboard.type('test -f x.txt')
  await page.keyboard.press('Enter')
  await expect(dialog.getByRole('alert')).toContainText('Paths inside the repository only')
  await page.screenshot({ path: 'e2e/screenshots/repository-settings.png' })
  await dialog.getByRole('textbox', { name: /^Copy into each worktree/ }).fill('')
  await dialog.getByRole('textbox', { name: /^Verify command/ }).focus()
  await page.keyboard.press('Enter')
  await expect(dialog).toHaveCount(0)
  const bar = page.getByRole('form', { name: 'Prompt bar' })
  await expect(bar.locator('.repo-applies')).toHaveText('verify: test -f x.txt')
  await submit(`${tool('x.txt', 'x\n')}\n@reply wrote x.txt`)
  await toTasks()
  await expect(row('wrote x.txt').getByText('completed')).toBeVisible({ timeout: 90_000 })
  await row('wrote x.txt').locator('button.task-select').click()
  await expect(detail()).toContainText(/Verify test -f x\.txt: passed \(exit 0/, { timeout: 30_000 })
  await expect(detail().getByRole('region', { name: 'Diff of x.txt' })).toBeVisible()
  await page.screenshot({ path: 'e2e/screenshots/repository-verify.png' })
})
