/**
 * A journey measured end to end in real Chromium: an agency page of another origin, under a strict CSP, carries the
 * tracker; one visitor clicks through the three steps (page, key action, page) and another stops after the first.
 * The journey dashboard then shows the hand-computed counts and passes axe-core. The define form is driven by the
 * keyboard alone: step buttons rearrange rows, and Enter in a text box saves rather than moving a step.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createJourney } from '../../src/analytics/journeys.ts'
import { createSite } from '../../src/analytics/sites.ts'
import { trackerScript, trackerSnippet } from '../../src/analytics/tracker.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'
import { startAgencyHost, waitForStoredEvents, type AgencyHost } from './agency-host.ts'

// Headless Chromium says "HeadlessChrome", which ingest drops as a robot; people's browsers do not. Two agents make
// two visitors from the one test address.
const AGENT = (version: string) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36`
// The tracker sends a page's batch a second after its last event; a beacon sent during navigation would carry the
// browser's own (robot) user agent.
const SEND_WAIT_MS = 1300

describe('journey dashboard after a click path in Chromium (tracker under a strict CSP)', () => {
  let e: E2e
  let host: AgencyHost
  let hostOrigin = ''
  let siteId = ''
  let journeyId = ''

  before(async () => {
    e = await startE2e()
    host = await startAgencyHost(e.baseUrl, 'Permits', {
      '/apply': '<h1>Apply for a permit</h1><button type="button" data-cx-event="apply_submit">Submit the application</button> <a href="/apply/done">See the confirmation</a>',
      '/apply/done': '<h1>Application received</h1>',
    })
    hostOrigin = host.origin
    const { managerA1 } = e.world.people
    const site = await createSite(e.t.runtime.db, managerA1.actor, { organizationId: e.world.orgs.A1.id, name: 'Permits', domain: '127.0.0.1', allowedOrigins: [hostOrigin], respectGpc: true })
    siteId = site.id
    host.snippet = trackerSnippet(e.baseUrl, site.publicKey, trackerScript().integrity, true)
    journeyId = (await createJourney(e.t.runtime.db, managerA1.actor, {
      serviceId: e.world.services.serviceA1.id, name: 'Apply for a permit online', siteIds: [siteId], windowSeconds: 3600,
      steps: [{ kind: 'page', pattern: '/apply', label: 'Application form' }, { kind: 'action', name: 'apply_submit', label: 'Submitted' }, { kind: 'page', pattern: '/apply/done', label: 'Confirmation' }],
    })).id
  })
  after(async () => {
    await host.close()
    await e?.close()
  })

  async function visit(agent: string, walk: (page: import('playwright-core').Page) => Promise<void>): Promise<void> {
    const context = await e.browser.newContext({ userAgent: agent })
    const page = await context.newPage()
    await walk(page)
    await page.waitForTimeout(SEND_WAIT_MS)
    await page.close()
    await context.close()
  }

  const storedEvents = async (atLeast: number): Promise<number> => (await waitForStoredEvents(e.t.runtime, siteId, atLeast)).length

  it('counts one visitor who finished and one who stopped at the form, on a dashboard that passes axe-core', async () => {
    await visit(AGENT('156.0.0.0'), async (page) => {
      await page.goto(`${hostOrigin}/apply`)
      await page.getByRole('button', { name: 'Submit the application' }).click()
      await page.waitForTimeout(SEND_WAIT_MS)
      await page.getByRole('link', { name: 'See the confirmation' }).click()
      await page.waitForURL('**/apply/done')
    })
    await visit(AGENT('155.0.0.0'), async (page) => {
      await page.goto(`${hostOrigin}/apply`)
    })
    assert.equal(await storedEvents(4), 4, 'two form views, one submit, one confirmation')

    const staff = await e.newPage({ as: e.world.people.analystA })
    const response = await staff.goto(`/journeys/${journeyId}`)
    assert.equal(response?.status(), 200)
    assert.equal(await staff.getByTestId('began').textContent(), '2')
    assert.equal(await staff.getByTestId('ended').textContent(), '1')
    assert.equal(await staff.getByTestId('completion').textContent(), '50.0%')
    const rows = await staff.getByTestId('dropoff-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('th, td')).slice(0, 5).map((cell) => cell.textContent?.trim() ?? '')))
    assert.deepEqual(rows.map((r) => r.slice(1)), [['2', '100.0%', '1', '50.0%'], ['1', '50.0%', '0', '0.0%'], ['1', '50.0%', '—', '— (last step)']])
    assert.equal(await staff.locator('figure.cx-chart svg[role="img"]').count(), 1, 'the funnel chart (no trust chart without respondents)')
    assert.equal(await staff.getByRole('button', { name: 'Edit' }).count() + await staff.getByRole('link', { name: 'Edit' }).count(), 0, 'an analyst reads but does not edit')
    await assertPageFrame(staff)
    await axeCheck(staff)
    assert.deepEqual(pageProblems(staff), [])
  })

  it('defines a journey from the keyboard: a step button adds a row; Enter in a text box saves, not moves', async () => {
    const manager = await e.newPage({ as: e.world.people.managerA1 })
    await manager.goto('/journeys/new')
    await manager.getByRole('button', { name: 'Add a step' }).focus()
    await Promise.all([manager.waitForLoadState('load'), manager.waitForURL('**/journeys#step-3'), manager.keyboard.press('Enter')])
    assert.equal(await manager.locator('input[name="stepCount"]').inputValue(), '3')
    await assert.doesNotReject(manager.getByRole('status').filter({ hasText: 'Added step 3.' }).waitFor())
    await manager.getByLabel('Name (required)', { exact: true }).fill('Keyboard journey')
    const [saved] = await Promise.all([manager.waitForResponse((r) => r.request().method() === 'POST'), manager.getByLabel('Name (required)', { exact: true }).press('Enter')])
    assert.equal(saved.status(), 400, 'Enter saved (and validation answered); it did not move a step')
    await manager.waitForLoadState('load')
    assert.ok(await manager.locator('.usa-alert--error').isVisible())
    await assertPageFrame(manager)
    await axeCheck(manager)
    assert.deepEqual(pageProblems(manager), [])
  })
})
