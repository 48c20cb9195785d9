/**
 * Volumes of a quarter's collections from a CSV file, for HISPs that keep them in a spreadsheet. One row per detail:
 * `collection_id, survey_id, volume_of_customers, volume_offered`. Every row is checked (the numbers, the collection
 * and its detail, the collection's state, the right to edit, respondents ≤ offered ≤ customers) and every problem is
 * reported by line; nothing is written unless every row is good. The writes and their `collection.update` audit rows
 * (one per collection) commit in one transaction, through the same code as the volumes form (`updateCollectionIn`).
 */
import { stringify } from 'csv-stringify/sync'
import type { Kysely, Transaction } from 'kysely'
import { formatFiscalQuarter } from '../a11/fiscal-year.ts'
import type { Actor } from '../auth/actor.ts'
import { canCreateServicesSomewhere, canReadOrganization } from '../auth/permissions.ts'
import { readCsvRecords } from '../csv-records.ts'
import type { Database } from '../db/schema.ts'
import { AppError, Forbidden } from '../errors.ts'
import { guardFormula } from './app-export.ts'
import { syncDetails } from './collection-details.ts'
import { COLLECTION_STATE_LABELS, OPEN_STATES, type CollectionState } from './collection-model.ts'
import { updateCollectionIn, type CollectionView } from './collections.ts'

/** Columns the import reads; `volume_offered` may be left out (every row then uses the recorded offers). */
export const VOLUME_CSV_COLUMNS = ['collection_id', 'survey_id', 'volume_of_customers', 'volume_offered'] as const
const REQUIRED_COLUMNS = ['collection_id', 'survey_id', 'volume_of_customers'] as const
/** Columns of the downloadable template that help people fill it in; the import ignores them. */
export const VOLUME_TEMPLATE_EXTRA_COLUMNS = ['fiscal_year', 'quarter', 'hisp', 'service_name', 'survey_title', 'channel', 'respondents', 'recorded_offers'] as const
export const MAX_VOLUME_ROWS = 5000
const MAX_VOLUME = 10_000_000_000
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface VolumeImportError {
  /** The line of the file (the header is line 1, the first data row line 2). */
  readonly row: number
  readonly field: string
  readonly message: string
}

export interface VolumeImportReport {
  readonly ok: boolean
  /** Details whose volumes were written (0 unless ok). */
  readonly rows: number
  readonly collections: number
  readonly errors: readonly VolumeImportError[]
}

interface VolumeLine {
  readonly line: number
  readonly collectionId: string
  readonly surveyId: string
  readonly volumeOfCustomers: number
  /** Null: use the recorded offers. */
  readonly volumeOffered: number | null
}

/** A whole number of people: digits, optionally with thousands separators ("12,500"); surrounding spaces ignored. */
function parseCount(raw: string): number | 'invalid' {
  const text = raw.trim()
  if (!/^\d{1,3}(,\d{3})*$|^\d+$/.test(text)) return 'invalid'
  const value = Number(text.replace(/,/g, ''))
  return value <= MAX_VOLUME ? value : 'invalid'
}

/** Reads and checks the file's shape and each row's values; the database checks come after. */
function readLines(csvText: string): { lines: VolumeLine[]; errors: VolumeImportError[] } {
  const records = readCsvRecords(csvText, MAX_VOLUME_ROWS)
  const header = Object.keys(records[0] ?? {})
  const known = new Set<string>([...VOLUME_CSV_COLUMNS, ...VOLUME_TEMPLATE_EXTRA_COLUMNS])
  const errors: VolumeImportError[] = [
    ...REQUIRED_COLUMNS.filter((c) => !header.includes(c)).map((c) => ({ row: 1, field: c, message: 'is a required column' })),
    ...header.filter((h) => !known.has(h)).map((h) => ({ row: 1, field: h, message: `is not a known column; expected ${VOLUME_CSV_COLUMNS.join(', ')}` })),
  ]
  if (errors.length > 0) return { lines: [], errors }
  const lines: VolumeLine[] = []
  const seen = new Map<string, number>()
  records.forEach((record, index) => {
    const line = index + 2
    const before = errors.length
    const fail = (field: string, message: string) => errors.push({ row: line, field, message })
    const collectionId = (record.collection_id ?? '').trim()
    const surveyId = (record.survey_id ?? '').trim()
    if (!UUID.test(collectionId)) fail('collection_id', collectionId ? 'is not a collection id' : 'is required')
    if (!UUID.test(surveyId)) fail('survey_id', surveyId ? 'is not a survey id' : 'is required')
    const customers = parseCount(record.volume_of_customers ?? '')
    if (customers === 'invalid') fail('volume_of_customers', (record.volume_of_customers ?? '').trim() ? 'must be a whole number of people' : 'is required')
    const offeredText = (record.volume_offered ?? '').trim()
    const offered = offeredText === '' ? null : parseCount(offeredText)
    if (offered === 'invalid') fail('volume_offered', 'must be a whole number of people, or empty to use the recorded offers')
    const key = `${collectionId.toLowerCase()}|${surveyId.toLowerCase()}`
    if (errors.length === before && seen.has(key)) fail('survey_id', `repeats line ${seen.get(key)}: one row per collection and survey`)
    if (errors.length > before) return
    seen.set(key, line)
    lines.push({ line, collectionId: collectionId.toLowerCase(), surveyId: surveyId.toLowerCase(), volumeOfCustomers: customers as number, volumeOffered: offered as number | null })
  })
  return { lines, errors }
}

