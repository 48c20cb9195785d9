/**
 * The collection analysis pages in headless Chromium with axe-core (zero violations, under the app's CSP): a
 * collection with its driver analysis and trend chart, one without enough responses, the quarter comparison, the
 * Annual Performance Plan export (downloaded with the keyboard alone) and the volumes import with its error report.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { systemActor } from '../../src/auth/index.ts'
import { updateService } from '../../src/catalog/index.ts'
import { ensureCollections } from '../../src/reporting/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

const PHONE = { width: 375, height: 800 }
const DESKTOP = { width: 1280, height: 900 }

describe('collection analysis pages (headless Chromium, axe-core)', () => {
  let e: E2e
  let q1 = ''
  let q2 = ''
  let survey = ''
  before(async () => {
    e = await startE2e()
    const db = e.t.runtime.db
    const system = systemActor('e2e')
    await updateService(db, system, e.world.services.serviceA1.id, { designatedForImprovement: true, yearDesignated: 2024 })
    survey = (await transitionSurvey(db, system, (await createSurvey(db, system, { serviceId: e.world.services.serviceA1.id, template: 'a11_v2_thumbs' })).id, 'publish')).id
    // FY2026 Q1: 5 respondents (too few for the driver analysis). FY2026 Q2: 18 trusting (12 ease, 6 effectiveness),
    // 12 not (9 efficiency, 3 ease): enough in both branches.
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => `a${i},2025-11-0${i + 1},${i % 2},${i % 2 ? 'ease' : ''},${i % 2 ? '' : 'efficiency'}`),
      ...Array.from({ length: 18 }, (_, i) => `b${i},2026-02-${String(i + 1).padStart(2, '0')},1,${i < 12 ? 'ease' : 'effectiveness'},`),
      ...Array.from({ length: 12 }, (_, i) => `c${i},2026-03-${String(i + 1).padStart(2, '0')},0,,${i < 9 ? 'efficiency' : 'ease'}`),
    ]
    const report = await importResponsesCsv(db, system, survey, ['external_id,submitted_at,trust,drivers_positive,drivers_negative', ...rows].join('\n'), { format: 'survey', offers: 40 })
    assert.ok(report.ok, JSON.stringify(report.errors))
    for (const quarter of [1, 2]) await ensureCollections(db, e.world.people.admin.actor, { fiscalYear: 2026, quarter }, { deadlineDays: 30 })
    const made = await db.selectFrom('collections').select(['id', 'quarter']).where('fiscal_year', '=', 2026).execute()
    q1 = made.find((c) => c.quarter === 1)?.id ?? ''
    q2 = made.find((c) => c.quarter === 2)?.id ?? ''
  })
  after(async () => { await e?.close() })

  async function check(page: Page, label: string, status: number | undefined, expected = 200, phone = false) {
    assert.equal(status, expected, `${label}: HTTP status`)
    await assertPageFrame(page)
    await axeCheck(page)
    if (phone) {
      await page.setViewportSize(PHONE)
      try { await axeCheck(page) } finally { await page.setViewportSize(DESKTOP) }
    }
    assert.deepEqual(pageProblems(page), [], `${label}: CSP violations, script errors or broken assets`)
  }
  const visit = async (page: Page, path: string, expected = 200, phone = false) => check(page, path, (await page.goto(path))?.status(), expected, phone)

  it('a collection: the ranked driver analysis and the trend chart with its table; one with too few responses', async () => {
    const admin = await e.newPage({ as: e.world.people.admin })
    await visit(admin, `/collections/${q2}`, 200, true)
    const ranked = await admin.locator('#driver-analysis-caption + thead + tbody th[scope="row"]').allTextContents()
    assert.equal(ranked.length, 7)
    // Newcombe intervals: efficiency 0/18 − 9/12 = −0.75, (−0.911, −0.417), 0.417 from zero; ease 12/18 − 3/12 = +0.417,
    // (0.053, …); effectiveness 6/18 − 0/12 = +0.333, (0.037, …). The other four are 0 − 0: not clear.
    assert.deepEqual(ranked.slice(0, 3), ['Efficiency', 'Ease', 'Effectiveness'])
    assert.equal(await admin.locator('figure svg[role="img"]').count(), 1, 'one trend chart')
    assert.deepEqual(await admin.locator('figure table tbody th[scope="row"]').allTextContents(), ['FY2026 Q1', 'FY2026 Q2'], 'its data table, quarter by quarter')
    await admin.locator('figure .usa-table-container--scrollable').focus()
    assert.equal(await admin.evaluate(() => document.activeElement?.getAttribute('role')), 'region', 'the data table scrolls with the keyboard')
    await visit(admin, `/collections/${q1}`)
    assert.ok(await admin.getByText(/Not enough responses/).isVisible())
  })

  it('the comparison of a quarter (and of one without collections), reached from the list', async () => {
    const analyst = await e.newPage({ as: e.world.people.analystA })
    await visit(analyst, '/collections?fiscalYear=2026&quarter=2')
    const [response] = await Promise.all([analyst.waitForNavigation(), analyst.getByRole('link', { name: 'Compare a quarter across services and channels' }).click()])
    await check(analyst, 'compare FY2026 Q2', response?.status(), 200, true)
    assert.equal(await analyst.locator('h1').textContent(), 'Compare FY2026 Q2')
    assert.ok(await analyst.getByRole('cell', { name: /60\.0% \(18 of 30\)/ }).first().isVisible(), 'trust 18 of 30')
    await visit(analyst, '/collections/compare?fiscalYear=2019&quarter=1')
  })

  it('the Annual Performance Plan export, downloaded with the keyboard alone', async () => {
    const lead = await e.newPage({ as: e.world.people.leadA })
    await visit(lead, '/collections/app-report', 200, true)
    await lead.getByLabel('Agency (with every organization under it) (required)').focus()
    await lead.keyboard.press('Tab')
    await lead.keyboard.press('Tab')
    await lead.keyboard.press('Tab')
    assert.equal(await lead.evaluate(() => document.activeElement?.textContent), 'Download', 'the fields and the button in reading order')
    const [download] = await Promise.all([lead.waitForEvent('download'), lead.keyboard.press('Enter')])
    assert.match(download.suggestedFilename(), /^fy\d{4}-cx-indicators-da\.csv$/)
    assert.deepEqual(pageProblems(lead).filter((p) => !p.includes('/api/v1/reports/app')), [])
  })

  it('the volumes import: the form, a file with problems listed by line, then a good file', async () => {
    const lead = await e.newPage({ as: e.world.people.leadA })
    await visit(lead, '/collections/volumes', 200, true)
    const upload = async (text: string) => {
      await lead.locator('input#file').setInputFiles({ name: 'volumes.csv', mimeType: 'text/csv', buffer: Buffer.from(text) })
      const [response] = await Promise.all([lead.waitForNavigation(), lead.getByRole('button', { name: 'Check and save volumes' }).click()])
      return response?.status()
    }
    const header = 'collection_id,survey_id,volume_of_customers,volume_offered'
    await check(lead, 'volumes with problems', await upload(`${header}\n${q2},${survey},lots,\n${q1},${survey},100,2\n`), 400, true)
    assert.deepEqual(await lead.locator('main table tbody tr td:first-child').allTextContents(), ['2', '3'], 'problems by line')
    await check(lead, 'volumes saved (flash)', await upload(`${header}\n${q2},${survey},500,\n${q1},${survey},100,\n`))
    assert.match((await lead.locator('main .usa-alert--success').textContent()) ?? '', /Volumes saved for 2 surveys in 2 collections/)
  })
})
