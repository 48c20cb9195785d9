/**
 * `cx280 report quarterly --fy --quarter --out` on the demo data, on SQLite and PostgreSQL: it makes the quarter's
 * collections, writes every file of every collection (metadata CSV and JSON, XLSX, one 17-column file per detail),
 * each response file holds exactly the detail's respondents under OMB's header, and a second run makes nothing new.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fiscalQuarterOf } from '../../src/a11/fiscal-year.ts'
import { formatOmbHeader } from '../../src/a11/omb-csv.ts'
import { detailFileName, previousQuarter } from '../../src/reporting/index.ts'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.ts'

interface Written { id: string; serviceName: string; fiscalYear: number; quarter: 1 | 2 | 3 | 4; hispSlug: string; serviceSlug: string; details: { id: string; surveyTitle: string; respondents: number }[] }

for (const engine of ENGINES) describe(`cx280 report quarterly (${engine})`, () => {
  let database: TestDatabase
  let dataDir: string
  before(async () => {
    database = await createTestDatabase(engine)
    dataDir = mkdtempSync(join(tmpdir(), 'cx280-report-'))
  })
  after(async () => {
    await database.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const cx280 = (...args: string[]) => {
    const env = { ...process.env, CX280_DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'silent' }
    const result = spawnSync(process.execPath, ['bin/cx280.js', ...args], { env, encoding: 'utf8', timeout: 120_000 })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }

  it('writes every file of every collection of the last quarter (the demo has responses in it)', () => {
    assert.equal(cx280('demo').code, 0)
    // The demo's responses span the last 180 days, so the previous quarter always has some.
    const quarter = previousQuarter(fiscalQuarterOf(new Date()))
    const out = join(dataDir, 'report')
    const run = cx280('report', 'quarterly', '--fy', String(quarter.fiscalYear), '--quarter', String(quarter.quarter), '--out', out)
    assert.equal(run.code, 0, run.err)
    // The demo already made the last four complete quarters' collections (src/demo/demo-collections.ts).
    assert.match(run.out, new RegExp(`^FY${quarter.fiscalYear} Q${quarter.quarter}: (\\d+) collections \\(0 made now\\)`))
    const folder = join(out, `fy${quarter.fiscalYear}-q${quarter.quarter}`)
    const collections = JSON.parse(readFileSync(join(folder, 'collections.json'), 'utf8')) as Written[]
    assert.ok(collections.length >= 4, 'one per designated demo service')
    const withData = collections.filter((c) => c.details.length > 0)
    assert.ok(withData.length >= 1, 'at least one collection has responses')
    for (const c of collections) {
      for (const extension of ['csv', 'json', 'xlsx']) assert.ok(existsSync(join(folder, `fy${c.fiscalYear}-q${c.quarter}-${c.hispSlug}-${c.serviceSlug}.${extension}`)), `${c.serviceName} .${extension}`)
      for (const d of c.details) {
        const file = readFileSync(join(folder, detailFileName(c, d)), 'utf8')
        assert.ok(file.startsWith(formatOmbHeader()), 'OMB header, CRLF')
        assert.equal(file.split('\r\n').length - 2, d.respondents, `${d.surveyTitle}: one row per respondent`)
      }
    }
    const metadata = readFileSync(join(folder, 'collections.csv'), 'utf8').split('\r\n').filter(Boolean)
    assert.equal(metadata.length - 1, collections.reduce((n, c) => n + Math.max(1, c.details.length), 0))
    assert.ok(run.out.includes('collections.csv'))
  })

  it('makes the current quarter\'s collections once, and refuses a quarter that is not one', () => {
    const quarter = fiscalQuarterOf(new Date())
    const first = cx280('report', 'quarterly', '--fy', String(quarter.fiscalYear), '--quarter', String(quarter.quarter), '--out', join(dataDir, 'current'))
    assert.equal(first.code, 0, first.err)
    assert.match(first.out, /: (\d+) collections \(\1 made now\)/)
    const again = cx280('report', 'quarterly', '--fy', String(quarter.fiscalYear), '--quarter', String(quarter.quarter), '--out', join(dataDir, 'again'))
    assert.equal(again.code, 0, again.err)
    assert.match(again.out, /\(0 made now\)/)
    const bad = cx280('report', 'quarterly', '--fy', '2026', '--quarter', '5', '--out', join(dataDir, 'bad'))
    assert.notEqual(bad.code, 0)
    assert.match(bad.err, /must be a whole number from 1 to 4/)
  })
})
