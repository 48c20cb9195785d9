/**
 * Reading collections side by side and the files around them, through the API on SQLite and PostgreSQL: a quarter
 * compared across services and channels, a service's trend, the driver analysis, the Annual Performance Plan export
 * (CSV, XLSX, JSON; known rows; permissions) and the volumes CSV import (all rows or none, errors by line, audit rows).
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import ExcelJS from 'exceljs'
import { systemActor } from '../../src/auth/index.ts'
import { updateService } from '../../src/catalog/index.ts'
import { APP_COLUMNS } from '../../src/reporting/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { bearer, describeWithWorld, json, type Person } from '../helpers/test-app.ts'

const system = systemActor('collection-analysis-test')
const round = (value: number | null | undefined) => (value === null || value === undefined ? value : Number(value.toFixed(4)))

interface Share { count: number; n: number; share: number | null; interval: { lower: number; upper: number } | null }
interface Group { respondents: number; trust: Share; likertMean: { n: number; mean: number | null }; responseRate: { respondents: number; offered: number | null; rate: number | null } }
interface Comparison {
  label: string
  services: (Group & { serviceName: string; state: string; surveys: number })[]
  channels: (Group & { channel: string; surveys: number; collections: number })[]
  overall: Group
}
interface Detail { id: string; surveyId: string; volumeOfCustomers: number | null; volumeOffered: number | null; offered: number | null }
interface Collection { id: string; serviceId: string; state: string; details: Detail[] }
interface ImportFailure { error: string; rows: { row: number; field: string; message: string }[] }

describeWithWorld('collection analysis, APP export and volumes import', (w) => {
  const db = () => w.t.runtime.db
  const call = (person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(person), ...headers }, ...(payload !== undefined ? { payload: payload as string } : {}) })
  const ok = async <T>(person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<T> => {
    const response = await call(person, method, url, payload)
    assert.equal(response.statusCode, 200, response.body)
    return json<T>(response)
  }
  const csv = (person: Person, text: string) => call(person, 'POST', '/collections/volumes', text, { 'content-type': 'text/csv' })

  /**
   * serviceA1 and serviceA1Other (both made designated services of the Bureau A1 HISP). serviceA1 has a thumbs survey W
   * on the website and a Likert survey P by phone. FY2026 Q1: W t1 up (ease, effectiveness), t2 up (ease), t3 up, t4
   * down (efficiency), 10 offers recorded; P 5 and 2 (humanity). FY2026 Q2: W u1 up, u2 down. serviceA1Other: nothing.
   */
  let fixtures: Promise<{ web: string; phone: string; q1: Collection; q2: Collection; otherQ1: Collection }> | null = null
  const setUp = () => (fixtures ??= (async () => {
    const { serviceA1, serviceA1Other } = w.world.services
    await updateService(db(), system, serviceA1.id, { designatedForImprovement: true, yearDesignated: 2024 })
    await updateService(db(), system, serviceA1Other.id, { designatedForImprovement: true, yearDesignated: 2024, hispId: w.world.hispId })
    const published = async (template: 'a11_v2_thumbs' | 'a11_v2_likert', name: string, channel: 'website' | 'phone') =>
      (await transitionSurvey(db(), system, (await createSurvey(db(), system, { serviceId: serviceA1.id, template, name, channel })).id, 'publish')).id
    const header = 'external_id,submitted_at,trust,drivers_positive,drivers_negative'
    const load = async (survey: string, rows: string[], offers?: number) => {
      const report = await importResponsesCsv(db(), system, survey, [header, ...rows].join('\n'), { format: 'survey', offers })
      assert.ok(report.ok, JSON.stringify(report.errors))
    }
    const web = await published('a11_v2_thumbs', 'Permit web', 'website')
    await load(web, ['t1,2025-10-15,1,ease;effectiveness,', 't2,2025-11-01,1,ease,', 't3,2025-11-20,1,,', 't4,2025-12-01,0,,efficiency'], 10)
    await load(web, ['u1,2026-02-01,1,,', 'u2,2026-02-02,0,,ease'])
    const phone = await published('a11_v2_likert', 'Permit phone', 'phone')
    await load(phone, ['l1,2025-11-10,5,,', 'l2,2025-11-11,2,,humanity'])
    for (const quarter of [1, 2]) await ok(w.world.people.reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter })
    const list = await ok<{ items: (Collection & { quarter: number })[] }>(w.world.people.reviewer, 'GET', '/collections?fiscalYear=2026')
    const find = async (serviceId: string, quarter: number) =>
      ok<Collection>(w.world.people.reviewer, 'GET', `/collections/${list.items.find((c) => c.serviceId === serviceId && c.quarter === quarter)?.id}`)
    return { web, phone, q1: await find(serviceA1.id, 1), q2: await find(serviceA1.id, 2), otherQ1: await find(serviceA1Other.id, 1) }
  })())

  it('compares a quarter across services and channels, within what the reader may see', async () => {
    await setUp()
    const { analystA, leadB, reviewer } = w.world.people
    const q1 = await ok<Comparison>(analystA, 'GET', '/collections/compare?fiscalYear=2026&quarter=1')
    assert.equal(q1.label, 'FY2026 Q1')
    assert.deepEqual(q1.services.map((s) => [s.serviceName, s.respondents, s.surveys, s.trust.count, s.trust.n]), [
      ['Apply for a permit', 6, 2, 4, 6], ['Renew a license', 0, 0, 0, 0],
    ])
    // Response rate needs an offered figure for every survey: P has none (no offers recorded, none entered).
    assert.deepEqual(q1.services[0]?.responseRate, { respondents: 6, offered: null, rate: null })
    assert.deepEqual(q1.channels.map((c) => [c.channel, c.surveys, c.collections, c.respondents, c.trust.count, c.trust.n]), [['phone', 1, 1, 2, 1, 2], ['website', 1, 1, 4, 3, 4]])
    const website = q1.channels.find((c) => c.channel === 'website') as Comparison['channels'][number]
    // 3 of 4: Wilson (0.3006, 0.9544); 4 respondents ÷ 10 recorded offers = 0.4.
    assert.deepEqual([round(website.trust.interval?.lower), round(website.trust.interval?.upper), website.responseRate.rate], [0.3006, 0.9544, 0.4])
    assert.equal(q1.channels.find((c) => c.channel === 'phone')?.likertMean.mean, 3.5, '(5 + 2) ÷ 2')
    assert.deepEqual([q1.overall.respondents, q1.overall.trust.count], [6, 4])
    const theirs = await ok<Comparison>(leadB, 'GET', '/collections/compare?fiscalYear=2026&quarter=1')
    assert.deepEqual([theirs.services, theirs.channels, theirs.overall.respondents], [[], [], 0])
    assert.equal((await call(reviewer, 'GET', '/collections/compare?fiscalYear=2026')).statusCode, 400)
    assert.equal((await call(reviewer, 'GET', '/collections/compare?fiscalYear=2026&quarter=5')).statusCode, 400)
  })

  it('follows a service over quarters (trend) and analyses its drivers', async () => {
    const { q1, q2 } = await setUp()
    const { analystA, leadB } = w.world.people
    const trend = await ok<{ serviceName: string; points: (Group & { label: string; collectionId: string })[] }>(analystA, 'GET', `/collections/${q2.id}/trend`)
    assert.deepEqual(trend.points.map((p) => [p.label, p.collectionId, p.respondents, p.trust.count, p.trust.n]), [['FY2026 Q1', q1.id, 6, 4, 6], ['FY2026 Q2', q2.id, 2, 1, 2]])
    assert.deepEqual((await ok<{ points: { label: string }[] }>(analystA, 'GET', `/collections/${q2.id}/trend?quarters=1`)).points.map((p) => p.label), ['FY2026 Q2'])
    assert.deepEqual((await ok<{ points: { label: string }[] }>(analystA, 'GET', `/collections/${q1.id}/trend`)).points.map((p) => p.label), ['FY2026 Q1'], 'later quarters are not part of an earlier collection\'s trend')
    assert.equal((await call(leadB, 'GET', `/collections/${q2.id}/trend`)).statusCode, 404)

    type Analysis = { trustingN: number; nonTrustingN: number; sufficient: boolean; drivers: { driver: string; difference: number | null; clear: boolean; trusting: Share; nonTrusting: Share }[] }
    const drivers = await ok<{ overall: Analysis; details: { surveyTitle: string; analysis: Analysis }[] }>(analystA, 'GET', `/collections/${q1.id}/drivers`)
    // Trusting: t1, t2, t3 and l1 (4); non-trusting: t4 and l2 (2). Fewer than 10 in a branch: not enough responses.
    assert.deepEqual([drivers.overall.trustingN, drivers.overall.nonTrustingN, drivers.overall.sufficient], [4, 2, false])
    assert.equal(drivers.details.length, 2)
    const ranked = await ok<{ overall: Analysis }>(analystA, 'GET', `/collections/${q1.id}/drivers?minimum=1`)
    // ease 2/4 − 0/2 = 0.5; efficiency 0/4 − 1/2 = −0.5; humanity 0/4 − 1/2 = −0.5; effectiveness 1/4 − 0/2 = 0.25.
    // Nothing is clear with so few answers, so they rank by |difference|, ties in OMB's driver order.
    assert.deepEqual(ranked.overall.drivers.slice(0, 4).map((d) => [d.driver, d.difference, d.clear]), [
      ['ease', 0.5, false], ['efficiency', -0.5, false], ['humanity', -0.5, false], ['effectiveness', 0.25, false],
    ])
    assert.equal((await call(analystA, 'GET', `/collections/${q1.id}/drivers?minimum=0`)).statusCode, 400)
  })

  it('exports the APP/APR indicators per designated service × quarter as CSV, XLSX and JSON, for readers of the agency', async () => {
    const { q1 } = await setUp()
    const { analystA, leadA, leadB, reviewer } = w.world.people
    await ok(leadA, 'PATCH', `/collections/${q1.id}`, { reflection: '=Added a phone line' })
    const url = (org: string, format = 'csv', year = '2026') => `/reports/app?organizationId=${org}&fiscalYear=${year}&format=${format}`
    const response = await call(analystA, 'GET', url(w.world.orgs.A.id))
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
    assert.equal(response.headers['cache-control'], 'no-store')
    assert.equal(response.headers['content-disposition'], 'attachment; filename="fy2026-cx-indicators-da.csv"')
    const [header, ...lines] = response.body.split('\r\n').filter(Boolean)
    assert.equal(header, APP_COLUMNS.join(','))
    assert.ok(header?.startsWith('agency,agency_abbreviation,organization,hisp,service_id,service_name,fiscal_year,quarter,collection_id,state,rating,respondents,trust_positive'))
    assert.ok(header?.endsWith('negative_employee_share,negative_other_share,actions_taken'))
    // Two designated services × four started quarters (FY2026 ended on 2026-09-30); Q3 and Q4 have no collection.
    assert.equal(lines.length, 8)
    const rows = lines.map((line) => Object.fromEntries((header ?? '').split(',').map((name, i) => [name, line.split(',')[i]])))
    const permitQ1 = rows.find((r) => r.service_name === 'Apply for a permit' && r.quarter === '1') as Record<string, string>
    // 4 of 6 trust: 0.6667, Wilson (0.3000, 0.9032); Likert 3.5 over 2; ease 2 of 4 trusting; efficiency 1 of 2 non-trusting.
    assert.deepEqual(
      ['agency', 'agency_abbreviation', 'organization', 'hisp', 'state', 'respondents', 'trust_positive', 'trust_n', 'trust_share', 'likert_mean', 'likert_n', 'offered', 'response_rate', 'positive_n', 'positive_ease_share', 'negative_n', 'negative_efficiency_share', 'actions_taken'].map((k) => permitQ1[k]),
      ['Department A', 'DA', 'Bureau A1', 'Bureau A1 HISP', 'draft', '6', '4', '6', '0.6667', '3.5', '2', '', '', '4', '0.5', '2', '0.5', '\'=Added a phone line'],
      'the reflection is the actions taken, guarded against spreadsheet formulas',
    )
    assert.deepEqual([round(Number(permitQ1.trust_ci95_lower)), round(Number(permitQ1.trust_ci95_upper))], [0.3, 0.9032])
    assert.deepEqual(rows.filter((r) => r.state === 'no_collection').map((r) => `${r.service_name} Q${r.quarter}`).sort(),
      ['Apply for a permit Q3', 'Apply for a permit Q4', 'Renew a license Q3', 'Renew a license Q4'])

    const xlsx = await call(analystA, 'GET', url(w.world.orgs.A.id, 'xlsx'))
    assert.equal(xlsx.statusCode, 200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    assert.deepEqual(workbook.worksheets.map((s) => s.name), ['APP indicators', 'Columns'])
    const sheet = workbook.getWorksheet('APP indicators') as ExcelJS.Worksheet
    assert.deepEqual([sheet.getCell('A1').value, sheet.rowCount], ['agency', 9])
    const column = (name: string) => APP_COLUMNS.indexOf(name as (typeof APP_COLUMNS)[number]) + 1
    const permitRow = sheet.getRows(2, 8)?.find((r) => r.getCell(column('service_name')).value === 'Apply for a permit' && r.getCell(column('quarter')).value === 1)
    assert.deepEqual([permitRow?.getCell(column('respondents')).value, permitRow?.getCell(column('trust_share')).value, permitRow?.getCell(column('actions_taken')).value], [6, 0.6667, '=Added a phone line'],
      'numbers stay numbers; a text cell is not a formula in XLSX')
    assert.equal(workbook.getWorksheet('Columns')?.getCell('A2').value, 'agency')

    const data = await ok<{ rows: Record<string, unknown>[] }>(reviewer, 'GET', url(w.world.orgs.A.id, 'json'))
    assert.equal(data.rows.length, 8)
    assert.deepEqual((await ok<{ rows: unknown[] }>(analystA, 'GET', url(w.world.orgs.A1x.id, 'json'))).rows, [], 'an office without services')
    assert.equal((await call(leadB, 'GET', url(w.world.orgs.A.id))).statusCode, 404, 'another agency\'s report is not found')
    assert.equal((await call(analystA, 'GET', url(w.world.orgs.B.id))).statusCode, 404)
    assert.equal((await call(analystA, 'GET', url(w.world.orgs.A.id, 'pdf'))).statusCode, 400)
    assert.equal((await call(analystA, 'GET', url('not-an-id'))).statusCode, 400)
    assert.equal((await call(analystA, 'GET', url(w.world.orgs.A.id, 'csv', '19'))).statusCode, 400)
  })

  it('imports volumes from CSV: every row checked, problems by line, nothing written unless all are good', async () => {
    const { web, phone, q1, q2, otherQ1 } = await setUp()
    const { managerA1, analystA, leadB, leadA } = w.world.people
    const volumes = async (collection: Collection) => (await ok<Collection>(leadA, 'GET', `/collections/${collection.id}`)).details
      .map((d) => [d.surveyId === web ? 'web' : 'phone', d.volumeOfCustomers, d.volumeOffered, d.offered]).sort()
    const audits = async () => (await db().selectFrom('audit_log').select('entity_id').where('action', '=', 'collection.update').execute()).length
    const auditsBefore = await audits()

    const bad = await csv(managerA1, [
      'collection_id,survey_id,volume_of_customers,volume_offered',
      `${q2.id},${web},200,`,
      `${q1.id},${phone},50,1`,
    ].join('\n'))
    assert.equal(bad.statusCode, 400, bad.body)
    assert.deepEqual(json<ImportFailure>(bad).rows.map((r) => [r.row, r.field]), [[3, 'volume_offered']])
    assert.match(json<ImportFailure>(bad).rows[0]?.message ?? '', /at least the number of respondents \(2\)/)
    assert.deepEqual(await volumes(q2), [['web', null, null, null]], 'the good row on line 2 was not written either')

    const problems = await csv(managerA1, [
      'Collection_ID,survey_id,volume_of_customers,volume_offered',
      `${q1.id},${web},lots,`,
      `00000000-0000-4000-8000-000000000000,${web},10,`,
      `${q1.id},00000000-0000-4000-8000-000000000001,10,`,
      `${q1.id},${phone},"1,000",12`,
      `${q1.id},${phone},1000,12`,
      `${q2.id},${web},5,`,
      `${q2.id},${web.toUpperCase()},7,x`,
    ].join('\n'))
    assert.equal(problems.statusCode, 400)
    // The header's case does not matter. Line 5 ("1,000" with a thousands separator) and line 7 are good; line 6
    // repeats line 5; line 8 repeats line 7 (ids in any case) but is reported for its bad number first.
    assert.deepEqual(json<ImportFailure>(problems).rows.map((r) => [r.row, r.field]), [
      [2, 'volume_of_customers'], [3, 'collection_id'], [4, 'survey_id'], [6, 'survey_id'], [8, 'volume_offered'],
    ])
    assert.match(json<ImportFailure>(problems).rows.find((r) => r.row === 6)?.message ?? '', /repeats line 5/)

    assert.equal((await csv(managerA1, 'collection_id,survey_id,volume_of_customers\n')).statusCode, 400, 'no rows')
    const header = await csv(managerA1, `collection_id,survey,volume_of_customers\n${q1.id},${web},10`)
    assert.deepEqual(json<ImportFailure>(header).rows.map((r) => [r.row, r.field]), [[1, 'survey_id'], [1, 'survey']])

    const good = ['collection_id,survey_id,volume_of_customers,volume_offered', `${q1.id},${web},120,`, `${q1.id},${phone},"1,000",8`, `${q2.id},${web},90,4`].join('\n')
    // An analyst never enters volumes: the whole file is refused (403). A lead of another organization may enter
    // volumes, but not these: every row is reported as unknown, as elsewhere (ids cannot be probed).
    assert.equal((await csv(analystA, good)).statusCode, 403)
    const refused = await csv(leadB, good)
    assert.equal(refused.statusCode, 400)
    assert.deepEqual(json<ImportFailure>(refused).rows.map((r) => [r.row, r.field]), [[2, 'collection_id'], [3, 'collection_id'], [4, 'collection_id']])
    assert.ok(json<ImportFailure>(refused).rows.every((r) => /is not a collection you can read/.test(r.message)), JSON.stringify(json(refused)))
    assert.equal(await audits(), auditsBefore, 'no refused file left a trace')

    const saved = await csv(managerA1, good)
    assert.equal(saved.statusCode, 200, saved.body)
    assert.deepEqual(json(saved), { ok: true, rows: 3, collections: 2, errors: [] })
    assert.deepEqual(await volumes(q1), [['phone', 1000, 8, 8], ['web', 120, null, 10]], 'empty volume_offered uses the 10 recorded offers')
    assert.deepEqual(await volumes(q2), [['web', 90, 4, 4]])
    const entries = await db().selectFrom('audit_log').select(['entity_id', 'actor_user_id']).where('action', '=', 'collection.update').execute()
    assert.equal(entries.length, auditsBefore + 2, 'one collection.update per collection')
    assert.ok(entries.slice(-2).every((e) => e.actor_user_id === managerA1.id))

    // Multipart (a form's file field) works the same; a closed collection refuses every row.
    await ok(leadA, 'POST', `/collections/${otherQ1.id}/transitions`, { transition: 'mark_not_reported' })
    const boundary = 'cx280boundary'
    const multipart = [`--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="volumes.csv"', 'Content-Type: text/csv', '',
      `collection_id,survey_id,volume_of_customers\r\n${otherQ1.id},${web},10\r\n${q2.id},${web},95`, `--${boundary}--`, ''].join('\r\n')
    const closed = await call(managerA1, 'POST', '/collections/volumes', multipart, { 'content-type': `multipart/form-data; boundary=${boundary}` })
    assert.equal(closed.statusCode, 400, closed.body)
    assert.deepEqual(json<ImportFailure>(closed).rows.map((r) => [r.row, r.field]), [[2, 'collection_id']])
    assert.match(json<ImportFailure>(closed).rows[0]?.message ?? '', /is not reported/)
    const fixed = multipart.replace(`${otherQ1.id},${web},10\r\n`, '')
    const multipartOk = await call(managerA1, 'POST', '/collections/volumes', fixed, { 'content-type': `multipart/form-data; boundary=${boundary}` })
    assert.equal(multipartOk.statusCode, 200, multipartOk.body)
    assert.deepEqual(await volumes(q2), [['web', 95, null, null]], 'a file without volume_offered clears it back to the recorded offers (none)')
    assert.equal((await call(managerA1, 'POST', '/collections/volumes', { rows: [] })).statusCode, 415)

    const template = await call(leadA, 'GET', '/collections/volumes.csv?fiscalYear=2026&quarter=1')
    assert.equal(template.statusCode, 200)
    const [templateHeader, ...templateRows] = template.body.split('\r\n').filter(Boolean)
    assert.equal(templateHeader, 'collection_id,survey_id,volume_of_customers,volume_offered,fiscal_year,quarter,hisp,service_name,survey_title,channel,respondents,recorded_offers')
    assert.equal(templateRows.length, 2, 'the two surveys of the open Q1 collection (the other is not reported)')
    const reimport = await csv(leadA, template.body)
    assert.equal(reimport.statusCode, 200, 'the template imports as it is')
    assert.equal((await call(analystA, 'GET', '/collections/volumes.csv?fiscalYear=2026&quarter=1')).body.split('\r\n').filter(Boolean).length, 1, 'only collections the reader may edit')
  })
})
