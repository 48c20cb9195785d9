/**
 * Quarterly reporting benchmark (`npm run bench -- --only reporting`): every OMB file of a fiscal quarter over
 * 1,000,000 stored responses (`--reporting-responses N`), and the public pages that read the published collections.
 *
 * 1. In-process, on a fresh data directory (SQLite by default; `--reporting-postgres` on the local PostgreSQL), it makes
 *    10 HISPs with 5 designated services each (`--reporting-collections` changes the 50), two A-11 surveys per service
 *    (thumbs on the web, Likert by phone) and on every tenth service a third on the legacy 7-question set, then writes N
 *    responses of the last complete fiscal quarter with their answer rows (trust, driver ticks of the branch shown, now
 *    and then open text), spread evenly over the collections.
 *    The intake path is bypassed on purpose: at ~1,600 submissions/s over HTTP it would take ten minutes to store a
 *    million responses, and intake is measured by its own benchmark. Each survey's answers are drawn from a pool of
 *    answer sets checked by intake's `checkSubmission` and turned into rows by intake's `responseRecord` and
 *    `answerRecords`, so the rows are what intake stores; they are written with one prepared statement per table in
 *    large transactions (SQLite) or multi-row inserts followed by ANALYZE (PostgreSQL).
 * 2. It makes the quarter's collections (`ensureCollections`) and enters volumes (`updateCollection`), times every export
 *    of the first 10 while still drafts (files read live from the responses), and submits each (`transitionCollection`;
 *    submitting makes, hashes and stores every detail's 17-column file, gzip). Then, per submitted collection, it times every
 *    export: the collection view (`getCollection`, what the collection page shows), the metadata CSV, the JSON, each
 *    detail's 17-column CSV (stream consumed to the end), the legacy Likert-count CSV where a survey uses the legacy
 *    set, and the XLSX workbook (stream consumed to the end); and the whole quarter through `writeQuarterlyReport`
 *    (what `cx280 report quarterly` runs), onto disk.
 * 3. It rates every collection green and publishes it, closes the database, starts `cx280 serve` on the directory and
 *    times the public pages and open-data API over HTTP (sequential requests, wall time on loopback). A URL that does
 *    not answer 200 is reported and skipped.
 */
import { randomUUID } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import SqliteDatabase from 'better-sqlite3'
import { sql, type Insertable, type Kysely } from 'kysely'
import pg from 'pg'
import { fiscalQuarterOf, formatFiscalQuarter, type FiscalQuarter } from '../src/a11/fiscal-year.ts'
import type { TemplateKey } from '../src/a11/survey-templates.ts'
import { systemActor } from '../src/auth/index.ts'
import { createHisp, createOrganization, createService } from '../src/catalog/index.ts'
import { loadConfig } from '../src/config.ts'
import type { Database, ResponseAnswerTable, ResponseTable } from '../src/db/schema.ts'
import {
  collectionsOfQuarter, collectionWorkbook, detailResponseFile, ensureCollections, getCollection, legacyCsv, metadataCsv, previousQuarter, quarterDates,
  rateCollection, transitionCollection, updateCollection, writeQuarterlyReport, type CollectionView, type ReportingContext,
} from '../src/reporting/index.ts'
import { openRuntime, type Runtime } from '../src/runtime.ts'
import { seededRandom } from '../src/seeded-random.ts'
import { answerRecords, checkSubmission, loadPublicSurvey, recordOffer, responseRecord, type PublicSurvey } from '../src/surveys/intake.ts'
import { createSurvey, transitionSurvey } from '../src/surveys/index.ts'
import { median, num, type Section } from './report.ts'
import { makeDataDir, removeDataDir, startServer, stopServer } from './server.ts'

export interface ReportingOptions {
  /** Responses stored in the quarter, spread over the collections. */
  readonly responses: number
  /** Collections (designated services) in the quarter; 5 per HISP. */
  readonly collections: number
  /** Also run on the local PostgreSQL (127.0.0.1:5432, user postgres, trust auth; CX280_BENCH_POSTGRES_URL overrides). */
  readonly postgres: boolean
}

