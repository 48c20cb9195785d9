/**
 * A collection's files for OMB (reference §6): the metadata CSV (one row per detail: HISP, service, quarter, the
 * detail's fields, volumes, respondents), the legacy per-question Likert-count CSV for surveys on the legacy
 * 7-question set (FY2021–FY2023 format), and an XLSX workbook with one sheet per table. The per-detail 17-column
 * response file is `omb-response-file.ts`. CSVs are UTF-8 without a BOM, CRLF, RFC 4180 quoting, like OMB's format.
 */
import { PassThrough, type Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import type { Kysely } from 'kysely'
import { csvLine, OMB_CSV_COLUMNS, parseCsv } from '../a11/omb-csv.ts'
import { weightedLikertMean } from '../a11/scoring.ts'
import { DRIVER_KEYS, pick, type SurveyDefinition } from '../a11/survey-model.ts'
import type { Database } from '../db/schema.ts'
import { detailResponseFile } from './collection-files.ts'
import { NOT_DATA_STATUSES } from './omb-response-file.ts'
import type { CollectionView, DetailView } from './collections.ts'

type Cell = string | number | null

export const METADATA_COLUMNS = [
  'collection_id', 'fiscal_year', 'quarter', 'service_provider_name', 'service_provider_slug', 'organization_name', 'organization_abbreviation',
  'service_id', 'service_name', 'state', 'rating', 'submitted_at', 'integrity_hash',
  'detail_id', 'survey_id', 'transaction_point', 'channel', 'service_stage_name', 'survey_type', 'survey_title', 'omb_control_number',
  'federal_register_url', 'trust_question_text', 'volume_of_customers', 'volume_of_customers_provided_survey_opportunity', 'volume_of_respondents',
] as const

const text = (value: Cell): string => (value === null ? '' : String(value))

/** One row per detail; a collection without details (nothing collected) still has one row, its detail cells empty. */
export function metadataRows(collections: readonly CollectionView[]): Cell[][] {
  return collections.flatMap((c) => {
    const head: Cell[] = [c.id, c.fiscalYear, c.quarter, c.hispName, c.hispSlug, c.organizationName, c.organizationAbbreviation, c.serviceId, c.serviceName, c.state, c.rating, c.submittedAt, c.integrityHash]
    if (c.details.length === 0) return [[...head, ...Array<Cell>(METADATA_COLUMNS.length - head.length).fill(null)]]
    return c.details.map((d) => [
      ...head, d.id, d.surveyId, d.transactionPoint, d.channel, d.serviceStageName, d.surveyType, d.surveyTitle, d.ombControlNumber,
      d.federalRegisterUrl, d.trustQuestionText, d.volumeOfCustomers, d.offered, d.respondents,
    ])
  })
}

export function metadataCsv(collections: readonly CollectionView[]): string {
  return csvLine(METADATA_COLUMNS) + metadataRows(collections).map((row) => csvLine(row.map(text))).join('')
}

/** Legacy format: up to 11 Likert statements, each with its text and the respondents per point 1–5. */
export const LEGACY_QUESTIONS = 11
export const LEGACY_COLUMNS = [
  'year', 'quarter', 'service_provider', 'service_provided', 'transaction_point', 'channel', 'volume_of_customers',
  'volume_of_customers_provided_survey_opportunity', 'volume_of_respondents', 'omb_control_number', 'federal_register_url',
  ...Array.from({ length: LEGACY_QUESTIONS }, (_, i) => [`q${i + 1}_text`, ...[1, 2, 3, 4, 5].map((k) => `q${i + 1}_${k}`)]).flat(),
  'operational_metrics',
] as const

export interface LegacyStatement {
  readonly text: string
  /** Respondents per point: index 0 counts the 1s. */
  readonly counts: readonly [number, number, number, number, number]
}

export interface LegacyRowInput {
  readonly fiscalYear: number
  readonly quarter: number
  readonly serviceProvider: string
  readonly serviceProvided: string
  readonly transactionPoint: string
  readonly channel: string
  readonly volumeOfCustomers: number | null
  readonly offered: number | null
  readonly respondents: number
  readonly ombControlNumber: string | null
  readonly federalRegisterUrl: string | null
  readonly statements: readonly LegacyStatement[]
}

/** One legacy row's cells; statements past the 11th are left out, missing ones are empty. */
export function legacyRow(input: LegacyRowInput): Cell[] {
  const statements = Array.from({ length: LEGACY_QUESTIONS }, (_, i): Cell[] => {
    const s = input.statements[i]
    return s ? [s.text, ...s.counts] : [null, null, null, null, null, null]
  }).flat()
  return [
    input.fiscalYear, input.quarter, input.serviceProvider, input.serviceProvided, input.transactionPoint, input.channel, input.volumeOfCustomers,
    input.offered, input.respondents, input.ombControlNumber, input.federalRegisterUrl, ...statements, null,
  ]
}

/**
 * A statement's legacy score, Σ k·count_k ÷ Σ count_k to two decimals, as OMB published it (Touchpoints'
 * `q1_point_scale`).
 * @example legacyPointScale([2302, 3118, 10615, 55358, 249586]) // '4.70' (VA FY21 Q2)
 */
export function legacyPointScale(counts: readonly number[]): string | null {
  const { mean } = weightedLikertMean(counts)
  return mean === null ? null : mean.toFixed(2)
}

/** The legacy statements of a survey's newest version answered in the quarter, with their counts. */
export async function legacyStatements(db: Kysely<Database>, surveyId: string, quarter: { fiscalYear: number; quarter: number }): Promise<LegacyStatement[]> {
  const version = await db.selectFrom('responses as r').innerJoin('survey_versions as v', 'v.id', 'r.survey_version_id')
    .select(['v.definition', 'v.version']).where('r.survey_id', '=', surveyId).where('r.fiscal_year', '=', quarter.fiscalYear).where('r.fiscal_quarter', '=', quarter.quarter)
    .orderBy('v.version', 'desc').limit(1).executeTakeFirst()
  if (!version) return []
  const definition = JSON.parse(version.definition) as SurveyDefinition
  const language = definition.languages[0] ?? 'en'
  const questions = definition.questions.filter((q) => q.type === 'likert' && (q.role === 'trust' || q.role === 'legacy_likert')).slice(0, LEGACY_QUESTIONS)
  if (questions.length === 0) return []
  const counts = await db.selectFrom('response_answers as a').innerJoin('responses as r', 'r.id', 'a.response_id')
    .select(['a.question_key', 'a.number_value']).select((eb) => eb.fn.countAll<number>().as('n'))
    .where('r.survey_id', '=', surveyId).where('r.fiscal_year', '=', quarter.fiscalYear).where('r.fiscal_quarter', '=', quarter.quarter)
    .where('r.status', 'not in', [...NOT_DATA_STATUSES]).where('a.question_key', 'in', questions.map((q) => q.key)).where('a.number_value', 'is not', null)
    .groupBy(['a.question_key', 'a.number_value']).execute()
  return questions.map((q) => {
    const at = (point: number) => counts.filter((c) => c.question_key === q.key && Number(c.number_value) === point).reduce((sum, c) => sum + Number(c.n), 0)
    return { text: pick(q.prompt, language, language), counts: [at(1), at(2), at(3), at(4), at(5)] as const }
  })
}

async function legacyRows(db: Kysely<Database>, collection: CollectionView): Promise<Cell[][]> {
  const rows: Cell[][] = []
  for (const d of collection.details.filter((x) => x.legacy)) {
    rows.push(legacyRow({
      fiscalYear: collection.fiscalYear, quarter: collection.quarter, serviceProvider: collection.hispName, serviceProvided: collection.serviceName,
      transactionPoint: d.transactionPoint, channel: d.channel, volumeOfCustomers: d.volumeOfCustomers, offered: d.offered, respondents: d.respondents,
      ombControlNumber: d.ombControlNumber, federalRegisterUrl: d.federalRegisterUrl,
      statements: await legacyStatements(db, d.surveyId, collection),
    }))
  }
  return rows
}

/** The legacy per-question Likert-count CSV of a collection's legacy surveys, or null when it has none. */
export async function legacyCsv(db: Kysely<Database>, collections: readonly CollectionView[]): Promise<string | null> {
  const rows: Cell[][] = []
  for (const c of collections) rows.push(...await legacyRows(db, c))
  if (rows.length === 0) return null
  return csvLine(LEGACY_COLUMNS) + rows.map((row) => csvLine(row.map(text))).join('')
}

export const SCORE_COLUMNS = [
  'detail_id', 'survey_title', 'channel', 'respondents', 'offered', 'response_rate', 'trust_positive', 'trust_n', 'trust_share', 'trust_ci95_lower', 'trust_ci95_upper',
  'likert_mean', 'likert_1', 'likert_2', 'likert_3', 'likert_4', 'likert_5',
  'positive_n', ...DRIVER_KEYS.map((k) => `positive_${k}_share`), 'negative_n', ...DRIVER_KEYS.map((k) => `negative_${k}_share`),
] as const

export function scoreRow(d: DetailView): Cell[] {
  const f = d.figures
  return [
    d.id, d.surveyTitle, d.channel, d.respondents, d.offered, d.responseRate, f.trust.count, f.trust.n, f.trust.share, f.trust.interval?.lower ?? null, f.trust.interval?.upper ?? null,
    f.likertMean.mean, ...f.likertCounts,
    f.drivers.positive.n, ...DRIVER_KEYS.map((k) => f.drivers.positive.drivers[k].share), f.drivers.negative.n, ...DRIVER_KEYS.map((k) => f.drivers.negative.drivers[k].share),
  ]
}

/** Excel sheet names: at most 31 characters, none of []:*?/\ , unique in the workbook. */
export function sheetName(wanted: string, taken: Set<string>): string {
  const clean = wanted.replace(/[[\]:*?/\\']/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 31).trim() || 'Sheet'
  let name = clean
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${clean.slice(0, 31 - String(i).length - 1)} ${i}`
  taken.add(name.toLowerCase())
  return name
}

/** A 17-column file's cells as typed spreadsheet cells: question_1 and 0/1 drivers as numbers, `null` as written. */
function ombCells(record: readonly string[]): Cell[] {
  return record.map((value, i) => {
    if (i === 0 || i === OMB_CSV_COLUMNS.length - 1) return value
    return value === 'null' ? 'null' : Number(value)
  })
}

/**
 * The collection as an XLSX workbook (streamed): Collection (metadata), Scores, one Responses sheet per detail (the
 * 17 columns: the file frozen at submission once submitted, else the live responses) and Legacy Likert counts when a
 * survey uses the legacy set.
 */
export function collectionWorkbook(db: Kysely<Database>, collection: CollectionView): Readable {
  const out = new PassThrough()
  const write = async (): Promise<void> => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false })
    workbook.creator = 'cx280'
    workbook.title = `${collection.label} ${collection.hispName}: ${collection.serviceName}`
    const taken = new Set<string>()
    const sheet = (name: string, header: readonly string[], rows: readonly Cell[][]) => {
      const ws = workbook.addWorksheet(sheetName(name, taken))
      ws.addRow([...header]).commit()
      for (const row of rows) ws.addRow(row).commit()
      ws.commit()
    }
    sheet('Collection', METADATA_COLUMNS, metadataRows([collection]))
    sheet('Scores', SCORE_COLUMNS, collection.details.map(scoreRow))
    for (const [index, d] of collection.details.entries()) {
      const ws = workbook.addWorksheet(sheetName(`Responses ${index + 1} ${d.surveyTitle}`, taken))
      let header = true
      for await (const chunk of (await detailResponseFile(db, collection, d)).chunks()) {
        for (const record of parseCsv(chunk).records) {
          ws.addRow(header ? record.value : ombCells(record.value)).commit()
          header = false
        }
        if (out.writableNeedDrain) await new Promise((resolve) => { out.once('drain', resolve); out.once('close', resolve) })
        if (out.destroyed) return
      }
      ws.commit()
    }
    const legacy = await legacyRows(db, collection)
    if (legacy.length > 0) sheet('Legacy Likert counts', LEGACY_COLUMNS, legacy)
    await workbook.commit()
  }
  write().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))))
  return out
}

/** A file-name-safe slug. */
export function fileSlug(value: string, fallback = 'file'): string {
  return value.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || fallback
}

/** Base name of a collection's files: `fy2026-q1-<hisp>-<service>`. */
export const collectionFileBase = (c: Pick<CollectionView, 'fiscalYear' | 'quarter' | 'hispSlug' | 'serviceSlug'>): string =>
  `fy${c.fiscalYear}-q${c.quarter}-${fileSlug(c.hispSlug, 'hisp')}-${fileSlug(c.serviceSlug, 'service')}`

/** A detail's response file name: the survey title and the detail's short id keep names unique and readable. */
export const detailFileName = (c: Pick<CollectionView, 'fiscalYear' | 'quarter' | 'hispSlug' | 'serviceSlug'>, d: Pick<DetailView, 'id' | 'surveyTitle'>): string =>
  `${collectionFileBase(c)}-responses-${fileSlug(d.surveyTitle, 'survey')}-${d.id.slice(0, 8)}.csv`
