/**
 * The agency's CX indicators for its Annual Performance Plan and Report (APP/APR): per organization subtree and fiscal
 * year, one row per designated service × quarter with the collection's state, OMB's rating, respondents, trust share
 * with its 95% Wilson interval, Likert mean, response rate, each driver's share per branch, and the actions taken
 * (the collection's reflection). The reflection is the HISP's own words, so this file is internal: it is served to
 * readers of the organization only, never on the public pages. CSV (csv-stringify, CRLF, columns in `APP_COLUMNS`
 * order) and XLSX (exceljs).
 */
import ExcelJS from 'exceljs'
import { stringify } from 'csv-stringify/sync'
import type { Kysely } from 'kysely'
import { DRIVER_KEYS } from '../a11/survey-model.ts'
import type { Actor } from '../auth/actor.ts'
import { findReadableOrganization } from '../catalog/organizations.ts'
import type { Database } from '../db/schema.ts'
import { subtreePattern } from '../db/values.ts'
import { volumeRate } from './collection-analysis.ts'
import { fileSlug, sheetName } from './collection-export.ts'
import { quarterHasStarted } from './collection-model.ts'
import { collectionBoard, getCollection, type CollectionView } from './collections.ts'

type Cell = string | number | null

/** A quarter that has started but has no collection for the service (not made yet, or the service was designated later). */
export const NO_COLLECTION = 'no_collection'

/** Column order of the CSV and the XLSX sheet; stable, documented in docs/quarterly-reporting.md. */
export const APP_COLUMNS = [
  'agency', 'agency_abbreviation', 'organization', 'hisp', 'service_id', 'service_name', 'fiscal_year', 'quarter', 'collection_id', 'state', 'rating',
  'respondents', 'trust_positive', 'trust_n', 'trust_share', 'trust_ci95_lower', 'trust_ci95_upper', 'likert_mean', 'likert_n', 'offered', 'response_rate',
  'positive_n', ...DRIVER_KEYS.map((k) => `positive_${k}_share`), 'negative_n', ...DRIVER_KEYS.map((k) => `negative_${k}_share`),
  'actions_taken',
] as const

/** What each column means (the XLSX "Columns" sheet). */
export const APP_COLUMN_NOTES: Readonly<Record<string, string>> = {
  agency: 'The organization the report was made for (the whole subtree is included).',
  agency_abbreviation: 'Its abbreviation.',
  organization: 'The organization that owns the service.',
  hisp: 'The High-Impact Service Provider.',
  service_id: 'The service\'s id in cx280.',
  service_name: 'The designated service.',
  fiscal_year: 'Federal fiscal year.',
  quarter: 'Fiscal quarter (1 Oct–Dec, 2 Jan–Mar, 3 Apr–Jun, 4 Jul–Sep).',
  collection_id: 'The quarterly collection (empty when none was made).',
  state: `The collection's state, or ${NO_COLLECTION} for a quarter that started without one.`,
  rating: 'OMB\'s rating: green, yellow or red (empty until rated).',
  respondents: 'Respondents (responses that answered the trust question) over all the collection\'s surveys.',
  trust_positive: 'Respondents who agreed (thumbs up, or 4–5 on the Likert scale).',
  trust_n: 'Respondents who answered the trust question.',
  trust_share: 'trust_positive ÷ trust_n, to 4 decimals.',
  trust_ci95_lower: '95% Wilson score interval, lower bound.',
  trust_ci95_upper: '95% Wilson score interval, upper bound.',
  likert_mean: 'Mean trust answer on the 1–5 scale (Likert surveys only).',
  likert_n: 'Likert answers behind the mean.',
  offered: 'Customers offered the survey (entered, else recorded offers); empty unless every survey has a figure.',
  response_rate: 'respondents ÷ offered.',
  positive_n: 'Respondents in the positive (trusting) branch.',
  negative_n: 'Respondents in the negative (non-trusting) branch.',
  actions_taken: 'The HISP\'s reflection on the collection: actions taken. Internal; not published.',
  ...Object.fromEntries(DRIVER_KEYS.flatMap((k) => [
    [`positive_${k}_share`, `Share of trusting respondents who said ${k} went well.`],
    [`negative_${k}_share`, `Share of non-trusting respondents who said ${k} needs improvement.`],
  ])),
}

export interface AppReportRow {
  readonly serviceId: string
  readonly serviceName: string
  readonly hispName: string
  readonly organizationName: string
  readonly fiscalYear: number
  readonly quarter: 1 | 2 | 3 | 4
  /** Null for a started quarter without a collection. */
  readonly collection: CollectionView | null
}

export interface AppReport {
  readonly organizationId: string
  readonly organizationName: string
  readonly organizationAbbreviation: string | null
  readonly fiscalYear: number
  readonly rows: readonly AppReportRow[]
}

/**
 * The rows of an organization's APP/APR export for a fiscal year: every designated service in the organization's
 * subtree (and any service with a collection that year) × each quarter that has a collection or has started. Readers
 * of the organization only; another organization answers NotFound.
 */
