/**
 * axe-core (WCAG 2.0/2.1/2.2 A and AA, Section 508 and best practices; violations of every impact fail) on every
 * page the product serves, in headless Chromium under the app's real CSP. Each page must also have lang="en",
 * the .gov banner, one <main> and a non-empty h1, and must load without CSP violations, script errors or broken
 * assets. Pages marked `phone` are checked again at a phone width, where USWDS hides and shows different things
 * (the menu button, search icons, stacked tables); every distinct layout is covered there at least once.
 * Variants that render the same template with other data (page 2 of a list, another filter, a second 404) are
 * left out to keep the suite fast: axe costs 0.2–0.6 s of CPU a page on a 2-core machine.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { createIngestKey, revokeIngestKey } from '../../src/analytics/server-ingest.ts'
import { createSite } from '../../src/analytics/sites.ts'
import { createJourney } from '../../src/analytics/journeys.ts'
import { createMonitor } from '../../src/analytics/monitors.ts'
import { createUser, systemActor } from '../../src/auth/index.ts'
import { createService, type ServiceView } from '../../src/catalog/index.ts'
import { loadDemoData } from '../../src/demo/demo-data.ts'
import { PASSWORD } from '../helpers/test-app.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

const DESKTOP = { width: 1280, height: 900 }
const PHONE = { width: 375, height: 800 }

interface Expect { readonly status?: number; readonly phone?: boolean }

describe('accessibility of every page (headless Chromium, axe-core)', () => {
  let e: E2e
  let priority: ServiceView
  before(async () => {
    e = await startE2e()
    await loadDemoData(e.t.runtime.db)
    // Enough services for the list to paginate (25 a page), and a priority service (it shows an extra tag).
    const system = systemActor('e2e')
    for (let i = 1; i <= 14; i++) await createService(e.t.runtime.db, system, { name: `Sample service ${String(i).padStart(2, '0')}`, organizationId: e.world.orgs.B.id, channels: ['website'] })
    priority = await createService(e.t.runtime.db, system, { name: 'Priority sample', organizationId: e.world.orgs.A1.id, channels: ['phone'], designatedForImprovement: true, yearDesignated: 2025 })
  })
  after(async () => { await e?.close() })

  /** The page the browser is on now: HTTP status, frame, axe (and at a phone width if asked), no browser problems. */
  async function check(page: Page, label: string, status: number | undefined, expect: Expect) {
    assert.equal(status, expect.status ?? 200, `${label}: HTTP status`)
    await assertPageFrame(page)
    await axeCheck(page)
    if (expect.phone) {
      await page.setViewportSize(PHONE)
      try {
        await axeCheck(page)
      } finally {
        await page.setViewportSize(DESKTOP)
      }
    }
    assert.deepEqual(pageProblems(page), [], `${label}: CSP violations, script errors or broken assets`)
  }

  async function visit(page: Page, path: string, expect: Expect = {}) {
    const response = await page.goto(path)
    await check(page, path, response?.status(), expect)
  }

  /** Submits the form holding `button` and checks the page the post produced. */
  async function post(page: Page, label: string, button: string, expect: Expect) {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()])
    await check(page, label, response?.status(), expect)
  }

  const field = (page: Page, label: string) => page.getByLabel(label, { exact: true })

  it('signed-out pages: sign in (and its error), forgot password, reset links (expired, valid)', async () => {
    const anon = await e.newPage()
    await visit(anon, '/login', { phone: true })
    await field(anon, 'Email address (required)').fill(e.world.people.admin.email)
    await field(anon, 'Password (required)').fill('not the password')
    await post(anon, 'sign in with a wrong password', 'Sign in', { status: 400 })
    await visit(anon, '/password/reset/not-a-real-token', { status: 400 })
    await visit(anon, '/password/forgot')
    await field(anon, 'Email address (required)').fill(e.world.people.reviewer.email)
    await Promise.all([anon.waitForURL('**/login'), anon.getByRole('button', { name: 'Email me a link' }).click()])
    const outbox = e.t.runtime.mailer.outboxDir as string
    const mail = readFileSync(join(outbox, readdirSync(outbox).sort().at(-1) as string), 'utf8').replace(/=\r?\n/g, '')
    const token = /\/password\/reset\/([A-Za-z0-9_-]+)/.exec(mail)?.[1]
    assert.ok(token, 'the reset email carries a link')
    await visit(anon, `/password/reset/${token}`)
  })

  it('overview and services, as an administrator', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    const service = e.world.services.serviceA1.id
    await visit(admin, '/', { phone: true })
    await visit(admin, '/services', { phone: true })
    await assert.doesNotReject(admin.locator('nav.usa-pagination').waitFor(), 'the list paginates')
    await visit(admin, '/services?designated=true')
    const designated = await e.t.runtime.db.selectFrom('services').select('name').where('designated_for_improvement', '=', 1).execute()
    const listed = await admin.locator('main table tbody tr td[data-label="Priority"]').allTextContents()
    assert.equal(listed.length, designated.length, 'the priority filter (linked from the overview) lists the priority services only')
    assert.ok(listed.every((text) => text.startsWith('Designated')))
    await visit(admin, '/services?q=no-such-service-anywhere')
    await visit(admin, `/services/${priority.id}`, { phone: true })
    await visit(admin, `/services/${service}`)
    await visit(admin, '/services/new', { phone: true })
    await visit(admin, `/services/${service}/edit`)
    await visit(admin, '/services/import')
    await visit(admin, '/reports/digitization-gaps', { phone: true })
  })

  it('organizations, HISPs, users, account, audit, API docs, 404, as an administrator', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    const { world } = e
    for (const path of ['/organizations', '/organizations/new', `/organizations/${world.orgs.A1.id}`]) await visit(admin, path)
    await visit(admin, '/hisps', { phone: true })
    for (const path of ['/hisps/new', `/hisps/${world.hispId}`, `/hisps/${world.hispId}/edit`]) await visit(admin, path)
    await visit(admin, '/users', { phone: true })
    for (const path of ['/users/new', `/users/${world.people.managerA1.id}`, '/account']) await visit(admin, path)
    await visit(admin, '/audit', { phone: true })
    await visit(admin, '/docs/api')
    await visit(admin, '/no/such/page', { status: 404 })
  })

  it('pages after actions: validation errors, the import report, a new API key, a saved change', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    await admin.goto('/services/new')
    await post(admin, 'service form with errors', 'Add service', { status: 400, phone: true })
    await admin.goto('/users/new')
    await field(admin, 'Email address (required)').fill('not an email')
    await post(admin, 'user form with errors', 'Add user', { status: 400 })

    await admin.goto('/services/import')
    await admin.locator('input#file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('name,organization,channels\nOne,NOWHERE,carrier_pigeon\n,BA1,website\n') })
    await post(admin, 'import report', 'Check and import', { status: 400, phone: true })

    await admin.goto('/account')
    await field(admin, 'Key name (required)').fill('nightly export')
    await post(admin, 'new API key, shown once', 'Create API key', {})
    assert.match((await admin.getByTestId('new-api-key').textContent()) ?? '', /^cx280_/)

    await admin.goto(`/services/${priority.id}/edit`)
    await post(admin, 'service saved (flash message)', 'Save changes', {})
    assert.equal(await admin.locator('main .usa-alert--success').count(), 1)
  })

  it('pages for people with fewer rights: a refusal (403), a person with no role', async () => {
    const analyst = await e.newPage({ as: e.world.people.analystA })
    await visit(analyst, '/services/new', { status: 403 })

    const nobody = await createUser(e.t.runtime.db, systemActor('e2e'), { email: 'nobody@test.gov', name: 'Nobody', password: PASSWORD, roles: [{ role: 'analyst', organizationId: e.world.orgs.B.id }] })
    await e.t.runtime.db.deleteFrom('role_assignments').where('user_id', '=', nobody.id).execute()
    const roleless = await e.newPage({ as: { ...e.world.people.analystA, email: nobody.email, id: nobody.id } })
    await visit(roleless, '/', { phone: true })
    await roleless.setViewportSize(PHONE)
    assert.ok(await roleless.getByRole('button', { name: 'Menu' }).isVisible(), 'on a phone the menu (with Sign out) can be opened')
    await roleless.setViewportSize(DESKTOP)
  })

  it('analytics sites: list, new, a site with its tracker snippet, edit', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    const site = await createSite(e.t.runtime.db, e.world.people.admin.actor, { organizationId: e.world.orgs.A1.id, name: 'Permits site', domain: 'permits.example.gov', serviceIds: [priority.id] })
    await visit(admin, '/sites', { phone: true })
    await visit(admin, '/sites/new')
    await visit(admin, `/sites/${site.id}`, { phone: true })
    await visit(admin, `/sites/${site.id}/edit`)
    // Server-to-server ingest keys: the list (an active and a revoked key), an empty name, and a new secret shown once.
    const revoked = await createIngestKey(e.t.runtime.db, e.world.people.admin.actor, site.id, { name: 'Old SMS gateway' })
    await revokeIngestKey(e.t.runtime.db, e.world.people.admin.actor, site.id, revoked.key.id)
    await createIngestKey(e.t.runtime.db, e.world.people.admin.actor, site.id, { name: 'Mobile app backend' })
    await visit(admin, `/sites/${site.id}`, { phone: true })
    await post(admin, 'ingest key with an empty name', 'Create ingest key', { status: 400 })
    await field(admin, 'Key name (required)').fill('Contact centre')
    await post(admin, 'a new ingest key', 'Create ingest key', {})
  })

  it('quarterly collections: empty list, create for a quarter, board, a collection (volumes errors, submitted with integrity and rating), an empty one', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    await visit(admin, '/collections', { phone: true })
    // The demo made the last four complete quarters' collections; its responses reach into the current quarter, so
    // the current quarter's collections (the first button) have details.
    const button = admin.getByRole('button', { name: /^Create collections for FY\d{4} Q\d$/ }).first()
    const [made] = await Promise.all([admin.waitForNavigation(), button.click()])
    await check(admin, 'collections made (flash)', made?.status(), { phone: true })
    await visit(admin, '/collections/board', { phone: true })
    const db = e.t.runtime.db
    const withData = await db.selectFrom('collections as c').innerJoin('collection_details as d', 'd.collection_id', 'c.id').select('c.id')
      .where('c.state', '=', 'draft').orderBy('c.fiscal_year', 'desc').orderBy('c.quarter', 'desc').executeTakeFirstOrThrow()
    await visit(admin, `/collections/${withData.id}`, { phone: true })
    const customers = admin.locator('input[name$=".volumeOfCustomers"]')
    await customers.first().fill('not a number')
    await post(admin, 'volumes with errors', 'Save volumes', { status: 400 })
    for (const input of await customers.all()) await input.fill('1000000')
    for (const input of await admin.locator('input[name$=".volumeOffered"]').all()) await input.fill('100000')
    await post(admin, 'volumes saved', 'Save volumes', {})
    await post(admin, 'submitted: integrity and the rating form', 'Submit to OMB', { phone: true })
    assert.equal(await admin.getByRole('radio').count(), 3, 'the rating form offers green, yellow and red')
    await post(admin, 'rating without a reason', 'Save rating', { status: 400 })
    const empty = await db.selectFrom('collections as c').leftJoin('collection_details as d', 'd.collection_id', 'c.id').select('c.id').where('d.id', 'is', null).executeTakeFirst()
    if (empty) await visit(admin, `/collections/${empty.id}`)
  })

  it('analytics dashboards: the index, a site and a service with data, an empty site, a bad period, one key action\'s values', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    const system = systemActor('e2e')
    const measured = await createSite(e.t.runtime.db, system, { organizationId: e.world.orgs.A1.id, name: 'Dashboard site', domain: 'dash.example.gov', serviceIds: [priority.id] })
    const empty = await createSite(e.t.runtime.db, system, { organizationId: e.world.orgs.A1.id, name: 'Silent site', domain: 'silent.example.gov' })
    const now = Date.now()
    const row = (minutesAgo: number, visitor: string, eventType: string, path: string, name: string | null = null, value: number | null = null) => ({
      ts: new Date(now - minutesAgo * 60_000), siteId: measured.id, visitorId: visitor, sessionId: `s-${visitor}`, eventType, name, path, query: null,
      referrer: eventType === 'pageview' ? 'https://search.usa.gov/' : null, device: 'mobile' as const, channel: 'web' as const, value, properties: null,
    })
    await e.t.runtime.events.append([
      row(3 * 1440, 'a', 'pageview', '/apply'), row(3 * 1440 - 1, 'a', 'action', '/apply', 'apply_start', 4), row(1440, 'b', 'pageview', '/status'),
      row(10, 'c', 'pageview', '/apply'), row(9, 'c', 'action', '/apply', 'apply_start', 6),
    ])
    await e.t.runtime.events.refreshRollups({ from: new Date(now - 4 * 86_400_000), to: new Date(now + 60_000) })
    await visit(admin, '/analytics', { phone: true })
    await visit(admin, '/analytics/services')
    await visit(admin, `/analytics/sites/${measured.id}`, { phone: true })
    await visit(admin, `/analytics/sites/${measured.id}?granularity=hour&from=${new Date(now - 86_400_000).toISOString().slice(0, 10)}`)
    await visit(admin, `/analytics/services/${priority.id}`, { phone: true })
    await visit(admin, `/analytics/sites/${empty.id}`)
    await visit(admin, `/analytics/sites/${measured.id}?from=2025-02-30`, { status: 400 })
    await visit(admin, `/analytics/sites/${measured.id}/values/apply_start`, { phone: true })
    await visit(admin, `/analytics/services/${priority.id}/values/apply_start`)
    await visit(admin, `/analytics/sites/${measured.id}/values/no_such_action`)
    await visit(admin, `/analytics/sites/${measured.id}/values/apply_start?from=2025-02-30`, { status: 400 })
  })

  it('journeys: empty list, list, define (and its errors), a dashboard without data, edit', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    await visit(admin, '/journeys?q=no-such-journey')
    const site = await createSite(e.t.runtime.db, e.world.people.admin.actor, { organizationId: e.world.orgs.A1.id, name: 'Journey site', domain: 'journeys.example.gov' })
    const journey = await createJourney(e.t.runtime.db, e.world.people.admin.actor, {
      serviceId: priority.id, name: 'Apply online', siteIds: [site.id], steps: [{ kind: 'page', pattern: '/apply' }, { kind: 'action', name: 'apply_submit', label: 'Submitted' }],
    })
    await visit(admin, '/journeys', { phone: true })
    await visit(admin, '/journeys/new')
    await post(admin, 'journey form with errors', 'Save', { status: 400, phone: true })
    await visit(admin, `/journeys/${journey.id}`, { phone: true })
    await visit(admin, `/journeys/${journey.id}/edit`)
  })

  it('monitors: empty filter, list, add (and its errors), a monitor alerting after "Evaluate now", edit', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    await visit(admin, '/monitors?q=no-such-monitor')
    const site = await createSite(e.t.runtime.db, e.world.people.admin.actor, { organizationId: e.world.orgs.A1.id, name: 'Monitored site', domain: 'monitored.example.gov' })
    const monitor = await createMonitor(e.t.runtime.db, e.world.people.admin.actor, {
      siteId: site.id, name: 'Traffic floor', metric: 'pageviews', rule: 'threshold', parameters: { value: 5 }, recipients: ['cx@agency.gov'], sendWebhook: true,
    })
    await visit(admin, '/monitors/new')
    await field(admin, 'Bound').fill('lots')
    await post(admin, 'monitor form with errors', 'Save', { status: 400, phone: true })
    await visit(admin, `/monitors/${monitor.id}`)
    // No page views in the last hour: below the floor of 5, so evaluating opens an alert (marked on the chart).
    await post(admin, 'a monitor alerting, with its alert history and chart mark', 'Evaluate now', { phone: true })
    assert.ok(await admin.getByRole('cell', { name: /Alert opened/ }).count() > 0, 'the chart table lists the alert mark')
    await visit(admin, '/monitors', { phone: true })
    await visit(admin, `/monitors/${monitor.id}/edit`)
  })

  it('the open phone menu, the expanded .gov banner, and an open submenu that leads to its page', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    await admin.setViewportSize(PHONE)
    await admin.goto('/services')
    await admin.getByRole('button', { name: 'Menu' }).click()
    await admin.locator('.usa-nav.is-visible').waitFor()
    // USWDS's open menu is modal: it sets aria-hidden on the rest of the page and traps focus in the menu, so the
    // page-level rules (one <main>, an h1, aria-hidden-focus) do not apply to this state; check the menu itself.
    await axeCheck(admin, { include: '.usa-nav' })
    await admin.getByRole('button', { name: 'Close' }).click()
    await admin.locator('.usa-nav.is-visible').waitFor({ state: 'detached' })
    await admin.getByRole('button', { name: 'Here’s how you know' }).click()
    await admin.locator('#gov-banner-default:not([hidden])').waitFor()
    await axeCheck(admin)
    await admin.setViewportSize(DESKTOP)
    await admin.getByRole('button', { name: 'Feedback', exact: true }).click()
    await admin.locator('#nav-feedback:not([hidden])').waitFor()
    await axeCheck(admin)
    await admin.getByRole('link', { name: 'Feedback inbox' }).click()
    await admin.waitForURL('**/inbox')
    assert.deepEqual(pageProblems(admin), [])
  })
})
