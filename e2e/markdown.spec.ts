import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { startServe, type Served } from './support/serve'
import { submitPrompt } from './support/gitProject'

// An answer's Markdown in the task detail, in the browser UI against the real
// `flotilla serve --demo --local 1`: the scripted model answers with a GFM table, a task list,
// a fenced TypeScript block and hostile bits (raw HTML, a javascript: link, an image); the
// detail shows real table and code elements, highlighted, and the hostile bits as text.
test.describe.configure({ mode: 'serial' })

let served: Served
let page: Page

const ANSWER = [
  '## Benchmarks',
  '| server | tasks | median ms |',
  '| :--- | ---: | ---: |',
  '| `local-1` | 12 | 2410 |',
  '| **ssh-a** | 8 | 3120 |',
  '',
  '- [x] table rendered',
  '- [ ] nothing loaded from the network',
  '',
  '```ts',
  'export function greet(name: string): string {',
  '// a comment',
  'return `hello ${name}` + 42',
  '}',
  '```',
  'Raw <img src=x onerror="document.title=1"> and [bad](javascript:alert(1)), [docs](https://example.com/docs), ![chart](https://example.com/c.png)',
]
const PROMPT = ['markdown answer', ...ANSWER.map((line) => `@reply ${line}`)].join('\n')

test.beforeAll(async ({ browser }) => {
  served = await startServe(['--local', '1'])
  // AxeBuilder needs a page of a context made here.
  page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage()
  await page.goto(served.loginUrl)
  await expect(page.getByRole('article', { name: 'local-1' })).toContainText('ready', { timeout: 90_000 })
})

test.afterAll(async () => {
  await page?.context().close()
  await served?.stop()
})

const detail = () => page.getByRole('region', { name: /^Task / })

async function openTask(text: string): Promise<void> {
  await page.keyboard.press('Escape')
  if ((await page.getByRole('tab', { name: 'Tasks' }).getAttribute('aria-selected')) !== 'true') await page.keyboard.press('Alt+v')
  await expect(page.getByRole('tab', { name: 'Tasks' })).toHaveAttribute('aria-selected', 'true')
  const row = page.getByRole('row').filter({ hasText: text })
  await expect(row.getByText('completed')).toBeVisible({ timeout: 90_000 })
  await row.locator('button.task-select').click()
}

test('a task answer with a table, a task list and code renders as GFM, hostile bits as text', async () => {
  await submitPrompt(page, PROMPT)
  await openTask('markdown answer')
  const answer = detail().locator('.markdown')
  await expect(answer.locator('table')).toBeVisible()
  await expect(answer.locator('thead th')).toHaveText(['server', 'tasks', 'median ms'])
  await expect(answer.locator('tbody tr')).toHaveCount(2)
  await expect(answer.locator('tbody tr').first().locator('td code')).toHaveText('local-1')
  await expect(answer.getByRole('checkbox', { name: 'done', exact: true })).toBeChecked()
  await expect(answer.getByRole('checkbox', { name: 'not done' })).not.toBeChecked()
  const code = answer.locator('pre.code-block code.hljs')
  await expect(code).toContainText('export function greet')
  await expect(code.locator('.hljs-keyword').first()).toHaveText('export')
  await expect(code.locator('.hljs-comment')).toHaveText('// a comment')
  // Token colours come from markdown.css, one per theme (light here; dark below).
  await page.emulateMedia({ colorScheme: 'light' })
  await expect(code.locator('.hljs-keyword').first()).toHaveCSS('color', 'rgb(179, 20, 31)')
  // Hostile bits: text, no element, nothing loaded; the http link opens in a new window.
  await expect(answer).toContainText('<img src=x onerror="document.title=1">')
  await expect(answer).toContainText('[bad](javascript:alert(1))')
  await expect(answer.locator('img, script, [onerror]')).toHaveCount(0)
  await expect(answer.getByRole('link', { name: 'docs' })).toHaveAttribute('href', 'https://example.com/docs')
  await expect(answer.getByRole('link', { name: 'docs' })).toHaveAttribute('target', '_blank')
  await expect(answer.getByRole('link', { name: 'image: chart' })).toHaveAttribute('href', 'https://example.com/c.png')
  expect(await page.title()).not.toBe('1')
  // Tall enough for the whole answer in the detail pane, in the light and in the dark theme.
  await page.setViewportSize({ width: 1600, height: 1300 })
  await answer.locator('p').last().scrollIntoViewIfNeeded()
  await page.emulateMedia({ colorScheme: 'light' })
  await page.screenshot({ path: 'e2e/screenshots/answer-markdown.png' })
  await page.emulateMedia({ colorScheme: 'dark' })
  await expect(code.locator('.hljs-keyword').first()).toHaveCSS('color', 'rgb(255, 123, 114)')
  await page.screenshot({ path: 'e2e/screenshots/answer-markdown-dark.png' })
})

test('a wide table and a long code line scroll inside the answer, reachable by keyboard: no serious axe violation', async () => {
  await page.setViewportSize({ width: 1280, height: 900 })
  const columns = Array.from({ length: 14 }, (_, i) => `column number ${i + 1}`)
  const wide = [
    'wide answer',
    `@reply | ${columns.join(' | ')} |`,
    `@reply |${columns.map(() => ' --- ').join('|')}|`,
    `@reply | ${columns.map((_, i) => `value ${i}`).join(' | ')} |`,
    '@reply ',
    '@reply ```python',
    // Words with spaces: the prompt above the answer wraps them, only the code block must scroll.
    `@reply print("${Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')}")  # one long line`,
    '@reply ```',
  ].join('\n')
  await submitPrompt(page, wide)
  await openTask('wide answer')
  const answer = detail().locator('.markdown')
  await expect(answer.locator('table')).toBeVisible()
  // The table and the code scroll in their own boxes; the answer itself does not overflow.
  for (const box of [answer.locator('.md-table'), answer.locator('pre.code-block')]) {
    const [scroll, client] = await box.evaluate((el) => [el.scrollWidth, el.clientWidth])
    expect(scroll, `scrollWidth ${scroll} clientWidth ${client}`).toBeGreaterThan(client)
    await expect(box).toHaveAttribute('tabindex', '0')
  }
  expect(await answer.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true)
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    const results = await new AxeBuilder({ page }).include('.markdown').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${scheme}: ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([])
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.screenshot({ path: 'e2e/screenshots/answer-markdown-wide.png' })
})