export async function appReport(db: Kysely<Database>, actor: Actor, input: { organizationId: string; fiscalYear: number }, now = new Date()): Promise<AppReport> {
  const organization = await findReadableOrganization(db, actor, input.organizationId)
  const inSubtree = new Set((await db.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select('sv.id').where('o.path', 'like', subtreePattern(organization.path)).execute()).map((s) => s.id))
  const board = (await collectionBoard(db, actor, input.fiscalYear)).filter((r) => inSubtree.has(r.serviceId))
  const rows: AppReportRow[] = []
  for (const service of board) {
    for (const [index, cell] of service.quarters.entries()) {
      const quarter = (index + 1) as 1 | 2 | 3 | 4
      if (!cell && !quarterHasStarted({ fiscalYear: input.fiscalYear, quarter }, now)) continue
      rows.push({
        serviceId: service.serviceId, serviceName: service.serviceName, hispName: service.hispName, organizationName: service.organizationName,
        fiscalYear: input.fiscalYear, quarter, collection: cell ? await getCollection(db, actor, cell.collectionId) : null,
      })
    }
  }
  return { organizationId: organization.id, organizationName: organization.name, organizationAbbreviation: organization.abbreviation, fiscalYear: input.fiscalYear, rows }
}

const round4 = (value: number | null | undefined): number | null => (value === null || value === undefined ? null : Math.round(value * 10_000) / 10_000)

/** One row's cells in `APP_COLUMNS` order; shares, bounds, means and rates rounded to 4 decimals. */
export function appRowCells(report: Pick<AppReport, 'organizationName' | 'organizationAbbreviation'>, row: AppReportRow): Cell[] {
  const head: Cell[] = [report.organizationName, report.organizationAbbreviation, row.organizationName, row.hispName, row.serviceId, row.serviceName, row.fiscalYear, row.quarter]
  const c = row.collection
  if (!c) return [...head, null, NO_COLLECTION, ...Array<Cell>(APP_COLUMNS.length - head.length - 2).fill(null)]
  const f = c.figures
  const rate = volumeRate(c.details)
  return [
    ...head, c.id, c.state, c.rating,
    f.respondents, f.trust.count, f.trust.n, round4(f.trust.share), round4(f.trust.interval?.lower), round4(f.trust.interval?.upper), round4(f.likertMean.mean), f.likertMean.n,
    rate.offered, round4(rate.rate),
    f.drivers.positive.n, ...DRIVER_KEYS.map((k) => round4(f.drivers.positive.drivers[k].share)),
    f.drivers.negative.n, ...DRIVER_KEYS.map((k) => round4(f.drivers.negative.drivers[k].share)),
    c.reflection,
  ]
}

/** OWASP "CSV injection": names and the reflection are typed by people; a spreadsheet would run `=…` as a formula. */
export const guardFormula = (value: Cell): Cell => (typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value)

/** The export as CSV: UTF-8 without BOM, CRLF, a header row of `APP_COLUMNS`, empty cells for nulls. */
export function appCsv(report: AppReport): string {
  const rows = report.rows.map((row) => appRowCells(report, row).map(guardFormula))
  return stringify([[...APP_COLUMNS], ...rows], { record_delimiter: 'windows' })
}

/** The export as an XLSX workbook: "APP indicators" (the CSV's table, numbers as numbers) and "Columns" (what each means). */
export async function appWorkbook(report: AppReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'cx280'
  workbook.title = `FY${report.fiscalYear} CX indicators: ${report.organizationName}`
  const taken = new Set<string>()
  const indicators = workbook.addWorksheet(sheetName('APP indicators', taken))
  indicators.addRow([...APP_COLUMNS])
  for (const row of report.rows) indicators.addRow(appRowCells(report, row))
  indicators.views = [{ state: 'frozen', ySplit: 1 }]
  const columns = workbook.addWorksheet(sheetName('Columns', taken))
  columns.addRow(['column', 'meaning'])
  for (const name of APP_COLUMNS) columns.addRow([name, APP_COLUMN_NOTES[name] ?? ''])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/** `fy2026-cx-indicators-<agency>`. */
export const appFileBase = (report: AppReport): string => `fy${report.fiscalYear}-cx-indicators-${fileSlug(report.organizationAbbreviation ?? report.organizationName, 'agency')}`

/** The export as JSON: the organization, fiscal year and one object per row keyed by `APP_COLUMNS`. */
export function appJson(report: AppReport): { organizationId: string; organizationName: string; fiscalYear: number; columns: readonly string[]; rows: Record<string, Cell>[] } {
  return {
    organizationId: report.organizationId, organizationName: report.organizationName, fiscalYear: report.fiscalYear, columns: APP_COLUMNS,
    rows: report.rows.map((row) => {
      const cells = appRowCells(report, row)
      return Object.fromEntries(APP_COLUMNS.map((name, i) => [name, cells[i] ?? null]))
    }),
  }
}
