import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium, type Browser } from 'playwright-core'
import { ensureRendererBuilt } from '../core/host/web/rendererBuild'
import { loadStatic } from '../core/host/web/staticFiles'
import { median } from './stats'
import { startServe } from './support/serve'

// Cold start: `flotilla serve` spawned → the dashboard interactive in Chromium (the prompt box
// enabled), vs the same built page from a bare static server. Plus the renderer bundle size.
// Goal: bundle ≤ 1 MB gzipped.
const ROUNDS = 3

async function interactive(browser: Browser, url: string): Promise<void> {
  const page = await browser.newPage()
  await page.goto(url)
  await page.getByRole('textbox', { name: 'Prompt' }).waitFor({ state: 'visible' })
  await page.close()
}

async function flotilla(browser: Browser): Promise<number> {
  const start = performance.now()
  const serve = await startServe(['--demo'])
  await interactive(browser, serve.url)
  const elapsed = performance.now() - start
  await serve.stop()
  return elapsed
}

async function bare(browser: Browser, root: string): Promise<number> {
  const start = performance.now()
  const server = createServer((req, res) => {
    void loadStatic(root, req.url ?? '/').then((file) => {
      if (!file) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': file.type }).end(file.body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  await interactive(browser, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  const elapsed = performance.now() - start
  await new Promise((r) => server.close(r))
  return elapsed
}

export async function coldStartBench(): Promise<string[]> {
  const root = ensureRendererBuilt(() => {})
  const assets = join(root, 'assets')
  let raw = 0
  let gz = 0
  for (const file of readdirSync(assets).filter((f) => /\.(js|css)$/.test(f))) {
    const body = readFileSync(join(assets, file))
    raw += body.length
    gz += gzipSync(body, { level: 9 }).length
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const f: number[] = []
  const b: number[] = []
  try {
    for (let i = 0; i < ROUNDS; i++) {
      f.push(await flotilla(browser))
      b.push(await bare(browser, root))
    }
  } finally {
    await browser.close()
  }
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`
  return [
    `cold start: median of ${ROUNDS}; bundle ${kb(raw)} raw, ${kb(gz)} gzipped (goal ≤ 1024 KB) ${gz <= 1024 * 1024 ? 'OK' : 'OVER'}`,
    `  flotilla serve → interactive dashboard ${median(f).toFixed(0)} ms; same page from a bare static server ${median(b).toFixed(0)} ms (ratio ${(median(f) / median(b)).toFixed(2)})`,
  ]
}
