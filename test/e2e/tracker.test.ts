/**
 * The analytics tracker in real Chromium on an agency page of another origin whose CSP allows scripts and connections
 * only from cx280: page views (including a single-page-app history change), a declared key action with its value,
 * the batch sent on leaving the page, stored in DuckDB. The event store is the witness. No cookie is ever set.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createSite } from '../../src/analytics/sites.ts'
import { trackerScript, trackerSnippet } from '../../src/analytics/tracker.ts'
import type { EventRow } from '../../src/events/event-store.ts'
import { startE2e, type E2e } from './browser.ts'
import { startAgencyHost, waitForStoredEvents, type AgencyHost } from './agency-host.ts'

// Headless Chromium says "HeadlessChrome", which ingest rightly drops as a robot; a person's browser does not.
const PERSON_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

describe('analytics tracker under a strict CSP (headless Chromium)', () => {
  let e: E2e
  let host: AgencyHost
  let hostOrigin = ''
  let siteId = ''
  const violations: string[] = []

  before(async () => {
    e = await startE2e()
    host = await startAgencyHost(e.baseUrl, 'Agency page', {
      '/apply': `<h1>Apply</h1><button type="button" data-cx-event="apply_start" data-cx-value="3">Start your application</button><a href="/done?email=jane@example.com">Finish</a>`,
      '/done': '<h1>Done</h1>',
    })
    hostOrigin = host.origin
    const site = await createSite(e.t.runtime.db, e.world.people.managerA1.actor, {
      organizationId: e.world.orgs.A1.id, name: 'Agency page', domain: '127.0.0.1', allowedOrigins: [hostOrigin], respectGpc: true,
    })
    siteId = site.id
    host.snippet = trackerSnippet(e.baseUrl, site.publicKey, trackerScript().integrity, true)
  })
  after(async () => {
    await host.close()
    await e?.close()
  })

  const storedEvents = (atLeast: number): Promise<EventRow[]> => waitForStoredEvents(e.t.runtime, siteId, atLeast)

  it('measures a click path: page views (one after a history change), a key action with its value, the next page', async () => {
    const context = await e.browser.newContext({ userAgent: PERSON_AGENT })
    const page = await context.newPage()
    page.on('console', (message) => { if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text()) })
    await page.goto(`${hostOrigin}/apply`)
    await page.getByRole('button', { name: 'Start your application' }).click()
    await page.evaluate(() => history.pushState({}, '', '/apply/step-2'))
    // Let the tracker's one-second timer send this page's batch. (A beacon sent while Chromium navigates away carries
    // the browser's own "HeadlessChrome" user agent, not the context's, and ingest rightly drops robots; the beacon
    // sent when the last page closes below takes the pagehide path.)
    await page.waitForTimeout(1300)
    await page.getByRole('link', { name: 'Finish' }).click()
    await page.waitForURL('**/done*')
    await page.close()
    const rows = await storedEvents(4)
    assert.deepEqual(rows.map((r) => [r.eventType, r.path]), [
      ['pageview', '/apply'], ['action', '/apply'], ['pageview', '/apply/step-2'], ['pageview', '/done'],
    ])
    const action = rows.find((r) => r.eventType === 'action')
    assert.equal(action?.name, 'apply_start')
    assert.equal(action?.value, 3)
    assert.equal(new Set(rows.map((r) => r.visitorId)).size, 1, 'one visitor, counted without a cookie')
    assert.ok(rows.every((r) => !JSON.stringify(r).includes('jane@example.com')), 'the email in the URL was not stored')
    assert.deepEqual(await context.cookies(), [], 'no cookie on either origin')
    assert.deepEqual(violations, [])
    await context.close()
  })

  it('measures nothing from a browser sending Global Privacy Control on a site that honours it', async () => {
    const before = (await e.t.runtime.events.recentEvents(siteId, 1000)).length
    const context = await e.browser.newContext({ userAgent: PERSON_AGENT })
    await context.addInitScript(() => Object.defineProperty(navigator, 'globalPrivacyControl', { value: true }))
    const page = await context.newPage()
    await page.goto(`${hostOrigin}/apply`)
    await page.getByRole('button', { name: 'Start your application' }).click()
    await page.goto(`${hostOrigin}/done`)
    await page.close()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await e.t.runtime.eventWriter.flush()
    assert.equal((await e.t.runtime.events.recentEvents(siteId, 1000)).length, before)
    await context.close()
  })
})