export const REPORTING_TARGETS = { perCollectionFromRollupsMs: 200, publicPageMs: 100 } as const
const SERVICES_PER_HISP = 5
/** Draft collections whose live exports are timed before submission (each re-reads its raw responses: seconds apiece at 1 M). */
const LIVE_SAMPLE = 10
const POOL = 1000
const WRITE_CHUNK = 50_000
const PG_ROWS_PER_INSERT = 1000
const DAY_MS = 86_400_000
const POSTGRES_ADMIN_URL = process.env.CX280_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DRIVERS = ['effectiveness', 'ease', 'efficiency', 'transparency', 'humanity', 'employee'] as const
const TEXTS = ['Clear and quick.', 'I waited too long for an answer.', 'Staff were helpful; the website was not.', 'Please call me back at 555-201-4477 about my case.']

const p95 = (samples: readonly number[]) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.max(0, Math.ceil(samples.length * 0.95) - 1))] as number
const max = (samples: readonly number[]) => (samples.length === 0 ? Number.NaN : Math.max(...samples))
const sum = (samples: readonly number[]) => samples.reduce((a, b) => a + b, 0)

async function timed<T>(call: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now()
  const value = await call()
  return { ms: performance.now() - started, value }
}

/** Consumes a stream or async iterable to the end, counting bytes (what a download or file write would do). */
async function drain(source: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0
  await pipeline(source, new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
      done()
    },
  }))
  return bytes
}

interface BenchSurvey {
  readonly survey: PublicSurvey
  readonly template: TemplateKey
  readonly trustShare: number
}

interface Catalog {
  readonly surveysByService: ReadonlyMap<string, readonly BenchSurvey[]>
  readonly hispSlugs: readonly string[]
  readonly serviceIds: readonly string[]
}

/** HISPs, designated services and published surveys (through the domain functions: a few hundred writes). */
async function seedCatalog(runtime: Runtime, collections: number, now: Date): Promise<Catalog> {
  const { db } = runtime
  const system = systemActor('bench')
  const rand = seededRandom(2_800)
  const department = await createOrganization(db, system, { kind: 'department', name: 'Department of Benchmarks', abbreviation: 'DOB', parentId: null })
  const surveysByService = new Map<string, BenchSurvey[]>()
  const hispSlugs: string[] = []
  const serviceIds: string[] = []
  const hisps = Math.ceil(collections / SERVICES_PER_HISP)
  for (let h = 0; h < hisps; h++) {
    const bureau = await createOrganization(db, system, { kind: 'bureau', name: `Bureau ${h + 1}`, abbreviation: `B${h + 1}`, parentId: department.id })
    const slug = `bench-hisp-${h + 1}`
    const hisp = await createHisp(db, system, { name: `Bench HISP ${h + 1}`, slug, yearDesignated: 2018, active: true, organizationId: bureau.id })
    hispSlugs.push(slug)
    for (let s = 0; s < SERVICES_PER_HISP && serviceIds.length < collections; s++) {
      const index = serviceIds.length
      const service = await createService(db, system, {
        name: `Service ${index + 1} of HISP ${h + 1}`, organizationId: bureau.id, hispId: hisp.id, ownerUserId: null, kind: 'benefits', channels: ['website', 'phone'],
        designatedForImprovement: true, yearDesignated: 2024, hispService: true,
      })
      serviceIds.push(service.id)
      const templates: [TemplateKey, 'website' | 'phone'][] = [['a11_v2_thumbs', 'website'], ['a11_v2_likert', 'phone']]
      if (index % 10 === 0) templates.push(['legacy_likert_7', 'website'])
      const surveys: BenchSurvey[] = []
      for (const [template, channel] of templates) {
        const created = await createSurvey(db, system, { serviceId: service.id, template, channel, name: `${template} ${channel} ${index + 1}`, ombControlNumber: '1090-0011', praExpiresOn: `${now.getUTCFullYear() + 2}-06-30`, federalRegisterUrl: 'https://www.federalregister.gov/d/2023-00001' })
        await transitionSurvey(db, system, created.id, 'publish')
        surveys.push({ survey: await loadPublicSurvey(db, created.id), template, trustShare: 0.55 + rand() * 0.35 })
      }
      surveysByService.set(service.id, surveys)
    }
  }
  return { surveysByService, hispSlugs, serviceIds }
}

