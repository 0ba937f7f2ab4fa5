import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'
import { makeGitProject, submitPrompt, writeTool } from './support/gitProject'

// Results as branches, in the browser UI against the real `flotilla serve --demo --local 1`
// whose project folder is a git repository made here: two tasks from the prompt bar each write
// a.txt in their own worktree; one lands by keyboard (main really moves), the other then
// conflicts (the engine's message is shown, main stays), and is discarded (its branch goes).
// The repository is serve's temp project folder, so stop() removes it even when a test fails.
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page
let repo: string

let git: (...args: string[]) => string
const tool = writeTool
const write = (content: string, ...more: string[]) => [tool('a.txt', content), ...more, '@reply done'].join('\n')
const GREETING = 'export function greet(name: string): string {\n  // a comment\n  return `hello ${name}`\n}\n'

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

const submit = (prompt: string) => submitPrompt(page, prompt)

async function branchOf(region: Locator): Promise<string> {
  const text = await region.locator('.result-head code').first().innerText()
  expect(text).toMatch(/^flotilla\//)
  return text
}

test('the prompt bar offers an own worktree in the project repository, on by default', async () => {
  const toggle = page.getByRole('checkbox', { name: 'Own worktree' })
  await expect(toggle).toBeChecked()
  await expect(page.getByRole('form', { name: 'Prompt bar' })).toContainText(/flotilla-e2e-project-\w+ \(main\)/)
})

let landed: string
let other: string

test('two tasks from the prompt bar each leave a branch; the detail, opened by keyboard, shows the diff', async () => {
  await submit(write('one\n'))
  await submit(write('two\n', tool('src/greet.ts', GREETING)))
  // Out of the prompt, then to the tasks view: the list takes the focus.
  await page.keyboard.press('Escape')
  await page.keyboard.press('Alt+v')
  await expect(page.getByRole('tab', { name: 'Tasks' })).toHaveAttribute('aria-selected', 'true')
  await expect(row('"two').getByText('completed')).toBeVisible({ timeout: 90_000 })
  await expect(row('"one').getByText('completed')).toBeVisible({ timeout: 90_000 })
  // Newest first: the focused first row is the "two" task; Enter opens it.
  await expect(page.locator('button.task-select').first()).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(detail()).toContainText('"two')
  landed = await branchOf(detail())
  const file = detail().getByRole('region', { name: 'Diff of a.txt' })
  await expect(file).toBeVisible()
  await expect(file.locator('.diff-code-insert')).toHaveText('two')
  await expect(detail()).toContainText('Merges cleanly into main')
  await expect(detail().getByRole('table', { name: 'Changed files' })).toContainText('a.txt')
  await expect(detail().getByRole('table', { name: 'Changed files' })).toContainText('+1')
  // A TypeScript file is coloured: Prism's tokens, as elements holding text.
  const ts = detail().getByRole('region', { name: 'Diff of src/greet.ts' })
  await expect(ts.locator('.diff-code-insert')).toHaveCount(4)
  await expect(ts.locator('.token.keyword').first()).toHaveText('export')
  await expect(ts.locator('.token.comment')).toHaveText('// a comment')
  await page.screenshot({ path: 'e2e/screenshots/result-diff.png' })
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: 'test-results/e2e/result-diff-dark.png' })
  await page.emulateMedia({ colorScheme: 'light' })
})

test('L lands the selected result: main really moves, and the detail says so', async () => {
  const before = git('rev-parse', 'main')
  await expect(detail().getByRole('button', { name: 'Land', exact: true })).toHaveAttribute('title', /\(L\)/)
  await page.keyboard.press('l')
  await expect(detail()).toContainText(/Landed into main \([0-9a-f]{7}\)/, { timeout: 30_000 })
  const after = git('rev-parse', 'main')
  expect(after).not.toBe(before)
  expect(git('show', 'main:a.txt')).toBe('two')
  expect(git('merge-base', '--is-ancestor', landed, 'main')).toBe('')
  await expect(detail()).toContainText(`Landed into main (${after.slice(0, 7)})`)
  // The checked-out main moved with its files.
  expect(readFileSync(join(repo, 'a.txt'), 'utf8')).toBe('two\n')
  await expect(detail().getByRole('button', { name: 'Land', exact: true })).toBeDisabled()
  await page.screenshot({ path: 'test-results/e2e/result-landed.png' })
})

test('the other result now conflicts: its land is refused with the engine’s message, and nothing moves', async () => {
  const main = git('rev-parse', 'main')
  // ↓ selects the next task (the "one" task).
  await page.keyboard.press('ArrowDown')
  await expect(detail()).toContainText('"one')
  other = await branchOf(detail())
  expect(other).not.toBe(landed)
  await expect(detail()).toContainText('Conflicts with main in a.txt', { timeout: 30_000 })
  await page.keyboard.press('l')
  const refusal = detail().getByRole('alert')
  await expect(refusal).toContainText('Could not land')
  await expect(refusal).toContainText('a.txt')
  expect(git('rev-parse', 'main')).toBe(main)
  expect(git('status', '--porcelain')).toBe('')
  await expect(row('"one').getByText('conflict', { exact: true })).toBeVisible()
  await expect(row('"two').getByText('landed in main')).toBeVisible()
  await page.screenshot({ path: 'e2e/screenshots/result-conflict.png' })
})

