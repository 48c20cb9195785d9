/**
 * The demo's quarterly reporting (src/demo/demo-collections.ts), on SQLite and PostgreSQL: loaded at a fixed moment
 * (2026-11-26, so FY2027 Q1 is running and FY2026 Q1–Q4 are the four complete quarters), the reviewer board has every
 * designated service in every quarter, the three oldest quarters published green with intact integrity, the newest
 * one in each open state; the files for OMB come out whole; loading again changes nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { OMB_CSV_COLUMNS, parseCsv } from '../../src/a11/omb-csv.ts'
import { loadUserActor, type Actor } from '../../src/auth/index.ts'
import { demoReportingQuarters } from '../../src/demo/demo-collections.ts'
import { loadDemoData } from '../../src/demo/demo-data.ts'
import {
  collectionBoard, collectionIntegrity, collectionsOfQuarter, collectionWorkbook, metadataCsv, METADATA_COLUMNS, ombResponseCsv, type CollectionView,
} from '../../src/reporting/index.ts'
import { ENGINES } from '../helpers/engines.ts'
import { createTestApp, type TestApp } from '../helpers/test-app.ts'

const NOW = new Date('2026-11-26T12:00:00Z')
const DESIGNATED = ['Apply for disability compensation', 'Apply for GI Bill education benefits', 'Enroll in VA health care', 'Schedule a health care appointment']

for (const engine of ENGINES) {
  describe(`demo collections (${engine})`, () => {
    let t: TestApp
    let reviewer: Actor
    const db = () => t.runtime.db
    const quarterViews = (quarter: number): Promise<CollectionView[]> => collectionsOfQuarter(db(), reviewer, { fiscalYear: 2026, quarter: quarter as 1 | 2 | 3 | 4 })
    before(async () => {
      t = await createTestApp(engine)
      const summary = await loadDemoData(db(), null, NOW)
      assert.equal(summary.loaded, true)
      const user = await db().selectFrom('users').select('id').where('email', '=', 'reviewer@demo.cx280.gov').executeTakeFirstOrThrow()
      reviewer = (await loadUserActor(db(), user.id)) as Actor
    })
    after(() => t.close())

    it('reports the four complete fiscal quarters before the moment it is loaded', () => {
      // 2026-11-26 is in FY2027 Q1 (Oct–Dec 2026), so the four before it are FY2026 Q1–Q4.
      assert.deepEqual(demoReportingQuarters(NOW), [1, 2, 3, 4].map((quarter) => ({ fiscalYear: 2026, quarter })))
      // 2026-10-01 00:30 Eastern (04:30 UTC) is already FY2027 Q1; 2026-10-01 03:30 UTC is still Sep 30 Eastern (FY2026 Q4).
      assert.deepEqual(demoReportingQuarters(new Date('2026-10-01T04:30:00Z'))[3], { fiscalYear: 2026, quarter: 4 })
      assert.deepEqual(demoReportingQuarters(new Date('2026-10-01T03:30:00Z'))[3], { fiscalYear: 2026, quarter: 3 })
    })

    it('fills the reviewer board: every designated service in every quarter, in every state', async () => {
      const board = await collectionBoard(db(), reviewer, 2026)
      assert.deepEqual(board.map((row) => row.serviceName), DESIGNATED)
      const cell = (service: string, quarter: number) => board.find((row) => row.serviceName === service)?.quarters[quarter - 1]
      for (const service of DESIGNATED) {
        for (const quarter of [1, 2, 3]) {
          assert.deepEqual([cell(service, quarter)?.state, cell(service, quarter)?.rating], ['published', 'green'], `${service} Q${quarter}`)
        }
        for (const quarter of [1, 2, 3, 4]) assert.ok((cell(service, quarter)?.respondents ?? 0) >= 60, `${service} Q${quarter} has respondents`)
      }
      assert.deepEqual(DESIGNATED.map((service) => [cell(service, 4)?.state, cell(service, 4)?.rating]), [
        ['submitted', 'yellow'], ['change_requested', null], ['submitted', null], ['draft', null],
      ])
      const [changes] = (await quarterViews(4)).filter((c) => c.state === 'change_requested')
      assert.match(changes?.reviewNote ?? '', /resubmit/)
    })

    it('moved the collections through the domain, audited by the demo lead (HISP) and reviewer (OMB)', async () => {
      const audit = await db().selectFrom('audit_log as a').innerJoin('users as u', 'u.id', 'a.actor_user_id')
        .select(['a.action', 'u.email']).select((eb) => eb.fn.countAll<number>().as('n'))
        .where('a.entity_type', '=', 'collection').groupBy(['a.action', 'u.email']).orderBy('a.action').execute()
      // 16 collections made and given volumes; 15 submitted (all but the draft); 12 + 1 rated (green, yellow);
      // 12 published; 1 change request.
      assert.deepEqual(audit.map((row) => [row.action, row.email, Number(row.n)]), [
        ['collection.create', 'lead@demo.cx280.gov', 16],
        ['collection.publish', 'reviewer@demo.cx280.gov', 12],
        ['collection.rate', 'reviewer@demo.cx280.gov', 13],
        ['collection.request_changes', 'reviewer@demo.cx280.gov', 1],
        ['collection.submit', 'lead@demo.cx280.gov', 15],
        ['collection.update', 'lead@demo.cx280.gov', 16],
      ])
    })

    it('publishes green collections whose responses still match what was submitted', async () => {
      for (const quarter of [1, 2, 3]) {
        for (const collection of await quarterViews(quarter)) {
          assert.equal(collection.rating, 'green')
          const integrity = await collectionIntegrity(db(), reviewer, collection.id)
          assert.equal(integrity.matches, true, `${collection.label} ${collection.serviceName}`)
          assert.equal(integrity.details.reduce((sum, d) => sum + d.rows, 0), collection.respondents)
        }
      }
    })

    it('varies channels, trust and drivers the way a real service does', async () => {
      const all = (await Promise.all([1, 2, 3, 4].map(quarterViews))).flat()
      const channels = new Set(all.flatMap((c) => c.details.map((d) => d.channel)))
      assert.deepEqual([...channels].sort(), ['email', 'in_person', 'mobile_app', 'phone', 'website'])
      const shares = all.map((c) => c.figures.trust.share as number)
      assert.ok(shares.every((share) => share > 0.4 && share < 0.95), shares.join(', '))
      assert.ok(new Set(shares.map((s) => s.toFixed(3))).size >= 12, 'shares differ by service and quarter')
      for (const c of all) {
        assert.ok(c.figures.drivers.positive.n > 0 && c.figures.drivers.negative.n > 0, `${c.label} ${c.serviceName}: ticks in both branches`)
        for (const d of c.details) {
          assert.equal(d.figures.likertMean.mean !== null, d.surveyType === 'likert_scale', `${d.surveyTitle}: a Likert mean exactly where the survey is Likert`)
          assert.ok(d.offered !== null && d.offered >= d.respondents && (d.volumeOfCustomers ?? 0) >= d.offered, `${d.surveyTitle}: respondents ≤ offered ≤ customers`)
        }
      }
      const offers = await db().selectFrom('survey_offers').select(['fiscal_year', 'fiscal_quarter']).select((eb) => eb.fn.sum<number>('count').as('n'))
        .where('fiscal_year', '=', 2026).groupBy(['fiscal_year', 'fiscal_quarter']).orderBy('fiscal_quarter').execute()
      assert.deepEqual(offers.map((o) => o.fiscal_quarter), [1, 2, 3, 4])
    })

    it('exports each detail as a whole 17-column file, the metadata and the workbook', async () => {
      const collections = await quarterViews(1)
      const metadata = parseCsv(metadataCsv(collections)).records
      assert.equal(metadata[0]?.value.length, METADATA_COLUMNS.length)
      assert.equal(metadata.length, 1 + collections.reduce((sum, c) => sum + c.details.length, 0))
      for (const collection of collections) {
        for (const detail of collection.details) {
          const records = parseCsv(await ombResponseCsv(db(), detail.surveyId, collection)).records
          assert.deepEqual(records[0]?.value, [...OMB_CSV_COLUMNS])
          assert.equal(records.length - 1, detail.respondents)
          assert.ok(records.every((r) => r.value.length === 17))
        }
      }
      const first = collections[0] as CollectionView
      let bytes = 0
      for await (const chunk of collectionWorkbook(db(), first)) bytes += (chunk as Buffer).length
      assert.ok(bytes > 10_000, `${bytes} bytes of XLSX`)
    })

    it('loads only once', async () => {
      const count = async () => Promise.all((['responses', 'response_answers', 'survey_offers', 'collections', 'collection_details', 'audit_log'] as const)
        .map(async (table) => Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)))
      const before = await count()
      assert.deepEqual(await loadDemoData(db(), null, NOW), { loaded: false, users: [] })
      assert.deepEqual(await count(), before)
    })
  })
}
