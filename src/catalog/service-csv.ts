/**
 * Service inventory as CSV. Export writes one row per service with the columns below; import reads the same columns
 * (a row with an `id` updates that service, a row without creates one), checks every row, and writes nothing
 * unless every row is valid. The report names each bad row by its line number in the file.
 */
import { stringify } from 'csv-stringify/sync'
import type { Kysely } from 'kysely'
import { CHANNELS } from '../a11/channels.ts'
import type { Actor } from '../auth/actor.ts'
import { canCreateServicesSomewhere } from '../auth/permissions.ts'
import { readCsvRecords } from '../csv-records.ts'
import type { Database } from '../db/schema.ts'
import { AppError, Forbidden } from '../errors.ts'
import { parseWith } from '../validation.ts'
import { listOrganizations, type OrganizationView } from './organizations.ts'
import { SERVICE_FIELDS, ServiceCreateInput, ServiceUpdateInput, type ServiceCreateInput as CreateInput } from './service-schema.ts'
import { createServiceIn, type ServiceView, updateServiceIn } from './services.ts'

export const SERVICE_CSV_COLUMNS = ['id', 'name', 'slug', 'organization', 'hisp', 'owner_email', 'channels', 'stages', ...SERVICE_FIELDS.map((f) => f.column), 'state'] as const
const IMPORT_IGNORED = new Set(['state'])
export const MAX_IMPORT_ROWS = 10_000

export interface ImportRowError {
  readonly row: number
  readonly field: string
  readonly message: string
}

export interface ImportReport {
  readonly ok: boolean
  readonly created: number
  readonly updated: number
  readonly errors: readonly ImportRowError[]
}

const yes = (value: boolean) => (value ? 'true' : 'false')

export function serviceToCsvRecord(service: ServiceView, organizations: ReadonlyMap<string, OrganizationView>, hispSlugs: ReadonlyMap<string, string>): string[] {
  const org = organizations.get(service.organizationId)
  const record: Record<string, string> = {
    id: service.id, name: service.name, slug: service.slug, organization: org?.abbreviation ?? org?.name ?? service.organizationId,
    hisp: service.hispId ? hispSlugs.get(service.hispId) ?? '' : '', owner_email: service.ownerEmail ?? '',
    channels: service.channels.join(';'), stages: service.stages.map((s) => s.name.replace(/;/g, ',')).join(';'), state: service.state,
  }
  for (const field of SERVICE_FIELDS) {
    const value = (service as unknown as Record<string, unknown>)[field.key]
    record[field.column] = typeof value === 'boolean' ? yes(value) : value === null || value === undefined ? '' : String(value)
  }
  return SERVICE_CSV_COLUMNS.map((c) => record[c] ?? '')
}

export function servicesCsvHeader(): string {
  return stringify([[...SERVICE_CSV_COLUMNS]])
}

export function servicesCsvLine(record: string[]): string {
  return stringify([record])
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x'])
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', ''])

interface Lookups {
  readonly organizations: readonly OrganizationView[]
  readonly hispsBySlug: ReadonlyMap<string, string>
  readonly usersByEmail: ReadonlyMap<string, string>
}

function findOrganization(lookups: Lookups, ref: string): { id?: string; error?: string } {
  const wanted = ref.trim().toLowerCase()
  const matches = lookups.organizations.filter((o) => o.id === ref.trim() || o.abbreviation?.toLowerCase() === wanted || o.name.toLowerCase() === wanted)
  if (matches.length === 1) return { id: matches[0]?.id as string }
  return { error: matches.length === 0 ? 'is not an organization you can see (use its id, abbreviation or name)' : 'matches several organizations; use the id' }
}

/** Converts one CSV record (strings) into API-shaped input; conversion problems go to `errors`. */
function recordToInput(record: Record<string, string>, lookups: Lookups, line: number, errors: ImportRowError[]): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  const fail = (field: string, message: string) => errors.push({ row: line, field, message })
  if (record.name !== undefined) input.name = record.name.trim()
  if (record.slug) input.slug = record.slug.trim()
  if (record.organization !== undefined && record.organization.trim() !== '') {
    const found = findOrganization(lookups, record.organization)
    if (found.id) input.organizationId = found.id
    else fail('organization', found.error as string)
  } else if (!record.id) fail('organization', 'is required')
  if (record.hisp !== undefined) {
    const slug = record.hisp.trim()
    if (slug === '') input.hispId = null
    else if (lookups.hispsBySlug.has(slug)) input.hispId = lookups.hispsBySlug.get(slug)
    else fail('hisp', `"${slug}" is not a known HISP slug`)
  }
  if (record.owner_email !== undefined && record.owner_email.trim() !== '') {
    const id = lookups.usersByEmail.get(record.owner_email.trim().toLowerCase())
    if (id) input.ownerUserId = id
    else fail('owner_email', 'is not a known user')
  }
  if (record.channels !== undefined) {
    const channels = record.channels.split(/[;,]/).map((c) => c.trim()).filter(Boolean)
    const unknown = channels.filter((c) => !(CHANNELS as readonly string[]).includes(c))
    if (unknown.length > 0) fail('channels', `unknown channel ${unknown.map((u) => `"${u}"`).join(', ')}; allowed: ${CHANNELS.join(', ')}`)
    else input.channels = [...new Set(channels)]
  }
  if (record.stages !== undefined && record.stages.trim() !== '') {
    input.stages = record.stages.split(';').map((name) => ({ name: name.trim() })).filter((s) => s.name !== '')
  }
  for (const field of SERVICE_FIELDS) {
    const raw = record[field.column]
    if (raw === undefined) continue
    const value = raw.trim()
    if (field.kind === 'flag') {
      if (TRUE_WORDS.has(value.toLowerCase())) input[field.key] = true
      else if (FALSE_WORDS.has(value.toLowerCase())) input[field.key] = false
      else fail(field.column, 'must be true or false')
    } else if (field.kind === 'integer') {
      if (value === '') input[field.key] = null
      else if (/^\d+$/.test(value.replace(/,/g, ''))) input[field.key] = Number(value.replace(/,/g, ''))
      else fail(field.column, 'must be a whole number')
    } else if (field.kind === 'kind') {
      if (value !== '') input[field.key] = value.toLowerCase().replace(/[\s-]+/g, '_')
    } else {
      input[field.key] = value === '' ? null : value
    }
  }
  return input
}

