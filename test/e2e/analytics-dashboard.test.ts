/**
 * A site dashboard in real Chromium, fed by the real tracker: two people browse an agency page on another origin
 * (a desktop and a phone browser), the scheduler's rollup job runs, and the dashboard shows the counts computed by
 * hand below. The period form and the download links are reached and used with the keyboard alone; the page has no
 * axe violations at desktop and phone widths and loads without CSP violations or script errors.
 *
 * Person 1 (desktop): page view /apply, key action apply_start = 3, page view /done.
 * Person 2 (phone):   page view /apply, key action apply_start = 3.
 * → page views 3, visitors 2, sessions 2, key actions 2; /apply 2 page views, /done 1; apply_start: 2 values, sum 6,
 *   mean, minimum and maximum 3 on the dashboard, median and p95 3 on its own page; devices desktop and mobile.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { createSite } from '../../src/analytics/sites.ts'
import { trackerScript, trackerSnippet } from '../../src/analytics/tracker.ts'
import { scheduledJobs } from '../../src/jobs/scheduler.ts'
import { axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'
import { startAgencyHost, waitForStoredEvents, type AgencyHost } from './agency-host.ts'

// Headless Chromium says "HeadlessChrome", which ingest drops as a robot; these are people's browsers.
const DESKTOP_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'
const PHONE_AGENT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

describe('analytics dashboard fed by the tracker (headless Chromium)', () => {
  let e: E2e
  let host: AgencyHost
  let hostOrigin = ''
  let siteId = ''

  before(async () => {
    e = await startE2e()
    host = await startAgencyHost(e.baseUrl, 'Agency page', {
      '/apply': '<h1>Apply</h1><button type="button" data-cx-event="apply_start" data-cx-value="3">Start your application</button><a href="/done">Finish</a>',
      '/done': '<h1>Done</h1>',
    })
    hostOrigin = host.origin
    const site = await createSite(e.t.runtime.db, e.world.people.managerA1.actor, {
      organizationId: e.world.orgs.A1.id, name: 'Permits portal', domain: '127.0.0.1', allowedOrigins: [hostOrigin], serviceIds: [e.world.services.serviceA1.id],
    })
    siteId = site.id
    host.snippet = trackerSnippet(e.baseUrl, site.publicKey, trackerScript().integrity, true)
  })
  after(async () => {
    await host.close()
    await e?.close()
  })

  async function browse(userAgent: string, finish: boolean): Promise<void> {
    const context = await e.browser.newContext({ userAgent })
    const page = await context.newPage()
    await page.goto(`${hostOrigin}/apply`)
    await page.getByRole('button', { name: 'Start your application' }).click()
    // The tracker's one-second timer sends this page's batch (see tracker.test.ts on beacons sent while navigating).
    await page.waitForTimeout(1300)
    if (finish) {
      await page.getByRole('link', { name: 'Finish' }).click()
      await page.waitForURL('**/done')
    }
    await page.close()
    await context.close()
  }

  const storedEvents = async (atLeast: number): Promise<number> => (await waitForStoredEvents(e.t.runtime, siteId, atLeast)).length

  const cells = (page: Page, table: string, rowHeader: string) =>
    page.locator(`#${table}-caption`).locator('xpath=..').locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: rowHeader, exact: true }) }).locator('td').allTextContents()

  /** Presses Tab until the focused element matches, returning how many presses it took (fails after 120). */
  async function tabTo(page: Page, matches: (element: { tag: string; id: string; text: string; href: string }) => boolean): Promise<number> {
    for (let presses = 1; presses <= 120; presses++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        return { tag: el?.tagName.toLowerCase() ?? '', id: el?.id ?? '', text: (el?.textContent ?? '').trim(), href: el?.getAttribute('href') ?? '' }
      })
      if (matches(focused)) return presses
    }
    assert.fail('the element was not reached with Tab')
  }

  it('shows the hand-computed counts after the rollup job; the period form and downloads work by keyboard; axe finds nothing', async () => {
    await browse(DESKTOP_AGENT, true)
    await browse(PHONE_AGENT, false)
    assert.equal(await storedEvents(5), 5, 'five events stored')
    await scheduledJobs(e.t.runtime).find((j) => j.name === 'analytics-rollups')?.run(new Date())

    const page = await e.newPage({ as: e.world.people.managerA1 })
    const response = await page.goto(`/analytics/sites/${siteId}`)
    assert.equal(response?.status(), 200)
    const stats = await page.locator('.cx-stats__item').allTextContents()
    assert.deepEqual(stats, ['Page views3', 'Visitors2', 'Sessions2', 'Key actions2'])
    assert.deepEqual(await cells(page, 'breakdown-path', '/apply'), ['2', '2', '2', '4'])
    assert.deepEqual(await cells(page, 'breakdown-path', '/done'), ['1', '1', '0', '1'])
    assert.deepEqual(await cells(page, 'breakdown-device', 'desktop'), ['2', '1', '1', '3'])
    assert.deepEqual(await cells(page, 'breakdown-device', 'mobile'), ['1', '1', '1', '2'])
    assert.deepEqual(await cells(page, 'values', 'apply_start'), ['2', '2', '6', '3', '3', '3'], 'occurrences, with a value, sum, mean, minimum, maximum')
    assert.match(await page.locator('#realtime-heading').locator('xpath=..').innerText(), /3 page views, 2 visitors and 2 key actions/)
    const today = new Date().toISOString().slice(0, 10)
    assert.deepEqual(await cells(page, 'series-table', today), ['3', '2', '2', '2'], 'today\'s row: page views, visitors, sessions, key actions')
    await axeCheck(page)
    await page.setViewportSize({ width: 375, height: 800 })
    await axeCheck(page)
    await page.setViewportSize({ width: 1280, height: 900 })

    // Keyboard only: Tab into the period form, pick daily buckets, submit with Enter.
    await page.locator('body').focus()
    await tabTo(page, (el) => el.id === 'field-from')
    // Chromium's date inputs take one Tab stop per part (month, day, year), so each field is reached by tabbing on.
    await tabTo(page, (el) => el.id === 'field-to')
    await tabTo(page, (el) => el.id !== 'field-to')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-granularity', 'the select follows the end date')
    await page.keyboard.press('ArrowDown')
    assert.equal(await page.locator('#field-granularity').inputValue(), 'day', 'the arrow key picks “Daily”')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Show')
    await Promise.all([page.waitForURL(/granularity=day/), page.keyboard.press('Enter')])
    const url = new URL(page.url())
    assert.equal(url.searchParams.get('to'), today)
    assert.match(await page.locator('#series-heading').innerText(), /Page views by day/)

    // …and on to the first download link, which downloads the totals as CSV.
    await page.locator('body').focus()
    const presses = await tabTo(page, (el) => el.tag === 'a' && el.href.includes('/totals?') && el.href.endsWith('format=csv'))
    assert.ok(presses > 3, 'the download link comes after the period form')
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    assert.match(download.suggestedFilename(), /^site-permits-portal-totals-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n')
    assert.equal(csv[0], 'from,to,pageviews,visitors,sessions,actions,events')
    assert.match(csv[1] ?? '', /,3,2,2,2,5$/)

    // The action's name opens its exact statistics (median and p95 from raw events) for the same period.
    await Promise.all([page.waitForURL(/\/values\/apply_start\?/), page.getByRole('link', { name: 'apply_start', exact: true }).click()])
    assert.match(await page.locator('h1').innerText(), /Values of the key action “apply_start”/)
    const statistic = async (name: string) => page.locator('#action-values-caption').locator('xpath=..').locator('tbody tr')
      .filter({ has: page.getByRole('rowheader', { name, exact: true }) }).locator('td').innerText()
    assert.deepEqual([await statistic('Values recorded'), await statistic('Median'), await statistic('95th percentile')], ['2', '3', '3'])
    await axeCheck(page)
    await page.setViewportSize({ width: 375, height: 800 })
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [])
  })
})