const FIELD_COLUMNS: Readonly<Record<string, string>> = { volumeOfCustomers: 'volume_of_customers', volumeOffered: 'volume_offered' }

/** Checks and writes one collection's rows in the import's transaction; problems go to `errors`. */
async function importCollection(trx: Transaction<Database>, actor: Actor, collectionId: string, lines: readonly VolumeLine[], errors: VolumeImportError[]): Promise<void> {
  const everyLine = (field: string, message: string) => { for (const l of lines) errors.push({ row: l.line, field, message }) }
  const row = await trx.selectFrom('collections as c').innerJoin('services as sv', 'sv.id', 'c.service_id').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['c.id', 'c.state', 'c.service_id', 'c.fiscal_year', 'c.quarter', 'o.path']).where('c.id', '=', collectionId).executeTakeFirst()
  // Another organization's collection reads as unknown, as it does everywhere else (ids cannot be probed).
  if (!row || !canReadOrganization(actor, row.path)) return everyLine('collection_id', 'is not a collection you can read')
  const state = row.state as CollectionState
  if (!OPEN_STATES.has(state)) return everyLine('collection_id', `is ${COLLECTION_STATE_LABELS[state].toLowerCase()}: volumes change only while a collection is a draft or changes are requested`)
  // An open collection's details follow the responses: bring them up to date before matching surveys to details.
  await syncDetails(trx, row)
  const details = await trx.selectFrom('collection_details').select(['id', 'survey_id']).where('collection_id', '=', collectionId).execute()
  const detailOf = new Map(details.map((d) => [d.survey_id.toLowerCase(), d.id]))
  const lineOf = new Map<string, number>()
  const changes = []
  for (const l of lines) {
    const detailId = detailOf.get(l.surveyId)
    if (!detailId) {
      errors.push({ row: l.line, field: 'survey_id', message: `has no responses for this collection's service in ${formatFiscalQuarter({ fiscalYear: row.fiscal_year, quarter: row.quarter as 1 | 2 | 3 | 4 })}, so it is not one of its surveys` })
      continue
    }
    lineOf.set(detailId, l.line)
    changes.push({ id: detailId, volumeOfCustomers: l.volumeOfCustomers, volumeOffered: l.volumeOffered })
  }
  if (changes.length === 0) return
  try {
    await updateCollectionIn(trx, actor, collectionId, { details: changes })
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    const fields = 'fields' in error ? Object.entries(error.fields as Record<string, string>) : []
    const mapped = fields.map(([key, message]) => {
      const [, detailId, field] = /^details\.([^.]+)\.(\w+)$/.exec(key) ?? []
      const line = detailId ? lineOf.get(detailId) : undefined
      return line === undefined ? null : { row: line, field: FIELD_COLUMNS[field ?? ''] ?? 'survey_id', message }
    })
    if (mapped.length > 0 && mapped.every((m) => m !== null)) errors.push(...(mapped as VolumeImportError[]))
    else everyLine('collection_id', error.message)
  }
}

class ImportRejected extends Error {}

/**
 * Imports volumes from CSV text: all rows or none. Returns the report (ok with the counts written, or every problem by
 * line); a file that is not CSV, is empty or has more than 5,000 rows throws Invalid; a role that never edits services
 * (reviewer, analyst) gets Forbidden.
 */
export async function importVolumesCsv(db: Kysely<Database>, actor: Actor, csvText: string): Promise<VolumeImportReport> {
  // Volumes are entered by those who may edit services (administrators, agency leads, service managers).
  if (!canCreateServicesSomewhere(actor)) throw new Forbidden('Your role cannot enter volumes.')
  const { lines, errors } = readLines(csvText)
  const byCollection = new Map<string, VolumeLine[]>()
  for (const l of lines) byCollection.set(l.collectionId, [...(byCollection.get(l.collectionId) ?? []), l])
  try {
    await db.transaction().execute(async (trx) => {
      for (const [collectionId, group] of byCollection) await importCollection(trx, actor, collectionId, group, errors)
      if (errors.length > 0) throw new ImportRejected()
    })
  } catch (error) {
    if (!(error instanceof ImportRejected)) throw error
    return { ok: false, rows: 0, collections: 0, errors: [...errors].sort((a, b) => a.row - b.row) }
  }
  return { ok: true, rows: lines.length, collections: byCollection.size, errors: [] }
}

/**
 * A file to fill in: one row per detail of the given collections whose volumes the actor may edit, with the volumes
 * entered so far and columns that help (quarter, HISP, service, survey, channel, respondents, recorded offers).
 */
export function volumeTemplateCsv(collections: readonly CollectionView[]): string {
  const rows = collections.filter((c) => c.abilities.editVolumes).flatMap((c) => c.details.map((d) => [
    c.id, d.surveyId, d.volumeOfCustomers, d.volumeOffered, c.fiscalYear, c.quarter, guardFormula(c.hispName), guardFormula(c.serviceName), guardFormula(d.surveyTitle), d.channel, d.respondents, d.recordedOffers,
  ]))
  return stringify([[...VOLUME_CSV_COLUMNS, ...VOLUME_TEMPLATE_EXTRA_COLUMNS], ...rows], { record_delimiter: 'windows' })
}
