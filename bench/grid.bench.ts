import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { ensureRendererBuilt } from '../core/host/web/rendererBuild'
import { startServe } from './support/serve'

// Grid: frames per second in Chromium while 16 shell panes stream 1 MB/s in total (64 KB/s
// each, coloured log lines from bench/support/emit.mjs), as a ratio to the same page's frame
// rate while idle. The whole path runs: pty → `flotilla serve` → WebSocket → xterm.js.
// Goal: ratio ≥ 0.9.
const PANES = 16
const TOTAL_BYTES_PER_SECOND = 1024 * 1024
const MEASURE_MS = 6000
const EMIT = fileURLToPath(new URL('./support/emit.mjs', import.meta.url))
/** Bytes in one of emit.mjs's lines: colour (5), number (8), reset (4), text (61), CRLF (2). */
const EMIT_LINE_BYTES = 80

async function palette(page: Page, text: string): Promise<void> {
  // Ctrl+Shift+P: focus may be inside a shell pane, whose program owns Ctrl+K.
  await page.keyboard.press('Control+Shift+P')
  const input = page.getByRole('dialog', { name: 'Command palette' }).getByRole('combobox')
  await input.fill(text)
  await page.keyboard.press('Enter')
  await page.getByRole('dialog', { name: 'Command palette' }).waitFor({ state: 'detached' })
}

/** Frames the page paints in `ms` (requestAnimationFrame callbacks), per second. */
async function framesPerSecond(page: Page, ms: number): Promise<number> {
  // A string, not a function: tsx's transform would put its own helpers into a function's source.
  return page.evaluate(`new Promise((resolve) => {
    let frames = 0
    const start = performance.now()
    const step = (now) => {
      frames++
      if (now - start < ${ms}) requestAnimationFrame(step)
      else resolve((frames * 1000) / (now - start))
    }
    requestAnimationFrame(step)
  })`) as Promise<number>
}

/** The highest line number on each pane's screen (0 where none shows yet). */
async function lastLineNumbers(page: Page): Promise<number[]> {
  const texts = await page.locator('section[role="region"] pre.screen-text').allTextContents()
  return texts.map((text) => Math.max(0, ...[...text.matchAll(/^(\d{8}) compiling/gm)].map((m) => Number(m[1]))))
}

export async function gridBench(): Promise<string[]> {
  ensureRendererBuilt(() => {})
  const home = mkdtempSync(join(tmpdir(), 'flotilla-bench-grid-'))
  const serve = await startServe([], { ...process.env, FLOTILLA_HOME: home })
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-renderer-backgrounding'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    await page.goto(serve.url)
    await page.getByRole('textbox', { name: 'Prompt' }).waitFor()
    await palette(page, 'Layout: up to 16')
    for (let i = 1; i <= PANES; i++) {
      await palette(page, 'New shell')
      await page.getByRole('region', { name: `shell ${i} · local` }).waitFor()
    }
    await page.waitForTimeout(1500)

    const idle = await framesPerSecond(page, MEASURE_MS)

    // Start one emitter per pane, typed into its shell like a user would.
    const perPane = Math.round(TOTAL_BYTES_PER_SECOND / PANES)
    for (let i = 1; i <= PANES; i++) {
      await page.getByRole('region', { name: `shell ${i} · local` }).locator('.xterm').click()
      await page.keyboard.type(`exec ${process.execPath} ${EMIT} ${perPane} 40\n`)
    }
    await page.waitForTimeout(2000)
    // What reached the screens: the emitters number their lines, and each pane keeps a plain-text
    // copy of its screen. (Counting WebSocket frames through the DevTools protocol would itself
    // slow the page down.)
    const before = await lastLineNumbers(page)
    const startedAt = performance.now()
    const streaming = await framesPerSecond(page, MEASURE_MS)
    const after = await lastLineNumbers(page)
    const lines = after.reduce((sum, n, i) => sum + Math.max(0, n - (before[i] ?? 0)), 0)
    const rate = (lines * EMIT_LINE_BYTES) / ((performance.now() - startedAt) / 1000)
    const ratio = streaming / idle
    return [
      `grid: ${PANES} shell panes, emitters writing ${(TOTAL_BYTES_PER_SECOND / 1024).toFixed(0)} KB/s in total; ${(rate / 1024).toFixed(0)} KB/s of it reached the screens`,
      `  ${streaming.toFixed(1)} fps streaming vs ${idle.toFixed(1)} fps idle, ratio ${ratio.toFixed(2)} (goal ≥ 0.9) ${ratio >= 0.9 ? 'OK' : 'UNDER'}`,
    ]
  } finally {
    await browser.close()
    // `exec` made each emitter its shell: stopping serve closes the ptys and hangs them up.
    await serve.stop()
    rmSync(home, { recursive: true, force: true })
  }
}
