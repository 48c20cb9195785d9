/**
 * The open data CSV of published collections: one row per detail (survey), stable columns documented in
 * docs/public-reporting.md. Withheld figures are empty cells with `true` in the figure's `_suppressed` column.
 * UTF-8 without BOM, CRLF, RFC 4180 quoting; text cells are guarded against spreadsheet formulas.
 */
import { csvLine } from '../a11/omb-csv.ts'
import { BRANCHES, DRIVER_KEYS } from '../a11/survey-model.ts'
import type { PublicCollection, PublicDetail } from './public-collections.ts'

export const PUBLIC_CSV_COLUMNS = [
  'collection_id', 'fiscal_year', 'quarter', 'published_on', 'agency_name', 'agency_abbreviation', 'hisp_name', 'hisp_slug', 'service_id', 'service_name',
  'detail_id', 'survey_title', 'transaction_point', 'channel', 'service_stage', 'scale', 'omb_control_number',
  'respondents', 'volume_of_customers', 'volume_offered', 'response_rate',
  'trust_n', 'trust_share', 'trust_lower_95', 'trust_upper_95', 'trust_suppressed',
  'likert_n', 'likert_mean', 'likert_suppressed',
  ...BRANCHES.flatMap((branch) => [`${branch}_n`, ...DRIVER_KEYS.map((k) => `${branch}_${k}`), `${branch}_suppressed`]),
] as const

type Cell = string | number | boolean | null

/** OWASP "CSV injection": a spreadsheet would run a cell that starts with = + - @ as a formula. */
const guard = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
const cell = (value: Cell): string => (value === null ? '' : typeof value === 'string' ? guard(value) : String(value))

function detailCells(c: PublicCollection, d: PublicDetail): Cell[] {
  return [
    c.id, c.fiscalYear, c.quarter, c.publishedOn, c.agency.name, c.agency.abbreviation, c.hisp.name, c.hisp.slug, c.service.id, c.service.name,
    d.id, d.surveyTitle, d.transactionPoint, d.channel, d.serviceStage, d.scale, d.ombControlNumber,
    d.respondents, d.volumeOfCustomers, d.offered, d.responseRate,
    d.trust.n, d.trust.share, d.trust.lower, d.trust.upper, d.trust.suppressed,
    d.likertMean?.n ?? null, d.likertMean?.mean ?? null, d.likertMean ? d.likertMean.suppressed : null,
    ...BRANCHES.flatMap((branch) => {
      const b = d.drivers[branch]
      return [b.n, ...DRIVER_KEYS.map((k) => b.shares[k]), b.suppressed]
    }),
  ]
}

/** The CSV of every detail of the given collections, header first. */
export function publicCollectionsCsv(collections: readonly PublicCollection[]): string {
  return csvLine(PUBLIC_CSV_COLUMNS) + collections.flatMap((c) => c.details.map((d) => csvLine(detailCells(c, d).map(cell)))).join('')
}
