import { defineConfig } from '@playwright/test'

// e2e runs the browser UI in Debian's Chromium (never a downloaded browser). The specs arrive
// with the UI work (`flotilla serve`); until then `npm run e2e` passes with no tests.
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
})
