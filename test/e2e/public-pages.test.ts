/**
 * The public transparency pages (no sign-in) in headless Chromium under the app's real CSP: the directory, an agency,
 * a HISP, a service (trend chart with its table, per-channel and driver tables, suppressed cells), the methodology
 * and the public 404. Each passes axe-core with zero violations (also at a phone width), has the page frame, loads
 * without CSP violations or broken assets, and every link and scrollable table in <main> is reached with Tab alone.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { updateService } from '../../src/catalog/index.ts'
import { systemActor } from '../../src/auth/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { bearer, json, type Person } from '../helpers/test-app.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

const PHONE = { width: 375, height: 800 }
const DESKTOP = { width: 1280, height: 900 }
const HEADER = 'external_id,submitted_at,trust,drivers_positive,drivers_negative,open_text'

describe('public transparency pages (headless Chromium, axe-core)', () => {
  let e: E2e
  before(async () => {
    e = await startE2e()
    const { db } = e.t.runtime
    const system = systemActor('e2e-public')
    const service = e.world.services.serviceA1.id
    await updateService(db, system, service, { designatedForImprovement: true, yearDesignated: 2024 })
    const survey = async (template: 'a11_v2_thumbs' | 'a11_v2_likert', name: string, channel: 'website' | 'phone') =>
      (await transitionSurvey(db, system, (await createSurvey(db, system, { serviceId: service, template, name, channel })).id, 'publish')).id
    const thumbs = await survey('a11_v2_thumbs', 'Permit thumbs', 'website')
    const likert = await survey('a11_v2_likert', 'Permit Likert', 'phone')
    const rows = (prefix: string, date: string, n: number, up: number) =>
      [HEADER, ...Array.from({ length: n }, (_, i) => (i < up ? `${prefix}${i},${date},1,ease,,` : `${prefix}${i},${date},0,,efficiency,`))].join('\n')
    for (const [id, csv] of [
      [thumbs, rows('a', '2025-11-05', 40, 32)], [likert, [HEADER, ...[5, 4, 3, 2, 1].map((v, i) => `l${i},2025-11-06,${v},,,`)].join('\n')],
      [thumbs, rows('b', '2026-02-05', 35, 25)],
    ] as const) {
      const report = await importResponsesCsv(db, system, id, csv, { format: 'survey', channel: 'website' })
      assert.ok(report.ok, JSON.stringify(report.errors))
    }
    const call = async <T>(person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<T> => {
      const response = await e.t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(person), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
      assert.equal(response.statusCode, 200, response.body)
      return json<T>(response)
    }
    const { leadA, reviewer } = e.world.people
    for (const quarter of [1, 2]) {
      await call(reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter })
      const list = await call<{ items: { id: string }[] }>(reviewer, 'GET', `/collections?fiscalYear=2026&quarter=${quarter}`)
      const id = list.items[0]?.id as string
      const collection = await call<{ details: { id: string; respondents: number }[] }>(reviewer, 'GET', `/collections/${id}`)
      await call(leadA, 'PATCH', `/collections/${id}`, { details: collection.details.map((d) => ({ id: d.id, volumeOffered: d.respondents * 4, volumeOfCustomers: d.respondents * 10 })) })
      await call(leadA, 'POST', `/collections/${id}/transitions`, { transition: 'submit' })
      await call(reviewer, 'POST', `/collections/${id}/rating`, { rating: 'green', reason: 'Complete' })
      await call(reviewer, 'POST', `/collections/${id}/transitions`, { transition: 'publish' })
    }
  })
  after(async () => { await e?.close() })

  async function visit(page: Page, path: string, status = 200): Promise<void> {
    const response = await page.goto(path)
    assert.equal(response?.status(), status, `${path}: HTTP status`)
    await assertPageFrame(page)
    await axeCheck(page)
    await page.setViewportSize(PHONE)
    try {
      await axeCheck(page)
    } finally {
      await page.setViewportSize(DESKTOP)
    }
    assert.deepEqual(pageProblems(page), [], `${path}: CSP violations, script errors or broken assets`)
  }

  /** Tabs through the whole page from the top; every link and scrollable region in <main> must take focus. */
  async function assertKeyboardReachable(page: Page): Promise<void> {
    const wanted = await page.locator('main a[href], main [tabindex="0"]').evaluateAll((elements) => elements.map((el, i) => {
      el.setAttribute('data-tab-check', String(i))
      return i
    }))
    assert.ok(wanted.length > 0, 'the page has links or regions to reach')
    await page.locator('body').focus()
    const reached = new Set<number>()
    for (let press = 0; press < 400 && reached.size < wanted.length; press++) {
      await page.keyboard.press('Tab')
      const mark = await page.evaluate(() => document.activeElement?.getAttribute('data-tab-check') ?? null)
      if (mark !== null) reached.add(Number(mark))
    }
    assert.deepEqual(wanted.filter((i) => !reached.has(i)), [], `${page.url()}: every link and table region in main is reached with Tab`)
  }

  it('the directory, an agency, a HISP and the methodology: zero axe violations, reachable by keyboard', async () => {
    const page = await e.newPage()
    await visit(page, '/public')
    assert.equal(await page.getByRole('link', { name: 'Department A (DA)' }).count(), 1)
    await assertKeyboardReachable(page)
    await page.getByRole('link', { name: 'Department A (DA)' }).click()
    await page.waitForURL(`**/public/agencies/${e.world.orgs.A.id}`)
    await visit(page, `/public/agencies/${e.world.orgs.A.id}`)
    await assertKeyboardReachable(page)
    await visit(page, '/public/hisps/da-ba1')
    await assertKeyboardReachable(page)
    await visit(page, '/public/methodology')
    await assertKeyboardReachable(page)
  })

  it('a service: trend chart with its table, suppressed cells spelled out; and the public 404', async () => {
    const page = await e.newPage()
    await visit(page, `/public/services/${e.world.services.serviceA1.id}`)
    assert.equal(await page.locator('svg[role="img"]').count(), 1)
    assert.equal(await page.getByRole('table', { name: /Data for/ }).count(), 1)
    // 32 of 40 = 80.0% (FY2026 Q1 website); the Likert survey has 5 respondents: withheld.
    assert.ok((await page.locator('main').textContent())?.includes('80.0%'))
    assert.ok((await page.getByText('Fewer than 30 responses').count()) > 0)
    await assertKeyboardReachable(page)
    await visit(page, '/public/services/00000000-0000-4000-8000-000000000000', 404)
  })
})
