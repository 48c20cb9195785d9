/**
 * Files frozen at submission, on SQLite and PostgreSQL: a submitted collection's 17-column file is the one made (and
 * hashed) at submission, served as stored (gzip when the client accepts it) even after a response is trashed, in the
 * download, the XLSX workbook and `cx280 report quarterly`; an open collection (changes requested) reads the live
 * responses again, and resubmitting replaces the frozen file.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import ExcelJS from 'exceljs'
import { systemActor } from '../../src/auth/index.ts'
import { updateService } from '../../src/catalog/index.ts'
import { detailFileName, wholeRecords, writeQuarterlyReport } from '../../src/reporting/index.ts'
import { createSurvey, importResponsesCsv, transitionSurvey } from '../../src/surveys/index.ts'
import { bearer, describeWithWorld, json, type Person } from '../helpers/test-app.ts'

const system = systemActor('collection-files-test')
const NULL7 = 'null,null,null,null,null,null,null'
const HEADER = 'external_id,question_1,positive_effectiveness,positive_ease,positive_efficiency,positive_transparency,positive_humanity,positive_employee,positive_other,negative_effectiveness,negative_ease,negative_efficiency,negative_transparency,negative_humanity,negative_employee,negative_other,question_4'
const file = (...rows: string[]) => [HEADER, ...rows].map((line) => `${line}\r\n`).join('')
// f1 up (ease), f2 down (efficiency) with a quoted comma, f3 up (no driver), in FY2026 Q1.
const F1 = `f1,1,0,1,0,0,0,0,0,${NULL7},`
const F2 = `f2,0,${NULL7},0,0,1,0,0,0,0,"Slow, ""very"" slow"`
const F3 = `f3,1,0,0,0,0,0,0,0,${NULL7},`
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')

interface Detail { id: string; surveyId: string; surveyTitle: string; dataHash: string | null }
interface Collection { id: string; state: string; fiscalYear: number; quarter: 1 | 2 | 3 | 4; hispSlug: string; serviceSlug: string; details: Detail[] }

it('re-cuts chunks at CRLFs outside quotes (a CRLF split across chunks, a line break inside a quoted field)', async () => {
  async function* pieces() {
    yield 'a,b\r'
    yield '\nc,"x\r\ny'
    yield '",d\r\ne,f\r\n'
  }
  const chunks: string[] = []
  for await (const chunk of wholeRecords(pieces())) chunks.push(chunk)
  assert.deepEqual(chunks, ['a,b\r\n', 'c,"x\r\ny",d\r\ne,f\r\n'])
})

describeWithWorld('collection files frozen at submission', (w) => {
  const db = () => w.t.runtime.db
  const call = (person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    w.t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(person), ...headers }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
  const ok = async <T = Collection>(person: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<T> => {
    const response = await call(person, method, url, payload)
    assert.equal(response.statusCode, 200, response.body)
    return json<T>(response)
  }

  let fixtures: Promise<{ survey: string; collection: Collection; detail: Detail }> | null = null
  const setUp = () => (fixtures ??= (async () => {
    const service = w.world.services.serviceA1.id
    await updateService(db(), system, service, { designatedForImprovement: true, yearDesignated: 2024 })
    const survey = (await transitionSurvey(db(), system, (await createSurvey(db(), system, { serviceId: service, template: 'a11_v2_thumbs', name: 'Frozen thumbs' })).id, 'publish')).id
    const report = await importResponsesCsv(db(), system, survey, [
      'external_id,submitted_at,trust,drivers_positive,drivers_negative,open_text',
      'f1,2025-10-15,1,ease,,', 'f2,2025-11-01,0,,efficiency,"Slow, ""very"" slow"', 'f3,2025-12-01,1,,,',
    ].join('\n'), { format: 'survey', channel: 'website', offers: 10 })
    assert.ok(report.ok, JSON.stringify(report.errors))
    await ok(w.world.people.reviewer, 'POST', '/collections', { fiscalYear: 2026, quarter: 1 })
    const list = await ok<{ items: Collection[] }>(w.world.people.reviewer, 'GET', '/collections?fiscalYear=2026&quarter=1')
    const collection = await ok(w.world.people.reviewer, 'GET', `/collections/${list.items[0]?.id}`)
    const detail = collection.details[0] as Detail
    await ok(w.world.people.leadA, 'PATCH', `/collections/${collection.id}`, { details: [{ id: detail.id, volumeOfCustomers: 40 }] })
    return { survey, collection, detail }
  })())
  const download = async (collection: Collection, detail: Detail, headers: Record<string, string> = {}) => {
    const response = await call(w.world.people.analystA, 'GET', `/collections/${collection.id}/details/${detail.id}/responses.csv`, undefined, headers)
    assert.equal(response.statusCode, 200, response.body)
    return response
  }
  const responseSheetRows = async (collection: Collection): Promise<string[]> => {
    const xlsx = await call(w.world.people.analystA, 'GET', `/collections/${collection.id}/export?format=xlsx`)
    assert.equal(xlsx.statusCode, 200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[2] as ExcelJS.Worksheet
    const ids: string[] = []
    sheet.eachRow((row) => ids.push(String(row.getCell(1).value)))
    return ids
  }

  it('serves the file made at submission, byte for byte, with its stored hash; gzip as stored when accepted', async () => {
    const { collection, detail } = await setUp()
    const live = await download(collection, detail)
    assert.equal(live.body, file(F1, F2, F3))
    assert.equal(live.headers['content-encoding'], undefined, 'a draft streams live, uncompressed')
    const submitted = await ok(w.world.people.leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    const hash = submitted.details[0]?.dataHash
    const stored = await db().selectFrom('collection_files').selectAll().where('collection_id', '=', collection.id).execute()
    assert.equal(stored.length, 1)
    assert.deepEqual([stored[0]?.detail_id, stored[0]?.format, Number(stored[0]?.bytes), stored[0]?.sha256], [detail.id, 'omb_responses_csv', Buffer.byteLength(file(F1, F2, F3)), hash])
    assert.equal(gunzipSync(stored[0]?.content as Buffer).toString('utf8'), file(F1, F2, F3))

    const plain = await download(collection, detail)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(plain.rawPayload.toString('hex'), Buffer.from(file(F1, F2, F3)).toString('hex'))
    assert.equal(sha256(plain.rawPayload), hash, 'the download hashes to the detail\'s stored hash')
    const gzipped = await download(collection, detail, { 'accept-encoding': 'gzip, deflate, br' })
    assert.deepEqual([gzipped.headers['content-encoding'], gzipped.headers.vary, gzipped.headers['content-type']], ['gzip', 'accept-encoding', 'text/csv; charset=utf-8'])
    assert.equal(gunzipSync(gzipped.rawPayload).toString('utf8'), file(F1, F2, F3))
    assert.ok(gzipped.rawPayload.equals(stored[0]?.content as Buffer), 'the stored gzip bytes, sent as they are')
    const identity = await download(collection, detail, { 'accept-encoding': 'identity' })
    assert.equal(identity.body, file(F1, F2, F3))
  })

  it('keeps the submitted file when a response is trashed afterwards (download, XLSX, quarterly report) while integrity shows the mismatch', async () => {
    const { survey, collection, detail } = await setUp()
    await db().updateTable('responses').set({ status: 'trash' }).where('survey_id', '=', survey).where('external_id', '=', 'f2').execute()
    const integrity = await ok<{ matches: boolean; details: { stored: string; current: string; rows: number }[] }>(w.world.people.reviewer, 'GET', `/collections/${collection.id}/integrity`)
    assert.equal(integrity.matches, false)
    // The live file now holds f1 and f3 only: its hash is that of those bytes, 2 rows.
    assert.deepEqual([integrity.details[0]?.current, integrity.details[0]?.rows], [sha256(file(F1, F3)), 2])
    assert.equal(integrity.details[0]?.stored, sha256(file(F1, F2, F3)))
    assert.equal((await download(collection, detail)).body, file(F1, F2, F3), 'OMB downloads what was submitted')
    assert.deepEqual(await responseSheetRows(collection), ['external_id', 'f1', 'f2', 'f3'], 'the workbook\'s response sheet is the frozen file')
    const out = await mkdtemp(join(tmpdir(), 'cx280-frozen-'))
    try {
      const report = await writeQuarterlyReport(db(), system, { fiscalYear: 2026, quarter: 1 }, out, { publicUrl: 'http://127.0.0.1', deadlineDays: 30 })
      const name = detailFileName(collection, detail)
      assert.ok(report.files.includes(name))
      assert.equal(await readFile(join(report.directory, name), 'utf8'), file(F1, F2, F3))
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('reads live data again once changes are requested, and a resubmission replaces the frozen file', async () => {
    const { collection, detail } = await setUp()
    await ok(w.world.people.reviewer, 'POST', `/collections/${collection.id}/transitions`, { transition: 'request_changes', note: 'f2 was a test entry.' })
    const open = await download(collection, detail, { 'accept-encoding': 'gzip' })
    assert.deepEqual([open.headers['content-encoding'], open.body], [undefined, file(F1, F3)], 'an open collection streams the live responses')
    assert.deepEqual(await responseSheetRows(collection), ['external_id', 'f1', 'f3'])
    const resubmitted = await ok(w.world.people.leadA, 'POST', `/collections/${collection.id}/transitions`, { transition: 'submit' })
    assert.equal(resubmitted.details[0]?.dataHash, sha256(file(F1, F3)))
    const stored = await db().selectFrom('collection_files').select(['detail_id', 'sha256', 'bytes']).where('collection_id', '=', collection.id).execute()
    assert.deepEqual(stored.map((s) => [s.detail_id, s.sha256, Number(s.bytes)]), [[detail.id, sha256(file(F1, F3)), Buffer.byteLength(file(F1, F3))]])
    const integrity = await ok<{ matches: boolean }>(w.world.people.reviewer, 'GET', `/collections/${collection.id}/integrity`)
    assert.equal(integrity.matches, true)
    // Restoring f2 changes the live data, not the resubmitted file.
    await db().updateTable('responses').set({ status: 'inbox' }).where('external_id', '=', 'f2').execute()
    assert.equal((await download(collection, detail)).body, file(F1, F3))
  })
})