async function loadLookups(db: Kysely<Database>, actor: Actor): Promise<Lookups> {
  const [organizations, hisps, users] = await Promise.all([
    listOrganizations(db, actor),
    db.selectFrom('hisps').select(['id', 'slug']).execute(),
    db.selectFrom('users').select(['id', 'email']).execute(),
  ])
  return { organizations, hispsBySlug: new Map(hisps.map((h) => [h.slug, h.id])), usersByEmail: new Map(users.map((u) => [u.email, u.id])) }
}

class ImportRejected extends Error {}

function fieldsToRowErrors(error: unknown, line: number): ImportRowError[] {
  // A row the caller has no right to write fails the whole import with 403, as the same call through the API would.
  if (error instanceof AppError && !(error instanceof Forbidden)) {
    const fields = 'fields' in error ? (error.fields as Record<string, string>) : {}
    const entries = Object.entries(fields)
    return entries.length > 0 ? entries.map(([field, message]) => ({ row: line, field, message })) : [{ row: line, field: '_', message: error.message }]
  }
  throw error
}

/** Imports services from CSV text. All or nothing: any bad row means nothing is written. */
export async function importServicesCsv(db: Kysely<Database>, actor: Actor, csvText: string): Promise<ImportReport> {
  if (!canCreateServicesSomewhere(actor)) throw new Forbidden('Your role cannot add or edit services.')
  const records = readCsvRecords(csvText, MAX_IMPORT_ROWS)
  const header = Object.keys(records[0] ?? {})
  const unknown = header.filter((h) => !(SERVICE_CSV_COLUMNS as readonly string[]).includes(h))
  if (unknown.length > 0) {
    return { ok: false, created: 0, updated: 0, errors: unknown.map((h) => ({ row: 1, field: h, message: `is not a known column; expected some of: ${SERVICE_CSV_COLUMNS.join(', ')}` })) }
  }
  const lookups = await loadLookups(db, actor)
  const errors: ImportRowError[] = []
  const parsed: { line: number; id: string | null; input: Record<string, unknown> }[] = []
  records.forEach((record, index) => {
    const line = index + 2
    for (const column of IMPORT_IGNORED) delete record[column]
    const rowErrors: ImportRowError[] = []
    const input = recordToInput(record, lookups, line, rowErrors)
    const id = record.id?.trim() || null
    if (rowErrors.length === 0) {
      try {
        parseWith(id ? ServiceUpdateInput : ServiceCreateInput, input)
      } catch (error) {
        rowErrors.push(...fieldsToRowErrors(error, line).map((e) => ({ ...e, field: columnOf(e.field) })))
      }
    }
    errors.push(...rowErrors)
    parsed.push({ line, id, input })
  })
  if (errors.length > 0) return { ok: false, created: 0, updated: 0, errors }
  let created = 0
  let updated = 0
  try {
    await db.transaction().execute(async (trx) => {
      for (const { line, id, input } of parsed) {
        try {
          if (id) { await updateServiceIn(trx, actor, id, input as Partial<CreateInput>); updated++ }
          else { await createServiceIn(trx, actor, input as CreateInput); created++ }
        } catch (error) {
          errors.push(...fieldsToRowErrors(error, line).map((e) => ({ ...e, field: columnOf(e.field) })))
        }
      }
      if (errors.length > 0) throw new ImportRejected()
    })
  } catch (error) {
    if (error instanceof ImportRejected) return { ok: false, created: 0, updated: 0, errors }
    throw error
  }
  return { ok: true, created, updated, errors: [] }
}

function columnOf(key: string): string {
  const field = SERVICE_FIELDS.find((f) => f.key === key)
  if (field) return field.column
  return ({ organizationId: 'organization', hispId: 'hisp', ownerUserId: 'owner_email' } as Record<string, string>)[key] ?? key
}
