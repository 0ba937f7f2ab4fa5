import { defineConfig } from '@playwright/test'

// e2e runs the browser UI (`flotilla serve --demo`, real opencode servers) in Debian's
// Chromium, never a downloaded browser. One worker: each spec starts real servers.
export default defineConfig({
  testDir: 'e2e',
  // Its own folder: Playwright empties outputDir at start, and vitest's report lives beside it.
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
})
