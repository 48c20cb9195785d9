import assert from 'node:assert/strict'
import { it } from 'node:test'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { OMB_CSV_COLUMNS } from '../../src/a11/omb-csv.ts'
import { bearer, describeWithWorld, json, type Person } from '../helpers/test-app.ts'

interface Survey { id: string; version: number }
interface Report { ok: boolean; imported: number; offers: number; recoveryCases: number }
interface Rejected { error: string; rows: { row: number; column: string; message: string }[] }

const OMB_HEADER = OMB_CSV_COLUMNS.join(',')
const NULLS = 'null,null,null,null,null,null,null'

describeWithWorld('response imports and exports', (w) => {
  const api = () => w.t.app
  const db = () => w.t.runtime.db
  const published = async (template = 'a11_v2_thumbs', extra: Record<string, unknown> = {}): Promise<Survey> => {
    const created = await api().inject({ method: 'POST', url: '/api/v1/surveys', headers: bearer(w.world.people.managerA1), payload: { serviceId: w.world.services.serviceA1.id, template, ...extra } })
    assert.equal(created.statusCode, 201, created.body)
    const survey = json<Survey>(created)
    const done = await api().inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/transitions`, headers: bearer(w.world.people.managerA1), payload: { transition: 'publish' } })
    assert.equal(done.statusCode, 200, done.body)
    return survey
  }
  const upload = (id: string, csv: string, query = 'format=survey', person: Person = w.world.people.managerA1) =>
    api().inject({ method: 'POST', url: `/api/v1/surveys/${id}/imports?${query}`, headers: { ...bearer(person), 'content-type': 'text/csv' }, payload: csv })
  const responsesOf = (id: string) => db().selectFrom('responses').selectAll().where('survey_id', '=', id).orderBy('external_id').execute()
  const countOf = async (table: 'responses' | 'survey_offers', surveyId: string) =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('survey_id', '=', surveyId).executeTakeFirstOrThrow()).n)

  it('imports an OMB 17-column file: every row stored as source import on the chosen channel, with offers and an audit entry', async () => {
    const survey = await published()
    const csv = `\uFEFF${OMB_HEADER}\r\n`
      + `p-1,1,1,1,0,0,0,0,0,${NULLS},"Fast, friendly"\r\n`
      + `p-2,0,${NULLS},0,0,1,0,0,0,0,\r\n`
      + `p-3,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,\r\n`
    const response = await upload(survey.id, csv, 'format=omb17&channel=phone&offers=20&submittedOn=2025-02-10')
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(json<Report>(response), { ok: true, format: 'omb17', imported: 3, offers: 20, recoveryCases: 0, errors: [] })
    const rows = await responsesOf(survey.id)
    assert.deepEqual(rows.map((r) => [r.external_id, r.trust_value, r.branch, r.channel, r.source, r.fiscal_year, r.fiscal_quarter]), [
      ['p-1', 1, 'positive', 'phone', 'import', 2025, 2], ['p-2', 0, 'negative', 'phone', 'import', 2025, 2], ['p-3', 1, 'positive', 'phone', 'import', 2025, 2],
    ])
    const answers = await db().selectFrom('response_answers').select(['question_key', 'option_key', 'number_value', 'text_value']).where('response_id', '=', rows[0]?.id as string).orderBy('position').execute()
    assert.deepEqual(answers.map((a) => [a.question_key, a.option_key ?? a.number_value ?? a.text_value]), [['trust', 1], ['drivers_positive', 'effectiveness'], ['drivers_positive', 'ease'], ['open_text', 'Fast, friendly']])
    const offers = await db().selectFrom('survey_offers').selectAll().where('survey_id', '=', survey.id).execute()
    assert.deepEqual(offers.map((o) => [o.count, o.channel, o.source, o.fiscal_year, o.fiscal_quarter]), [[20, 'phone', 'import', 2025, 2]])
    const audit = await db().selectFrom('audit_log').select(['action', 'actor_user_id']).where('entity_id', '=', survey.id).where('action', '=', 'survey.import_responses').execute()
    assert.deepEqual(audit, [{ action: 'survey.import_responses', actor_user_id: w.world.people.managerA1.id }])

    const again = await upload(survey.id, csv, 'format=omb17')
    assert.equal(again.statusCode, 400, 'the same external ids cannot be imported twice')
    assert.deepEqual(json<Rejected>(again).rows.map((r) => [r.row, r.column]), [[2, 'external_id'], [3, 'external_id'], [4, 'external_id']])
  })

  it('stores nothing when one OMB row is bad and reports each problem by row and column', async () => {
    const survey = await published('a11_v2_likert')
    const csv = `${OMB_HEADER}\r\n`
      + `a,5,1,0,0,0,0,0,0,${NULLS},\r\n`
      + `b,2,1,0,0,0,0,0,0,${NULLS},\r\n` // 2 leads to the negative branch: a positive tick is wrong
      + `c,0,${NULLS},${NULLS},\r\n` // 0 is not on a Likert scale
      + `a,4,${NULLS},${NULLS},\r\n` // external id repeated
    const response = await upload(survey.id, csv, 'format=omb17&offers=50')
    assert.equal(response.statusCode, 400)
    const body = json<Rejected>(response)
    assert.equal(body.error, 'invalid')
    assert.deepEqual(body.rows.map((r) => [r.row, r.column]), [[3, 'positive_effectiveness'], [4, 'question_1'], [5, 'external_id']])
    assert.equal(await countOf('responses', survey.id), 0)
    assert.equal(await countOf('survey_offers', survey.id), 0, 'offers are not recorded either')
  })

  it('imports the survey\'s own columns with meta columns and "other" text; one bad row stores none', async () => {
    const survey = await published('a11_v2_thumbs', { askContact: true })
    const header = 'external_id,submitted_at,channel,language,touchpoint,trust,drivers_positive,drivers_positive.other,drivers_negative,open_text,contact_consent,contact_details'
    const good = [
      header,
      'paper-1,2024-11-15,paper,es,front desk,1,ease;other,"Quick, clear",,Gracias,,',
      'paper-2,2025-01-05T15:30:00Z,,,,down,,,efficiency|employee,,yes,caller@example.com',
      'paper-3,2025-01-06T09:00:00-05:00,,,,1,,,,,,',
    ].join('\n')
    const ok = await upload(survey.id, good, 'format=survey&channel=in_person')
    assert.equal(ok.statusCode, 200, ok.body)
    assert.equal(json<Report>(ok).imported, 3)
    assert.equal(json<Report>(ok).recoveryCases, 1, 'a negative answer asking to be contacted opens a recovery case')
    const rows = await responsesOf(survey.id)
    assert.deepEqual(rows.map((r) => [r.external_id, r.channel, r.language, r.touchpoint, r.fiscal_year, r.fiscal_quarter, r.branch]), [
      ['paper-1', 'paper', 'es', 'front desk', 2025, 1, 'positive'], ['paper-2', 'in_person', 'en', null, 2025, 2, 'negative'], ['paper-3', 'in_person', 'en', null, 2025, 2, 'positive'],
    ])
    assert.equal(rows[2]?.submitted_at, '2025-01-06T14:00:00.000Z')
    const other = await db().selectFrom('response_answers').select(['option_key', 'text_value']).where('response_id', '=', rows[0]?.id as string).where('question_key', '=', 'drivers_positive').orderBy('position').execute()
    assert.deepEqual(other, [{ option_key: 'ease', text_value: null }, { option_key: 'other', text_value: 'Quick, clear' }])

    const before = await countOf('responses', survey.id)
    const bad = [header, 'n-1,2025-01-07,,,,1,,,,,,', 'n-2,2025-01-07,,,,1,,,ease,,,', 'n-3,yesterday,fax2,english,,maybe,,,,,,'].join('\n')
    const rejected = await upload(survey.id, bad)
    assert.equal(rejected.statusCode, 400)
    assert.deepEqual(json<Rejected>(rejected).rows.map((r) => [r.row, r.column]), [[3, 'drivers_negative'], [4, 'submitted_at'], [4, 'channel'], [4, 'language'], [4, 'trust']])
    assert.match(json<Rejected>(rejected).rows[0]?.message ?? '', /not asked/)
    assert.equal(await countOf('responses', survey.id), before, 'nothing from the file was stored')

    const unknown = await upload(survey.id, 'trust,colour\n1,blue\n')
    assert.equal(unknown.statusCode, 400)
    assert.deepEqual(json<Rejected>(unknown).rows.map((r) => [r.row, r.column]), [[1, 'colour']])
  })

  it('answers 404 for another organization\'s survey, 403 to a reader who cannot manage it, 409 for a draft, 415 for a non-CSV body', async () => {
    const survey = await published()
    const csv = 'trust\n1\n'
    assert.equal((await upload(survey.id, csv, 'format=survey', w.world.people.leadB)).statusCode, 404)
    assert.equal((await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export`, headers: bearer(w.world.people.leadB) })).statusCode, 404)
    assert.equal((await upload(survey.id, csv, 'format=survey', w.world.people.analystA)).statusCode, 403)
    const draft = json<Survey>(await api().inject({ method: 'POST', url: '/api/v1/surveys', headers: bearer(w.world.people.managerA1), payload: { serviceId: w.world.services.serviceA1.id } }))
    assert.equal((await upload(draft.id, csv)).statusCode, 409)
    const wrongType = await api().inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/imports`, headers: { ...bearer(w.world.people.managerA1), 'content-type': 'application/octet-stream' }, payload: csv })
    assert.equal(wrongType.statusCode, 415)
    assert.equal((await upload(survey.id, csv, 'format=xml')).statusCode, 400)
    assert.equal(await countOf('responses', survey.id), 0)
  })

  it('exports CSV that parses back to the stored data, free text masked by default and revealed only with the permission (audited)', async () => {
    const survey = await published('a11_v2_likert')
    const submit = (answers: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      api().inject({ method: 'POST', url: `/api/v1/surveys/${survey.id}/responses`, payload: { answers, ...extra } })
    assert.equal((await submit({ trust: 5, drivers_positive: ['ease', 'other'], 'drivers_positive.other': 'Quick', open_text: 'Call me at 555-123-4567, thanks' }, { channel: 'email', touchpoint: 'renewal' })).statusCode, 201)
    assert.equal((await submit({ trust: 2, drivers_negative: ['efficiency'] }, { language: 'es' })).statusCode, 201)
    assert.equal((await submit({ trust: 4 })).statusCode, 201)
    const exported = await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export?format=csv`, headers: bearer(w.world.people.analystA) })
    assert.equal(exported.statusCode, 200, exported.body)
    assert.match(exported.headers['content-type'] as string, /^text\/csv/)
    assert.match(exported.headers['content-disposition'] as string, /^attachment; filename=".+-responses-\d{4}-\d{2}-\d{2}\.csv"$/)
    assert.ok(exported.body.startsWith('\uFEFF'), 'a BOM so spreadsheets read UTF-8')
    const records = parse(exported.body, { bom: true, columns: true }) as Record<string, string>[]
    const stored = await db().selectFrom('responses').selectAll().where('survey_id', '=', survey.id).orderBy('submitted_at').orderBy('id').execute()
    assert.equal(records.length, stored.length)
    const header = Object.keys(records[0] ?? {})
    assert.deepEqual(header.slice(0, 10), ['id', 'submitted_at', 'fiscal_year', 'fiscal_quarter', 'channel', 'source', 'language', 'version', 'status', 'tags'])
    assert.ok(header.includes('drivers_positive.effectiveness') && header.includes('drivers_negative.other') && header.includes('drivers_positive.other_text'))
    records.forEach((record, index) => {
      const row = stored[index]
      assert.ok(row)
      assert.deepEqual(
        [record.id, record.submitted_at, Number(record.fiscal_year), Number(record.fiscal_quarter), record.channel, record.source, record.language, record.status, Number(record.trust)],
        [row.id, row.submitted_at, row.fiscal_year, row.fiscal_quarter, row.channel, row.source, row.language, row.status, row.trust_value],
      )
    })
    const [first, second, third] = records as [Record<string, string>, Record<string, string>, Record<string, string>]
    assert.equal(first['drivers_positive.ease'], '1')
    assert.equal(first['drivers_positive.effectiveness'], '0')
    assert.equal(first['drivers_positive.other'], '1')
    assert.equal(first['drivers_positive.other_text'], 'Quick')
    assert.equal(first['drivers_negative.ease'], '', 'the branch not shown is empty')
    assert.equal(first.open_text, 'Call me at [phone], thanks', 'masked by default')
    assert.equal(first.touchpoint, 'renewal')
    assert.equal(second['drivers_negative.efficiency'], '1')
    assert.equal(second['drivers_positive.ease'], '')
    assert.equal(third['drivers_positive.ease'], '0', 'shown but not ticked is 0')

    assert.equal((await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export?reveal=true`, headers: bearer(w.world.people.analystA) })).statusCode, 403)
    const revealed = await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export?reveal=true`, headers: bearer(w.world.people.managerA1) })
    assert.equal(revealed.statusCode, 200)
    assert.match(revealed.body, /Call me at 555-123-4567, thanks/)
    const audit = await db().selectFrom('audit_log').select('action').where('entity_id', '=', survey.id).where('action', '=', 'survey.export_reveal').execute()
    assert.equal(audit.length, 1)
  })

  it('exports XLSX that exceljs reads back, numbers as numbers', async () => {
    const survey = await published()
    await upload(survey.id, `${OMB_HEADER}\r\nx-1,1,0,1,0,0,0,0,0,${NULLS},Nice\r\nx-2,0,${NULLS},1,0,0,0,0,0,0,\r\n`, 'format=omb17&submittedOn=2025-03-01')
    const exported = await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export?format=xlsx`, headers: bearer(w.world.people.managerA1) })
    assert.equal(exported.statusCode, 200)
    assert.match(exported.headers['content-disposition'] as string, /\.xlsx"$/)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(exported.rawPayload as unknown as ArrayBuffer)
    const sheet = workbook.getWorksheet('Responses')
    assert.ok(sheet)
    const header = (sheet.getRow(1).values as unknown[]).slice(1)
    const at = (name: string) => header.indexOf(name) + 1
    assert.equal(sheet.rowCount, 3)
    const rows = [sheet.getRow(2), sheet.getRow(3)].sort((a, b) => String(a.getCell(at('external_id')).value).localeCompare(String(b.getCell(at('external_id')).value)))
    const [up, down] = rows as [ExcelJS.Row, ExcelJS.Row]
    assert.equal(up.getCell(at('trust')).value, 1)
    assert.equal(typeof up.getCell(at('fiscal_year')).value, 'number')
    assert.equal(up.getCell(at('fiscal_year')).value, 2025)
    assert.equal(up.getCell(at('drivers_positive.ease')).value, 1)
    assert.equal(up.getCell(at('drivers_positive.effectiveness')).value, 0)
    assert.equal(up.getCell(at('drivers_negative.ease')).value, null)
    assert.equal(up.getCell(at('open_text')).value, 'Nice')
    assert.equal(down.getCell(at('trust')).value, 0)
    assert.equal(down.getCell(at('drivers_negative.effectiveness')).value, 1)
  })

  it('round-trips: an OMB CSV export imported into another survey reproduces the same scores', async () => {
    const source = await published()
    const lines = [
      `o-1,1,1,1,0,0,0,0,0,${NULLS},`, `o-2,1,0,0,0,0,1,1,0,${NULLS},"Kind, ""patient"" staff"`, `o-3,0,${NULLS},0,0,1,1,0,0,1,`,
      `o-4,0,${NULLS},1,0,0,0,0,0,0,Too slow`, `o-5,1,0,0,0,0,0,0,0,${NULLS},`,
    ]
    assert.equal((await upload(source.id, `${OMB_HEADER}\r\n${lines.join('\r\n')}\r\n`, 'format=omb17&submittedOn=2025-05-01')).statusCode, 200)
    const exported = await api().inject({ method: 'GET', url: `/api/v1/surveys/${source.id}/export?format=omb17`, headers: bearer(w.world.people.managerA1) })
    assert.equal(exported.statusCode, 200)
    assert.ok(exported.body.startsWith(`${OMB_HEADER}\r\n`), 'the OMB header, byte for byte, no BOM')
    assert.match(exported.body, /\r\no-3,0,null,null,null,null,null,null,null,0,0,1,1,0,0,1,\r\n/)
    assert.match(exported.body, /"Kind, ""patient"" staff"/)
    const target = await published()
    const imported = await upload(target.id, exported.body, 'format=omb17&submittedOn=2025-05-01')
    assert.equal(imported.statusCode, 200, imported.body)
    const scores = async (id: string) => json<{ overall: unknown }>(await api().inject({ method: 'GET', url: `/api/v1/surveys/${id}/scores`, headers: bearer(w.world.people.managerA1) })).overall
    assert.deepEqual(await scores(target.id), await scores(source.id))
    const overall = await scores(target.id) as { respondents: number; trust: { count: number } }
    assert.equal(overall.respondents, 5)
    assert.equal(overall.trust.count, 3)
  })

  it('streams an export of 3,000 responses completely, in keyset pages', async () => {
    const survey = await published()
    // Fixture rows written in bulk (the import path is covered above); every third response is a thumbs down.
    const { current_version_id: versionId } = await db().selectFrom('surveys').select('current_version_id').where('id', '=', survey.id).executeTakeFirstOrThrow()
    const ids = Array.from({ length: 3000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500)
      await db().insertInto('responses').values(chunk.map((id, k) => ({
        id, survey_id: survey.id, survey_version_id: versionId as string, service_id: w.world.services.serviceA1.id, channel: 'website', source: 'api', touchpoint: null,
        location_code: null, page_url: null, language: 'en', submitted_at: new Date(Date.UTC(2025, 3, 1) + ((start + k) % 97) * 1000).toISOString(), fiscal_year: 2025, fiscal_quarter: 3,
        idempotency_key: null, external_id: `bulk-${start + k}`, trust_value: (start + k) % 3 === 0 ? 0 : 1, branch: (start + k) % 3 === 0 ? 'negative' : 'positive',
        contact_requested: 0, contains_pii: 0, has_text: 0, status: 'inbox', flagged: 0, trashed_at: null,
      }))).execute()
      await db().insertInto('response_answers').values(chunk.map((id, k) => ({ response_id: id, position: 0, question_key: 'trust', role: 'trust', option_key: null, number_value: (start + k) % 3 === 0 ? 0 : 1, text_value: null }))).execute()
    }
    const csv = await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export?format=csv`, headers: bearer(w.world.people.managerA1) })
    assert.equal(csv.statusCode, 200)
    const records = parse(csv.body, { bom: true, columns: true }) as Record<string, string>[]
    assert.equal(records.length, 3000)
    assert.equal(new Set(records.map((r) => r.id)).size, 3000, 'no response repeated or skipped across pages (many share a submitted_at)')
    assert.equal(records.filter((r) => r.trust === '0').length, 1000)
    const sorted = records.map((r) => `${r.submitted_at}|${r.id}`)
    assert.deepEqual(sorted, [...sorted].sort(), 'in (submitted_at, id) order')
    const omb = await api().inject({ method: 'GET', url: `/api/v1/surveys/${survey.id}/export?format=omb17`, headers: bearer(w.world.people.managerA1) })
    assert.equal(omb.body.trimEnd().split('\r\n').length, 3001)
  })
})