/** Raw answers of one respondent for a template. */
function rawAnswers(template: TemplateKey, trustShare: number, rand: () => number): Record<string, unknown> {
  const positive = rand() < trustShare
  if (template === 'legacy_likert_7') {
    return Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`q${i + 1}`, positive ? 4 + Math.round(rand()) : 1 + Math.floor(rand() * 3)]))
  }
  const answers: Record<string, unknown> = { trust: template === 'a11_v2_likert' ? (positive ? 4 + Math.round(rand()) : 1 + Math.floor(rand() * 3)) : positive ? 1 : 0 }
  const drivers = DRIVERS.filter(() => rand() < 0.3)
  if (drivers.length > 0) answers[positive ? 'drivers_positive' : 'drivers_negative'] = drivers
  if (rand() < 0.15) answers.open_text = TEXTS[Math.floor(rand() * TEXTS.length)]
  return answers
}

/** Where generated rows go: one prepared statement per table on SQLite, multi-row inserts on PostgreSQL. */
interface RowSink {
  write(responses: readonly Insertable<ResponseTable>[], answers: readonly Insertable<ResponseAnswerTable>[]): Promise<void>
  close(): Promise<void>
}

function sqliteSink(file: string): RowSink {
  const database = new SqliteDatabase(file)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  const statements = new Map<string, SqliteDatabase.Statement>()
  // Positional parameters in the row's own key order (every row of a table is built alike): cheaper than named ones.
  const insert = (table: string, row: object) => {
    let statement = statements.get(table)
    if (!statement) {
      const columns = Object.keys(row)
      statement = database.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`)
      statements.set(table, statement)
    }
    statement.run(Object.values(row))
  }
  const writeAll = database.transaction((responses: readonly object[], answers: readonly object[]) => {
    for (const row of responses) insert('responses', row)
    for (const row of answers) insert('response_answers', row)
  })
  return {
    write: async (responses, answers) => writeAll(responses, answers),
    close: async () => {
      database.close()
    },
  }
}

function postgresSink(db: Kysely<Database>): RowSink {
  return {
    async write(responses, answers) {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < responses.length; i += PG_ROWS_PER_INSERT) await trx.insertInto('responses').values(responses.slice(i, i + PG_ROWS_PER_INSERT)).execute()
        for (let i = 0; i < answers.length; i += PG_ROWS_PER_INSERT * 4) await trx.insertInto('response_answers').values(answers.slice(i, i + PG_ROWS_PER_INSERT * 4)).execute()
      })
    },
    // A live database's statistics follow its data; after a bulk load they describe empty tables until autovacuum
    // catches up, and the planner picks plans no real deployment would (submits took seconds in a trial run).
    close: async () => {
      await sql`analyze`.execute(db)
    },
  }
}

interface Generated {
  readonly responses: number
  readonly answers: number
  readonly seconds: number
}

/**
 * N responses of the quarter, evenly over the services and their surveys, each an answer set from its survey's pool
 * of checked answers with a fresh id and time.
 */
async function generateResponses(catalog: Catalog, quarter: FiscalQuarter, total: number, sink: RowSink, log: (line: string) => void): Promise<Generated> {
  const rand = seededRandom(2_801)
  const { first, last } = quarterDates(quarter)
  const start = Date.parse(`${first}T13:00:00Z`)
  const days = Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / DAY_MS) + 1
  const middle = new Date(start + Math.floor(days / 2) * DAY_MS)
  const surveys = catalog.serviceIds.flatMap((id) => catalog.surveysByService.get(id) ?? [])
  const perService = catalog.serviceIds.map((_, i) => Math.floor(total / catalog.serviceIds.length) + (i < total % catalog.serviceIds.length ? 1 : 0))
  const counts = new Map<BenchSurvey, number>()
  catalog.serviceIds.forEach((id, i) => {
    const own = catalog.surveysByService.get(id) ?? []
    own.forEach((s, j) => counts.set(s, Math.floor((perService[i] as number) / own.length) + (j < (perService[i] as number) % own.length ? 1 : 0)))
  })
  const started = performance.now()
  let responses: Insertable<ResponseTable>[] = []
  let answers: Insertable<ResponseAnswerTable>[] = []
  let written = 0
  let answerRows = 0
  const flush = async () => {
    await sink.write(responses, answers)
    written += responses.length
    answerRows += answers.length
    responses = []
    answers = []
    if (written % 200_000 < WRITE_CHUNK) log(`    ${num(written)} responses, ${num(written / ((performance.now() - started) / 1000))}/s`)
  }
  for (const bench of surveys) {
    // Every pooled row carries the quarter's fiscal fields; only the id and the time change per response.
    const pool = Array.from({ length: POOL }, () => {
      const checked = checkSubmission(bench.survey, rawAnswers(bench.template, bench.trustShare, rand))
      return { checked, row: responseRecord('', bench.survey, checked, { source: 'widget', language: rand() < 0.1 ? 'es' : 'en', submittedAt: middle }) }
    })
    for (let i = 0; i < (counts.get(bench) ?? 0); i++) {
      const picked = pool[Math.floor(rand() * POOL)] as (typeof pool)[number]
      const id = randomUUID()
      const at = new Date(start + Math.floor(rand() * days) * DAY_MS + Math.floor(rand() * 36_000_000))
      responses.push({ ...picked.row, id, submitted_at: at.toISOString() })
      for (const answer of answerRecords(id, picked.checked)) answers.push(answer)
      if (responses.length >= WRITE_CHUNK) await flush()
    }
  }
  if (responses.length > 0) await flush()
  return { responses: written, answers: answerRows, seconds: (performance.now() - started) / 1000 }
}

/** Offers recorded for each survey: about five times its respondents, in three monthly rows. */
async function recordOffers(runtime: Runtime, catalog: Catalog, quarter: FiscalQuarter, total: number): Promise<void> {
  const { first } = quarterDates(quarter)
  const surveys = catalog.serviceIds.flatMap((id) => catalog.surveysByService.get(id) ?? [])
  const each = Math.ceil((total * 5) / surveys.length / 3)
  await runtime.db.transaction().execute(async (trx) => {
    for (const bench of surveys) {
      for (let month = 0; month < 3; month++) {
        await recordOffer(trx, bench.survey, { source: 'widget', count: each, offeredAt: new Date(Date.parse(`${first}T15:00:00Z`) + (month * 30 + 10) * DAY_MS) })
      }
    }
  })
}

interface ExportTimings {
  readonly view: number[]
  readonly metadata: number[]
  readonly json: number[]
  readonly responseFiles: number[]
  /** The response files as a client accepting gzip gets them (the stored bytes; live files are streamed as ever). */
  readonly responseFilesGzip: number[]
  readonly legacy: number[]
  readonly xlsx: number[]
  readonly total: number[]
  readonly fromRollups: number[]
  readonly responseFileBytes: number[]
  readonly xlsxBytes: number[]
}

/** Every file of each collection, timed one by one. */
async function timeExports(runtime: Runtime, collections: readonly CollectionView[]): Promise<ExportTimings> {
  const actor = systemActor('bench')
  const t: ExportTimings = { view: [], metadata: [], json: [], responseFiles: [], responseFilesGzip: [], legacy: [], xlsx: [], total: [], fromRollups: [], responseFileBytes: [], xlsxBytes: [] }
  for (const summary of collections) {
    const view = await timed(() => getCollection(runtime.db, actor, summary.id))
    const collection = view.value
    const metadata = await timed(() => metadataCsv([collection]))
    const json = await timed(() => {
      const { abilities: _abilities, ...data } = collection
      return JSON.stringify(data, null, 2)
    })
    let responseMs = 0
    let gzipMs = 0
    for (const detail of collection.details) {
      const file = await timed(async () => drain((await detailResponseFile(runtime.db, collection, detail)).stream()))
      responseMs += file.ms
      t.responseFileBytes.push(file.value)
      gzipMs += (await timed(async () => {
        const source = await detailResponseFile(runtime.db, collection, detail)
        return source.gzip ? source.gzip.length : drain(source.stream())
      })).ms
    }
    t.responseFilesGzip.push(gzipMs)
    let legacyMs = 0
    if (collection.details.some((d) => d.legacy)) {
      const legacy = await timed(() => legacyCsv(runtime.db, [collection]))
      legacyMs = legacy.ms
      t.legacy.push(legacy.ms)
    }
    const xlsx = await timed(() => drain(collectionWorkbook(runtime.db, collection)))
    t.xlsxBytes.push(xlsx.value)
    t.view.push(view.ms)
    t.metadata.push(metadata.ms)
    t.json.push(json.ms)
    t.responseFiles.push(responseMs)
    t.xlsx.push(xlsx.ms)
    t.fromRollups.push(view.ms + metadata.ms + json.ms + legacyMs)
    t.total.push(view.ms + metadata.ms + json.ms + responseMs + legacyMs + xlsx.ms)
  }
  return t
}

interface PublicTiming {
  readonly name: string
  readonly samples: readonly number[]
  readonly bytes: number
}

/** Sequential GETs against a started server: two warm-up requests, then `runs` timed ones. */
async function timePublicPages(dataDir: string, env: NodeJS.ProcessEnv, urls: readonly [string, string][], log: (line: string) => void): Promise<{ timings: PublicTiming[]; notes: string[] }> {
  const timings: PublicTiming[] = []
  const notes: string[] = []
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer({ dataDir, env: { LOG_LEVEL: 'warn', CX280_JOBS: 'off', ...env } })
  } catch (error) {
    // The export figures measured before are worth keeping: report the failed start instead of losing the run.
    notes.push(`public pages not measured: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`)
    return { timings, notes }
  }
  try {
    for (const [name, path] of urls) {
      const get = async () => {
        const response = await fetch(`${server.baseUrl}${path}`)
        const body = await response.arrayBuffer()
        return { status: response.status, bytes: body.byteLength }
      }
      const first = await get()
      if (first.status !== 200) {
        notes.push(`${name}: answered ${first.status}, not measured${first.status === 404 ? ' (route not there yet?)' : ''}`)
        continue
      }
      await get()
      const samples: number[] = []
      for (let i = 0; i < 20; i++) samples.push((await timed(get)).ms)
      timings.push({ name, samples, bytes: first.bytes })
      log(`    ${name}: median ${num(median(samples), 1)} ms`)
    }
  } finally {
    await stopServer(server.child)
  }
  return { timings, notes }
}

interface EngineRun {
  readonly label: string
  readonly generated: Generated
  readonly bytesOnDisk: number | null
  readonly collections: number
  readonly details: number
  readonly ensureMs: number
  readonly submitMs: readonly number[]
  /** Every export of the first collections while still drafts (live responses). */
  readonly liveExports: ExportTimings
  /** Frozen files of the quarter: their gzip bytes and the uncompressed bytes behind them. */
  readonly frozen: { gzipBytes: number; bytes: number; files: number }
  readonly submittedViewMs: readonly number[]
  readonly exports: ExportTimings
  readonly quarterlyReport: { ms: number; files: number; bytes: number }
  readonly publishMs: readonly number[]
  readonly publicPages: readonly PublicTiming[]
  readonly notes: readonly string[]
}

function directoryBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => total + (entry.isDirectory() ? directoryBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size), 0)
}

async function withPostgresDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `cx280_bench_reporting_${process.pid}`
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  await admin(`drop database if exists ${name} with (force)`)
  await admin(`create database ${name}`)
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  try {
    return await run(url.toString())
  } finally {
    await admin(`drop database if exists ${name} with (force)`)
  }
}

async function runOnEngine(label: string, databaseUrl: string | null, options: ReportingOptions, log: (line: string) => void): Promise<EngineRun> {
  const dataDir = makeDataDir(`reporting-${label.toLowerCase()}`)
  const env: Record<string, string> = { CX280_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }
  const context: ReportingContext = { publicUrl: 'http://127.0.0.1', deadlineDays: 30 }
  const now = new Date()
  const quarter = previousQuarter(fiscalQuarterOf(now))
  const system = systemActor('bench')
  try {
    log(`  ${label}: catalog (${options.collections} designated services) ...`)
    let runtime = await openRuntime(loadConfig(env))
    let catalog: Catalog
    try {
      catalog = await seedCatalog(runtime, options.collections, now)
      await recordOffers(runtime, catalog, quarter, options.responses)
    } finally {
      if (!databaseUrl) await runtime.close()
    }
    log(`  ${label}: writing ${num(options.responses)} responses of ${formatFiscalQuarter(quarter)} ...`)
    const sink = databaseUrl ? postgresSink(runtime.db) : sqliteSink(join(dataDir, 'cx280.sqlite'))
    const generated = await generateResponses(catalog, quarter, options.responses, sink, log)
    await sink.close()
    if (!databaseUrl) runtime = await openRuntime(loadConfig(env))
    const bytesOnDisk = databaseUrl ? null : directoryBytes(dataDir)
    let open = true
    try {
      log(`  ${label}: making, filling and submitting the collections ...`)
      const ensure = await timed(() => ensureCollections(runtime.db, system, { fiscalYear: quarter.fiscalYear, quarter: quarter.quarter }, context, now))
      const collections = await collectionsOfQuarter(runtime.db, system, quarter)
      for (const c of collections) {
        await updateCollection(runtime.db, system, c.id, { details: c.details.map((d) => ({ id: d.id, volumeOfCustomers: (d.offered ?? d.respondents) * 4, volumeOffered: null })) })
      }
      log(`  ${label}: timing every export of ${Math.min(LIVE_SAMPLE, collections.length)} draft collections (live) ...`)
      const liveExports = await timeExports(runtime, collections.slice(0, LIVE_SAMPLE))
      const submitMs: number[] = []
      for (const c of collections) submitMs.push((await timed(() => transitionCollection(runtime.db, system, c.id, { transition: 'submit' }, context))).ms)
      const sizes = await runtime.db.selectFrom('collection_files').select((eb) => [
        eb.fn.sum<number | string>(sql`length(content)`).as('gzip_bytes'), eb.fn.sum<number | string>('bytes').as('bytes'), eb.fn.countAll<number | string>().as('files'),
      ]).executeTakeFirstOrThrow()
      const frozen = { gzipBytes: Number(sizes.gzip_bytes), bytes: Number(sizes.bytes), files: Number(sizes.files) }
      const submittedViewMs: number[] = []
      for (const c of collections.slice(0, 10)) submittedViewMs.push((await timed(() => getCollection(runtime.db, system, c.id))).ms)
      log(`  ${label}: timing every export of ${collections.length} submitted collections (frozen files) ...`)
      const exports = await timeExports(runtime, collections)
      log(`  ${label}: writeQuarterlyReport ...`)
      const out = join(dataDir, 'omb')
      const report = await timed(() => writeQuarterlyReport(runtime.db, system, quarter, out, context))
      const quarterlyReport = { ms: report.ms, files: report.value.files.length, bytes: directoryBytes(out) }
      log(`  ${label}: rating and publishing ...`)
      const publishMs: number[] = []
      for (const c of collections) {
        await rateCollection(runtime.db, system, c.id, { rating: 'green', reason: 'Benchmark data in the right format.' }, context)
        publishMs.push((await timed(() => transitionCollection(runtime.db, system, c.id, { transition: 'publish' }, context))).ms)
      }
      await runtime.close()
      open = false
      log(`  ${label}: public pages over HTTP ...`)
      const serviceId = catalog.serviceIds[0] as string
      const q = `fiscalYear=${quarter.fiscalYear}&quarter=${quarter.quarter}`
      const pages = await timePublicPages(dataDir, databaseUrl ? { DATABASE_URL: databaseUrl } : {}, [
        ['GET /public', '/public'],
        ['GET /public/hisps/:slug', `/public/hisps/${catalog.hispSlugs[0]}`],
        ['GET /public/services/:serviceId', `/public/services/${serviceId}`],
        ['GET /api/v1/public/collections (first page of 50)', `/api/v1/public/collections?${q}`],
        ['GET /api/v1/public/collections.csv (the quarter)', `/api/v1/public/collections.csv?${q}`],
      ], log)
      return {
        label, generated, bytesOnDisk, collections: collections.length, details: collections.reduce((n, c) => n + c.details.length, 0), ensureMs: ensure.ms,
        submitMs, liveExports, frozen, submittedViewMs, exports, quarterlyReport, publishMs, publicPages: pages.timings, notes: pages.notes,
      }
    } finally {
      if (open) await runtime.close()
    }
  } finally {
    removeDataDir(dataDir)
  }
}

function sections(run: EngineRun, options: ReportingOptions): Section[] {
  const e = run.exports
  const live = run.liveExports
  const row = (name: string, samples: readonly number[], target = '') => [name, num(median(samples), 1), num(p95(samples), 1), num(max(samples), 1), String(samples.length), target]
  const perCollection = Math.round(options.responses / run.collections)
  return [
    {
      title: `REPORTING DATA  (${run.label}; ${num(run.generated.responses)} responses of one fiscal quarter over ${run.collections} collections, ${run.details} details)`,
      note: 'Written straight into the tables (intake bypassed; rows built by intake\'s responseRecord/answerRecords from checked answer pools).',
      header: ['measure', 'value'],
      rows: [
        ['responses written', num(run.generated.responses)],
        ['answer rows written (trust, driver ticks, Likert statements, text)', num(run.generated.answers)],
        ['write time', `${num(run.generated.seconds, 1)} s (${num(run.generated.responses / run.generated.seconds)} responses/s)`],
        ...(run.bytesOnDisk !== null ? [['data directory on disk after the write', `${num(run.bytesOnDisk / 1024 ** 2)} MiB`]] : []),
        ['ensureCollections (makes every collection and derives its details)', `${num(run.ensureMs)} ms`],
      ],
    },
    {
      title: `QUARTERLY EXPORTS  (${run.label}; in-process; per collection, ~${num(perCollection)} responses each; ms)`,
      note: [
        'Per collection: the view (getCollection, as the collection page loads it), the metadata CSV, the JSON, every detail\'s 17-column CSV',
        '(streamed to the end), the legacy Likert-count CSV (collections with a legacy survey only) and the XLSX workbook (streamed to the end).',
        '"From rollups" = view + metadata + JSON + legacy: the figures, not the row-level files. Target <= 200 ms per collection.',
        `Submitted collections serve the 17-column files frozen at submission (gzip in collection_files); the "draft" rows time the first ${LIVE_SAMPLE}`,
        'collections before submission, when every file is read from the live responses.',
      ].join('\n'),
      header: ['measure', 'median', 'p95', 'max', 'n', 'target'],
      rows: [
        row('collection view (getCollection), submitted', e.view),
        row('metadata CSV', e.metadata),
        row('JSON', e.json),
        row('17-column response CSVs, all details (frozen, inflated)', e.responseFiles),
        row('17-column response CSVs, all details (frozen gzip as stored)', e.responseFilesGzip),
        row('legacy Likert-count CSV', e.legacy),
        row('XLSX workbook', e.xlsx),
        row('from rollups: view + metadata + JSON + legacy', e.fromRollups, `<= ${REPORTING_TARGETS.perCollectionFromRollupsMs}`),
        row('every export of one submitted collection', e.total, `<= ${REPORTING_TARGETS.perCollectionFromRollupsMs}`),
        row('draft (live): 17-column response CSVs, all details', live.responseFiles),
        row('draft (live): XLSX workbook', live.xlsx),
        row('draft (live): every export of one collection', live.total),
        ['every export of the quarter (sum over collections)', num(sum(e.total)), '', '', String(e.total.length), ''],
        ['writeQuarterlyReport (cx280 report quarterly), onto disk', num(run.quarterlyReport.ms), '', '', '1', ''],
        ['  files / bytes written', `${num(run.quarterlyReport.files)} files`, `${num(run.quarterlyReport.bytes / 1024 ** 2)} MiB`, '', '', ''],
        ['  17-column CSV size per detail / XLSX per collection', `${num(median(e.responseFileBytes) / 1024)} KiB`, `${num(median(e.xlsxBytes) / 1024)} KiB`, '', '', ''],
        ['  frozen files: gzip / uncompressed, whole quarter', `${num(run.frozen.gzipBytes / 1024 ** 2, 1)} MiB`, `${num(run.frozen.bytes / 1024 ** 2, 1)} MiB`, '', String(run.frozen.files), ''],
        ['  frozen gzip per 1,000,000 responses', `${num((run.frozen.gzipBytes / 1024 ** 2) * (1_000_000 / run.generated.responses), 1)} MiB`, '', '', '', ''],
        row('submit (syncs, checks, writes and hashes every detail\'s file)', run.submitMs),
        row('publish (rated green; recomputes the integrity hashes)', run.publishMs),
      ],
    },
    {
      title: `PUBLIC PAGES  (${run.label}; child cx280 serve, jobs off; ${run.collections} published collections; sequential GETs, wall time on loopback)`,
      note: 'median / p95 / max of 20 requests after 2 warm-up requests.',
      header: ['URL', 'median ms', 'p95 ms', 'max ms', 'body', 'target'],
      rows: [
        ...run.publicPages.map((p) => [p.name, num(median(p.samples), 1), num(p95(p.samples), 1), num(max(p.samples), 1), `${num(p.bytes / 1024, 1)} KiB`, `<= ${REPORTING_TARGETS.publicPageMs}`]),
        ...run.notes.map((note) => [note, '', '', '', '', '']),
      ],
    },
  ]
}

export async function benchReporting(options: ReportingOptions, log: (line: string) => void): Promise<{ sections: Section[]; warnings: string[] }> {
  const runs: EngineRun[] = [await runOnEngine('SQLite', null, options, log)]
  if (options.postgres) runs.push(await withPostgresDatabase((url) => runOnEngine('PostgreSQL', url, options, log)))
  const warnings: string[] = []
  for (const run of runs) {
    const fromRollups = median(run.exports.fromRollups)
    if (fromRollups > REPORTING_TARGETS.perCollectionFromRollupsMs) warnings.push(`${run.label}: the figures of a collection (from rollups) took ${num(fromRollups)} ms at the median, over the ${REPORTING_TARGETS.perCollectionFromRollupsMs} ms target`)
    const all = median(run.exports.total)
    if (all > REPORTING_TARGETS.perCollectionFromRollupsMs) warnings.push(`${run.label}: every export of a submitted collection (row-level files included) took ${num(all)} ms at the median, over ${REPORTING_TARGETS.perCollectionFromRollupsMs} ms`)
    if (run.notes.length > 0) warnings.push(...run.notes.map((n) => `${run.label}: ${n}`))
  }
  return { sections: runs.flatMap((run) => sections(run, options)), warnings }
}