test('the palette offers the selected result’s actions; K keeps the branch and closes the result', async () => {
  await page.keyboard.press('Control+k')
  await page.keyboard.type('keep branch')
  await expect(page.getByRole('option', { name: new RegExp(`Keep branch: ${other}`) })).toBeVisible()
  await page.keyboard.press('Control+a')
  await page.keyboard.type('land')
  await page.screenshot({ path: 'test-results/e2e/result-palette.png' })
  await page.keyboard.press('Escape')
  // The help lists the keys of the tasks view.
  await page.keyboard.press('?')
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('Land the selected result as one commit (squash)')
  await page.screenshot({ path: 'test-results/e2e/result-shortcuts.png' })
  await page.keyboard.press('Escape')
  await page.keyboard.press('k')
  await expect(detail()).toHaveCount(0)
  await expect(page.getByRole('status')).toContainText(`Kept ${other}`)
  expect(git('rev-parse', '--verify', '-q', `refs/heads/${other}`)).toMatch(/^[0-9a-f]{40}$/)
})

test('D asks first, naming the branch; confirmed, the branch is gone from the repository', async () => {
  // Keep gave the focus back to the task's row: Enter opens it again.
  await page.keyboard.press('Enter')
  await expect(detail()).toContainText('"one')
  await page.keyboard.press('d')
  const dialog = page.getByRole('dialog', { name: /^Discard the result/ })
  await expect(dialog).toContainText(other)
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await page.screenshot({ path: 'test-results/e2e/result-discard.png' })
  await page.keyboard.press('Tab')
  await expect(dialog.getByRole('button', { name: `Delete ${other}` })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(dialog).toHaveCount(0)
  await expect(detail()).toContainText('Discarded', { timeout: 30_000 })
  expect(() => git('rev-parse', '--verify', '-q', `refs/heads/${other}`)).toThrow()
  expect(git('branch', '--list', 'flotilla/*')).toContain(landed)
  expect(git('rev-parse', '--verify', '-q', `refs/heads/${landed}`)).toMatch(/^[0-9a-f]{40}$/)
})

test('a diff past the limit says where it was cut; a file past it is shown on its own, a long one page by page', async () => {
  await submit(`@tool bash ${JSON.stringify({ command: 'seq 1 100000 > big.txt && echo tail > small.txt', description: 'a big file' })}\n@reply made`)
  await expect(row('seq 1').getByText('completed')).toBeVisible({ timeout: 90_000 })
  await row('seq 1').locator('button.task-select').click()
  await expect(detail()).toContainText(/diff truncated at 39\d KB of 6\d\d KB/, { timeout: 30_000 })
  const small = detail().getByRole('region', { name: 'Diff of small.txt' })
  await expect(small).toContainText('Not in the diff shown')
  await small.getByRole('button', { name: 'Show the diff of small.txt' }).click()
  await expect(small.locator('.diff-code-insert')).toHaveText('tail')
  await page.screenshot({ path: 'test-results/e2e/result-truncated.png' })
  // A large file's diff starts collapsed; its header opens it.
  const big = detail().getByRole('region', { name: 'Diff of big.txt' })
  const bigHead = big.getByRole('button', { name: /big\.txt.*large diff/ })
  await expect(bigHead).toHaveAttribute('aria-expanded', 'false')
  await bigHead.focus()
  await page.keyboard.press('Enter')
  await expect(big.locator('.diff-code-insert')).toHaveCount(2_000)
  await expect(big).toContainText(/Showing 2,000 of \d{2},\d{3} lines loaded \(the rest was cut at the limit\)/)
  await big.getByRole('button', { name: 'Show 2,000 more lines' }).click()
  await expect(big.locator('.diff-code-insert')).toHaveCount(4_000)
  await expect(big.getByRole('button', { name: 'Show all of big.txt' })).toBeVisible()
  await big.getByText(/Showing 4,000 of/).scrollIntoViewIfNeeded()
  await page.screenshot({ path: 'test-results/e2e/result-more-lines.png' })
})

test('a dirty checkout is said beside the switch: its changes are not in the tasks', async () => {
  writeFileSync(join(repo, 'README.md'), '# e2e, edited\n')
  // The prompt bar asks again when the window comes back (the user edited files elsewhere).
  await page.evaluate("window.dispatchEvent(new Event('focus'))")
  const bar = page.getByRole('form', { name: 'Prompt bar' })
  await expect(bar).toContainText('Uncommitted changes are not included')
  await page.getByRole('checkbox', { name: 'Own worktree' }).uncheck()
  await expect(bar).not.toContainText('Uncommitted changes are not included')
  expect(await page.evaluate("localStorage.getItem('flotilla.prompt.ownWorktree')")).toBe('off')
  await page.reload()
  await expect(page.getByRole('checkbox', { name: 'Own worktree' })).not.toBeChecked()
})
