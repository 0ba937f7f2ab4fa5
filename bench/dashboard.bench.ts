import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { ensureRendererBuilt } from '../core/host/web/rendererBuild'
import { startFakeFleet, type FakeFleet } from './support/fakeOpencodeFleet'
import { startServe, type ServeProcess } from './support/serve'
import { median } from './stats'

// Dashboard: the page with a big fleet attached vs the same page with 3 servers, side by side in
// one run, in headless Chromium through `flotilla serve`: time to interactive (navigation start
// → the server list shows every server and the page has painted twice after) and the frame rate
// while the server list scrolls (a scroll step every frame). The servers are fake opencode
// servers (bench/support/fakeOpencodeFleet.ts): 200 real ones would not fit this machine.
// Goals: scroll ≥ 0.9 of the 3-server frame rate; time to interactive ≤ 1.5×.
// FLOTILLA_BENCH_DASHBOARD_SERVERS and FLOTILLA_BENCH_ROUNDS shrink it for a quick check.
const BIG = Number(process.env.FLOTILLA_BENCH_DASHBOARD_SERVERS ?? 200)
const SMALL = 3
const ROUNDS = Number(process.env.FLOTILLA_BENCH_ROUNDS ?? 5)
const SCROLL_MS = 4000

interface Dashboard {
  count: number
  fleet: FakeFleet
  serve: ServeProcess
  home: string
  /** Its own browser context: session cookies ignore the port, so two dashboards on 127.0.0.1 must not share one. */
  context?: BrowserContext
}

async function startDashboard(count: number): Promise<Dashboard> {
  const fleet = await startFakeFleet({ count, prefix: `fake${count}` })
  const home = mkdtempSync(join(tmpdir(), `flotilla-bench-dashboard-${count}-`))
  writeFileSync(join(home, 'config.json'), JSON.stringify({ servers: fleet.specs() }), { mode: 0o600 })
  const serve = await startServe([], { ...process.env, FLOTILLA_HOME: home })
  return { count, fleet, serve, home }
}

async function stopDashboard(d: Dashboard | undefined): Promise<void> {
  if (!d) return
  await d.serve.stop()
  await d.fleet.close()
  rmSync(d.home, { recursive: true, force: true })
}

/** Logs in (the one-time link sets the session cookie) and waits until every server is attached and ready, before anything is measured. */
async function waitAllReady(browser: Browser, d: Dashboard): Promise<void> {
  d.context = await browser.newContext({ viewport: { width: 1600, height: 1000 } })
  const page = await d.context.newPage()
  try {
    await page.goto(d.serve.url)
    await page.getByLabel('Fleet summary').getByText(`${d.count} ready`).waitFor({ timeout: 120_000 })
  } finally {
    await page.close()
  }
}

/** One measurement on a fresh page: time to interactive (ms after navigation start) and the scroll frame rate. */
async function measure(d: Dashboard): Promise<{ tti: number; fps: number; worstFrameMs: number }> {
  const page = await d.context!.newPage()
  try {
    // The login link is one-time: a fresh page goes to the origin, let in by the cookie of the first visit.
    await page.goto(new URL(d.serve.url).origin + '/', { waitUntil: 'domcontentloaded' })
    // performance.now() counts from navigation start. A string run through the DevTools protocol
    // (the page's CSP refuses eval, so no waitForFunction), and no function: tsx's transform would
    // put its own helpers into a function's source.
    const tti = (await page.evaluate(`new Promise((resolve, reject) => {
      const give = setTimeout(() => reject(new Error('the server list did not show ${d.count} servers within 60 s')), 60000)
      const poll = () => {
        const count = document.querySelector('#servers-heading .count')
        if (count && count.textContent === '${d.count}' && document.querySelector('textarea[aria-label="Prompt"]')) {
          requestAnimationFrame(() => requestAnimationFrame(() => {
            clearTimeout(give)
            resolve(performance.now())
          }))
        } else requestAnimationFrame(poll)
      }
      poll()
    })`)) as number
    await page.waitForTimeout(500)
    const { fps, worst } = (await page.evaluate(`new Promise((resolve) => {
      const box = document.querySelector('[data-server-list]') || document.querySelector('.sidebar')
      let frames = 0
      let worst = 0
      let last = performance.now()
      const start = last
      const step = (now) => {
        frames++
        worst = Math.max(worst, now - last)
        last = now
        box.scrollTop = box.scrollTop + 48 >= box.scrollHeight - box.clientHeight ? 0 : box.scrollTop + 48
        if (now - start < ${SCROLL_MS}) requestAnimationFrame(step)
        else resolve({ fps: (frames * 1000) / (now - start), worst })
      }
      requestAnimationFrame(step)
    })`)) as { fps: number; worst: number }
    return { tti, fps, worstFrameMs: worst }
  } finally {
    await page.close()
  }
}

export async function dashboardBench(): Promise<string[]> {
  ensureRendererBuilt(() => {})
  let small: Dashboard | undefined
  let big: Dashboard | undefined
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-renderer-backgrounding'],
  })
  try {
    small = await startDashboard(SMALL)
    big = await startDashboard(BIG)
    // One visit each through the login link: it sets the session cookie later pages use.
    await waitAllReady(browser, small)
    await waitAllReady(browser, big)
    const results: Record<'small' | 'big', Array<{ tti: number; fps: number; worstFrameMs: number }>> = { small: [], big: [] }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, so drift in the machine's load falls on both alike.
      const order: Array<['small' | 'big', Dashboard]> = round % 2 === 0 ? [['small', small], ['big', big]] : [['big', big], ['small', small]]
      for (const [name, d] of order) results[name].push(await measure(d))
    }
    const med = (name: 'small' | 'big', key: 'tti' | 'fps' | 'worstFrameMs') => median(results[name].map((r) => r[key]))
    const ttiRatio = med('big', 'tti') / med('small', 'tti')
    const fpsRatio = med('big', 'fps') / med('small', 'fps')
    return [
      `dashboard: ${BIG} attached (fake) servers vs ${SMALL}, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} each, medians, headless Chromium via flotilla serve`,
      `  time to interactive ${med('big', 'tti').toFixed(0)} ms vs ${med('small', 'tti').toFixed(0)} ms, ratio ${ttiRatio.toFixed(2)} (goal ≤ 1.5) ${ttiRatio <= 1.5 ? 'OK' : 'OVER'}`,
      `  scrolling the server list ${med('big', 'fps').toFixed(1)} fps vs ${med('small', 'fps').toFixed(1)} fps, ratio ${fpsRatio.toFixed(2)} (goal ≥ 0.9) ${fpsRatio >= 0.9 ? 'OK' : 'UNDER'}; worst frame ${med('big', 'worstFrameMs').toFixed(0)} ms vs ${med('small', 'worstFrameMs').toFixed(0)} ms`,
    ]
  } finally {
    await browser.close()
    await stopDashboard(big)
    await stopDashboard(small)
  }
}
