/**
 * The survey data pages in headless Chromium under the app's real CSP: the import form (a bad file lists its
 * problems by row and column and stores nothing; a good OMB file imports and lands on the scores page) and the
 * scores page (trend chart with its data table, per-quarter and per-channel tables, driver charts), each passing
 * axe-core with zero violations, the table regions reachable by keyboard.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { OMB_CSV_COLUMNS } from '../../src/a11/omb-csv.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { assertPageFrame, axeCheck, pageProblems, startE2e, type E2e } from './browser.ts'

const NULLS = 'null,null,null,null,null,null,null'
const OMB_HEADER = OMB_CSV_COLUMNS.join(',')

describe('survey scores and import pages (headless Chromium, axe-core)', () => {
  let e: E2e
  let surveyId: string
  before(async () => {
    e = await startE2e()
    const { db } = e.t.runtime
    const manager = e.world.people.managerA1.actor
    const survey = await createSurvey(db, manager, { serviceId: e.world.services.serviceA1.id, template: 'a11_v2_thumbs', name: 'Permit feedback' })
    await transitionSurvey(db, manager, survey.id, 'publish')
    surveyId = survey.id
  })
  after(async () => { await e?.close() })

  const responses = async () => Number((await e.t.runtime.db.selectFrom('responses').select((eb) => eb.fn.countAll().as('n')).where('survey_id', '=', surveyId).executeTakeFirstOrThrow()).n)

  async function upload(page: Page, name: string, text: string, format: string): Promise<number> {
    await page.goto(`/surveys/${surveyId}/import`)
    await page.getByLabel('Format (required)').selectOption(format)
    await page.getByLabel('Channel (required)').selectOption('phone')
    await page.getByLabel('Offers').fill('12')
    await page.getByLabel('Date of responses').fill('2024-12-02')
    await page.locator('input#field-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') })
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Check and import' }).click()])
    return response?.status() ?? 0
  }

  it('shows an empty state before any response, and the import form, both without axe violations', async () => {
    const page = await e.newPage({ as: e.world.people.managerA1 })
    assert.equal((await page.goto(`/surveys/${surveyId}/scores`))?.status(), 200)
    await assertPageFrame(page)
    assert.equal(await page.locator('h1').textContent(), 'Scores: Permit feedback')
    assert.equal(await page.getByRole('heading', { name: 'No responses yet' }).count(), 1)
    await axeCheck(page)
    await page.getByRole('link', { name: 'Import responses' }).click()
    await page.waitForURL(`**/surveys/${surveyId}/import`)
    await assertPageFrame(page)
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [])
  })

  it('rejects a file with a bad row, listing each problem by row and column, and stores nothing', async () => {
    const page = await e.newPage({ as: e.world.people.managerA1 })
    const status = await upload(page, 'bad.csv', `${OMB_HEADER}\r\na,1,1,${'0,'.repeat(6)}${NULLS},\r\nb,7,${NULLS},${NULLS},\r\n`, 'omb17')
    assert.equal(status, 400)
    const rows = await page.locator('table:has(caption:text("Problems by row and column")) tbody tr').allTextContents()
    assert.deepEqual(rows, ['3question_1must be 0 (thumbs down) or 1 (thumbs up) for a thumbs up/down survey'])
    assert.equal(await page.getByLabel('Format (required)').inputValue(), 'omb17', 'the choices are kept')
    assert.equal(await responses(), 0)
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [])
  })

  it('imports a valid OMB file and shows the scores: trend chart with data table, quarter and channel tables, drivers', async () => {
    // One earlier quarter through the domain, so the trend has two points.
    await importResponsesCsv(e.t.runtime.db, e.world.people.managerA1.actor, surveyId, `${OMB_HEADER}\r\ne-1,0,${NULLS},1,0,0,0,0,0,0,\r\ne-2,1,0,1,0,0,0,0,0,${NULLS},\r\n`, { format: 'omb17', channel: 'website', submittedOn: '2024-08-20' })
    const page = await e.newPage({ as: e.world.people.managerA1 })
    const body = [`x-1,1,1,1,0,0,0,0,0,${NULLS},Quick`, `x-2,1,0,1,0,0,0,1,0,${NULLS},`, `x-3,0,${NULLS},0,1,0,0,0,0,0,"Long wait, ""no"" answer"`].join('\r\n')
    const status = await upload(page, 'phone-q1.csv', `\uFEFF${OMB_HEADER}\r\n${body}\r\n`, 'omb17')
    assert.equal(status, 200)
    assert.equal(new URL(page.url()).pathname, `/surveys/${surveyId}/scores`)
    assert.match(await page.locator('body').textContent() ?? '', /Imported 3 responses; recorded 12 offers\./)
    assert.equal(await responses(), 5)

    const chart = page.getByRole('img', { name: /Trust share by fiscal quarter/ })
    assert.equal(await chart.count(), 1)
    assert.equal(await chart.locator('circle').count(), 2, 'one point per quarter')
    const trend = await page.locator('table:has(caption:text("Data for “Trust share by fiscal quarter”")) tbody tr').allTextContents()
    assert.deepEqual(trend, ['FY2024 Q450.0%9.5% – 90.5%2', 'FY2025 Q166.7%20.8% – 93.9%3'])
    const quarters = await page.locator('table:has(caption:text-is("By fiscal quarter")) tbody tr th').allTextContents()
    assert.deepEqual(quarters, ['FY2024 Q4', 'FY2025 Q1'])
    const phone = await page.locator('table:has(caption:text-is("By channel")) tbody tr', { hasText: 'Phone' }).locator('td').allTextContents()
    assert.deepEqual(phone.slice(0, 5), ['3', '12', '25.0%', '66.7%', '20.8% – 93.9%'])
    assert.equal(await page.getByRole('img', { name: /What made the difference/ }).count(), 1)
    const ombLink = await page.getByRole('link', { name: 'Export OMB CSV (17 columns)' }).getAttribute('href')
    assert.equal(ombLink, `/api/v1/surveys/${surveyId}/export?format=omb17`)
    const download = await page.request.get(ombLink as string)
    assert.equal(download.status(), 200, 'the export link works with the signed-in session')
    assert.equal((await download.text()).trimEnd().split('\r\n').length, 6, 'header and five responses')

    // The scrollable table regions take keyboard focus (so their content can be scrolled without a mouse).
    const region = page.getByRole('region', { name: 'By fiscal quarter', exact: true })
    await region.focus()
    assert.equal(await region.evaluate((el) => el === document.activeElement), true)

    await axeCheck(page)
    await page.setViewportSize({ width: 375, height: 800 })
    await axeCheck(page)
    assert.deepEqual(pageProblems(page), [])
  })

  it('answers 404 to another organization and 403 on the import page to a reader who cannot manage the survey', async () => {
    const outsider = await e.newPage({ as: e.world.people.leadB })
    assert.equal((await outsider.goto(`/surveys/${surveyId}/scores`))?.status(), 404)
    const analyst = await e.newPage({ as: e.world.people.analystA })
    assert.equal((await analyst.goto(`/surveys/${surveyId}/scores`))?.status(), 200)
    assert.equal(await analyst.getByRole('link', { name: 'Import responses' }).count(), 0)
    assert.equal((await analyst.goto(`/surveys/${surveyId}/import`))?.status(), 403)
  })
})
