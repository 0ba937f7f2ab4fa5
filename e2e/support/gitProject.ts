import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, type Page } from '@playwright/test'

/** git in `repo`, its output trimmed. */
export function gitIn(repo: string): (...args: string[]) => string {
  return (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim()
}

/** Makes serve's project folder a git repository with a local identity and one commit. */
export function makeGitProject(repo: string): (...args: string[]) => string {
  const git = gitIn(repo)
  git('init', '-q', '-b', 'main')
  git('config', 'user.name', 'Flotilla E2E')
  git('config', 'user.email', 'e2e@flotilla.invalid')
  git('config', 'commit.gpgsign', 'false')
  writeFileSync(join(repo, 'README.md'), '# e2e\n')
  git('add', 'README.md')
  git('commit', '-q', '-m', 'start')
  return git
}

/** The scripted model's write tool call (core/demo/script.ts). */
export const writeTool = (filePath: string, content: string) => `@tool write ${JSON.stringify({ filePath, content })}`

/** Types a prompt into the prompt bar and submits it by keyboard; returns once the engine answered. */
export async function submitPrompt(page: Page, prompt: string): Promise<void> {
  await page.keyboard.press('Control+l')
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toBeFocused()
  await page.keyboard.type(prompt)
  await page.keyboard.press('Control+Enter')
  await expect(page.getByRole('textbox', { name: 'Prompt' })).toHaveValue('')
  await expect(page.getByRole('button', { name: /^Submit/ })).not.toHaveAttribute('aria-busy', 'true')
}
