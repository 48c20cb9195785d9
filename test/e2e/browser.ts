/**
 * End-to-end harness: the real cx280 app (SQLite, seeded world) listening on 127.0.0.1 on an ephemeral port, and one
 * headless Debian Chromium shared by every test in a file. Each test opens its own browser context (own cookies).
 *
 * Accessibility checks use axe-core. The app's CSP (`script-src 'self'`) would block an inline <script> tag, so
 * axe's source is run with `page.evaluate(source)`: Playwright evaluates it through the DevTools protocol, which
 * page CSP does not govern. We deliberately do NOT use `bypassCSP: true` on the context: the pages are checked
 * under the same CSP users get, and every page also fails the check if the browser reports a CSP violation, a
 * script error or a failed asset (see `pageProblems`).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { AxeResults, ElementContext, RunOptions } from 'axe-core'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createTestApp, seedWorld, signIn, type Person, type TestApp, type World } from '../helpers/test-app.ts'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

const require = createRequire(import.meta.url)
const axeSource = readFileSync(join(dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8')

/** Every WCAG 2.0/2.1/2.2 A and AA rule, Section 508, and axe's best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'section508', 'best-practice'] as const

export interface E2e {
  readonly t: TestApp
  readonly world: World
  readonly baseUrl: string
  readonly browser: Browser
  /** A fresh context and page; with `as`, already signed in as that person (session from the real login form). */
  newPage(options?: { as?: Person }): Promise<Page>
  close(): Promise<void>
}

const problems = new WeakMap<Page, string[]>()

function watch(page: Page): void {
  const list: string[] = []
  problems.set(page, list)
  page.on('pageerror', (error) => list.push(`script error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of/.test(message.text())) list.push(`console error: ${message.text()}`)
  })
  page.on('response', (response) => {
    const request = response.request()
    if (request.resourceType() !== 'document' && response.status() >= 400) list.push(`asset ${response.status()}: ${request.url()}`)
  })
  page.on('requestfailed', (request) => {
    // A navigation cancels whatever the previous page was still loading (net::ERR_ABORTED); that is not a fault.
    if (request.resourceType() !== 'document' && request.failure()?.errorText !== 'net::ERR_ABORTED') list.push(`asset failed: ${request.url()} ${request.failure()?.errorText ?? ''}`)
  })
}

/** CSP violations, script errors and broken assets seen on this page since it opened (or since the last call). */
export function pageProblems(page: Page): string[] {
  const list = problems.get(page) ?? []
  return list.splice(0, list.length)
}

export async function startE2e(): Promise<E2e> {
  const t = await createTestApp('sqlite')
  let browser: Browser | null = null
  try {
    const world = await seedWorld(t.runtime)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const address = t.app.server.address()
    assert.ok(address && typeof address === 'object', 'the app listens on a TCP port')
    const baseUrl = `http://127.0.0.1:${address.port}`
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, timeout: 30_000 })
    const openBrowser = browser
    const contexts: BrowserContext[] = []
    return {
      t, world, baseUrl, browser: openBrowser,
      async newPage(options = {}) {
        const context = await openBrowser.newContext({ baseURL: baseUrl, locale: 'en-US', viewport: { width: 1280, height: 900 } })
        context.setDefaultTimeout(10_000)
        context.setDefaultNavigationTimeout(15_000)
        contexts.push(context)
        if (options.as) {
          const { cookie } = await signIn(t.app, options.as.email)
          const [name, ...value] = cookie.split('=')
          await context.addCookies([{ name: name as string, value: value.join('='), url: baseUrl, httpOnly: true, sameSite: 'Lax' }])
        }
        const page = await context.newPage()
        watch(page)
        return page
      },
      async close() {
        for (const context of contexts) await context.close().catch(() => undefined)
        await openBrowser.close()
        await t.close()
      },
    }
  } catch (error) {
    await browser?.close()
    await t.close()
    throw error
  }
}

type AxeWindow = { axe?: { run(context: ElementContext, options: RunOptions): Promise<AxeResults> } }

/**
 * Runs axe-core on the current page under its real CSP; fails listing every violation (any impact) with its
 * targets. `include` narrows the check to part of the page (for a modal state that hides the rest on purpose).
 */
export async function axeCheck(page: Page, options: { include?: string } = {}): Promise<void> {
  if (!(await page.evaluate(() => Boolean((window as unknown as AxeWindow).axe)))) await page.evaluate(axeSource)
  const runOptions: RunOptions = {
    runOnly: { type: 'tag', values: [...AXE_TAGS] },
    resultTypes: ['violations'],
  }
  const results = await page.evaluate(([opts, include]) => {
    const axe = (window as unknown as AxeWindow).axe!
    return include ? axe.run({ include: [include] }, opts) : axe.run(document, opts)
  }, [runOptions, options.include ?? null] as const)
  const report = results.violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\n/g, ' ') ?? ''}`).join('\n')}`)
  assert.deepEqual(report, [], `axe found ${report.length} violation(s) on ${page.url()}:\n${report.join('\n')}`)
}

/** The frame every page must have: lang="en", the .gov banner, one <main>, an h1. */
export async function assertPageFrame(page: Page): Promise<void> {
  const url = page.url()
  assert.equal(await page.locator('html').getAttribute('lang'), 'en', `lang="en" on ${url}`)
  assert.equal(await page.locator('section.usa-banner').count(), 1, `gov banner on ${url}`)
  assert.equal(await page.locator('main').count(), 1, `one <main> on ${url}`)
  assert.ok((await page.locator('h1').count()) >= 1, `an h1 on ${url}`)
  assert.ok(((await page.locator('h1').first().textContent()) ?? '').trim() !== '', `a non-empty h1 on ${url}`)
}
