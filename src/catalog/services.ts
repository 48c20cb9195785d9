/**
 * The service inventory (A-11 §280.3–280.4, §280.13): services with channels, journey stages, digitization status
 * and designation, within the organization tree. Pages, API, CLI and CSV import all go through these functions.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { isDigitalChannel, type Channel } from '../a11/channels.ts'
import { DEFAULT_STAGES, nextServiceState, OMB_TRANSITIONS, type ServiceKind, type ServiceState, type ServiceTransition } from '../a11/services.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canCreateService, canEditService, canReadOrganization, canReviewServices, readablePaths } from '../auth/permissions.ts'
import type { Database, ServiceRow } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { fromFlag, newId, nowIso, subtreePattern, toFlag } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import { findReadableOrganization } from './organizations.ts'
import { SERVICE_FIELDS, type ServiceCreateInput, type ServiceScalars, type ServiceUpdateInput, type StageInput } from './service-schema.ts'

type Db = Kysely<Database> | Transaction<Database>

export interface StageView {
  readonly id: string
  readonly position: number
  readonly name: string
  readonly description: string | null
  readonly duration: string | null
  readonly eligiblePopulation: string | null
  readonly persona: string | null
}

export type ServiceView = Required<ServiceScalars> & {
  readonly id: string
  readonly name: string
  readonly slug: string
  readonly kind: ServiceKind
  readonly organizationId: string
  readonly organizationName: string
  readonly hispId: string | null
  readonly hispName: string | null
  readonly ownerUserId: string | null
  readonly ownerEmail: string | null
  readonly channels: readonly Channel[]
  readonly stages: readonly StageView[]
  readonly state: ServiceState
  readonly createdAt: string
  readonly updatedAt: string
}

interface ServiceContext {
  readonly row: ServiceRow
  readonly organizationPath: string
}

const FLAG_KEYS = new Set(SERVICE_FIELDS.filter((f) => f.kind === 'flag').map((f) => f.key))

function scalarsOf(row: ServiceRow): Required<ServiceScalars> {
  const out: Record<string, unknown> = {}
  for (const field of SERVICE_FIELDS) {
    const value = row[field.column as keyof ServiceRow]
    out[field.key] = FLAG_KEYS.has(field.key) ? fromFlag(value as number) : field.kind === 'integer' && value !== null ? Number(value) : value
  }
  return out as Required<ServiceScalars>
}

function scalarColumns(input: ServiceScalars): Partial<ServiceRow> {
  const out: Record<string, unknown> = {}
  for (const field of SERVICE_FIELDS) {
    const value = (input as Record<string, unknown>)[field.key]
    if (value === undefined) continue
    if (FLAG_KEYS.has(field.key)) out[field.column] = toFlag(value as boolean)
    else if (typeof value === 'string') out[field.column] = value.trim() === '' && field.kind !== 'kind' ? null : value.trim()
    else out[field.column] = value
  }
  return out as Partial<ServiceRow>
}

export function slugify(name: string): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 70).replace(/-+$/, '')
  return slug.length >= 2 ? slug : `service-${slug}`.replace(/-$/, '')
}

/** The wanted slug, or with the first free `-n` suffix; an explicitly chosen slug that is taken is a conflict. */
async function uniqueSlug(db: Db, wanted: string, exceptId: string | null, explicit: boolean): Promise<string> {
  // One indexed IN lookup over the first candidates (a LIKE prefix scan cannot use the index on either engine).
  const candidates = [wanted, ...Array.from({ length: 49 }, (_, i) => `${wanted}-${i + 2}`)]
  const rows = await db.selectFrom('services').select(['id', 'slug']).where('slug', 'in', candidates).execute()
  const taken = new Set(rows.filter((r) => r.id !== exceptId).map((r) => r.slug))
  if (!taken.has(wanted)) return wanted
  if (explicit) throw new Conflict('Another service uses this slug.', { slug: 'is already in use' })
  return candidates.find((c) => !taken.has(c)) ?? `${wanted}-${randomUUID().slice(0, 8)}`
}

async function loadViews(db: Db, rows: readonly ServiceRow[]): Promise<ServiceView[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [channels, stages, orgs, hisps, owners] = await Promise.all([
    db.selectFrom('service_channels').selectAll().where('service_id', 'in', ids).execute(),
    db.selectFrom('service_stages').selectAll().where('service_id', 'in', ids).orderBy('position').execute(),
    db.selectFrom('organizations').select(['id', 'name']).where('id', 'in', [...new Set(rows.map((r) => r.organization_id))]).execute(),
    db.selectFrom('hisps').select(['id', 'name']).where('id', 'in', [...new Set(rows.map((r) => r.hisp_id ?? ''))]).execute(),
    db.selectFrom('users').select(['id', 'email']).where('id', 'in', [...new Set(rows.map((r) => r.owner_user_id ?? ''))]).execute(),
  ])
  const orgName = new Map(orgs.map((o) => [o.id, o.name]))
  const hispName = new Map(hisps.map((h) => [h.id, h.name]))
  const ownerEmail = new Map(owners.map((u) => [u.id, u.email]))
  return rows.map((row) => ({
    ...scalarsOf(row),
    id: row.id, name: row.name, slug: row.slug, kind: row.kind as ServiceKind,
    organizationId: row.organization_id, organizationName: orgName.get(row.organization_id) ?? '',
    hispId: row.hisp_id, hispName: row.hisp_id ? hispName.get(row.hisp_id) ?? null : null,
    ownerUserId: row.owner_user_id, ownerEmail: row.owner_user_id ? ownerEmail.get(row.owner_user_id) ?? null : null,
    channels: channels.filter((c) => c.service_id === row.id).map((c) => c.channel as Channel).sort(),
    stages: stages.filter((s) => s.service_id === row.id).map((s) => ({
      id: s.id, position: s.position, name: s.name, description: s.description, duration: s.duration, eligiblePopulation: s.eligible_population, persona: s.persona,
    })),
    state: row.state as ServiceState, createdAt: row.created_at, updatedAt: row.updated_at,
  }))
}

async function loadContext(db: Db, actor: Actor, id: string): Promise<ServiceContext> {
  const row = await db.selectFrom('services').innerJoin('organizations as o', 'o.id', 'services.organization_id')
    .selectAll('services').select('o.path as organization_path').where('services.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Service')
  const { organization_path, ...service } = row
  return { row: service, organizationPath: organization_path }
}

async function checkReferences(db: Db, input: ServiceUpdateInput): Promise<void> {
  if (input.hispId) {
    const hisp = await db.selectFrom('hisps').select('id').where('id', '=', input.hispId).executeTakeFirst()
    if (!hisp) throw new Invalid('Some fields need attention.', { hispId: 'is not a known HISP' })
  }
  if (input.ownerUserId) {
    const owner = await db.selectFrom('users').select('id').where('id', '=', input.ownerUserId).executeTakeFirst()
    if (!owner) throw new Invalid('Some fields need attention.', { ownerUserId: 'is not a known user' })
  }
  if (input.designatedForImprovement && (input.yearDesignated ?? null) === null) {
    throw new Invalid('Some fields need attention.', { yearDesignated: 'is required when the service is designated' })
  }
}

async function writeChannelsAndStages(db: Db, serviceId: string, channels: readonly string[] | undefined, stages: readonly StageInput[] | undefined): Promise<void> {
  if (channels !== undefined) {
    await db.deleteFrom('service_channels').where('service_id', '=', serviceId).execute()
    for (const channel of channels) await db.insertInto('service_channels').values({ service_id: serviceId, channel }).execute()
  }
  if (stages !== undefined) {
    await db.deleteFrom('service_stages').where('service_id', '=', serviceId).execute()
    for (const [index, stage] of stages.entries()) {
      await db.insertInto('service_stages').values({
        id: newId(), service_id: serviceId, position: index + 1, name: stage.name.trim(), description: stage.description ?? null,
        duration: stage.duration ?? null, eligible_population: stage.eligiblePopulation ?? null, persona: stage.persona ?? null,
      }).execute()
    }
  }
}

/** Creates a service inside a transaction the caller owns (CSV import writes many in one). */
export async function createServiceIn(trx: Transaction<Database>, actor: Actor, input: ServiceCreateInput): Promise<ServiceView> {
  const organization = await findReadableOrganization(trx, actor, input.organizationId)
  if (!canCreateService(actor, organization.path)) throw new Forbidden('You cannot add services to this organization.')
  await checkReferences(trx, input)
  const now = nowIso()
  const id = newId()
  const slug = await uniqueSlug(trx, input.slug ?? slugify(input.name), null, input.slug !== undefined)
  const ownerUserId = input.ownerUserId !== undefined ? input.ownerUserId : actor.userId
  const row = {
    id, organization_id: organization.id, hisp_id: input.hispId ?? null, owner_user_id: ownerUserId, name: input.name.trim(), slug,
    short_description: null, description: null, url: null, kind: 'other', occasion: null, offering: null, customer_roles: null, tools: null,
    digital_service: 0, fully_digital: 0, barriers_to_fully_digital: null, non_digital_explanation: null, resources_needed: null,
    digital_form_available: 0, self_service_completion: 0, wet_signature_required: 0, in_person_id_proofing_required: 0,
    digital_equivalent_exists: 0, accessible_non_digital_path: 0, annual_customer_volume: null, volume_explanation: null,
    transactional: 0, contact_center: 0, multi_agency: 0, multi_agency_explanation: null, budget_code: null, uii_code: null,
    hisp_service: input.hispId ? 1 : 0, designated_for_improvement: 0, year_designated: null, previously_reported: 0,
    state: 'created', created_at: now, updated_at: now, ...scalarColumns(input),
  } satisfies ServiceRow
  await trx.insertInto('services').values(row).execute()
  await writeChannelsAndStages(trx, id, input.channels ?? [], input.stages ?? DEFAULT_STAGES.map((s) => ({ ...s })))
  const [view] = await loadViews(trx, [row])
  await recordAudit(trx, actor, { action: 'service.create', entityType: 'service', entityId: id, organizationId: organization.id, after: view })
  return view as ServiceView
}

export async function createService(db: Kysely<Database>, actor: Actor, input: ServiceCreateInput): Promise<ServiceView> {
  return db.transaction().execute((trx) => createServiceIn(trx, actor, input))
}

export async function updateServiceIn(trx: Transaction<Database>, actor: Actor, id: string, input: ServiceUpdateInput): Promise<ServiceView> {
  const { row, organizationPath } = await loadContext(trx, actor, id)
  if (!canEditService(actor, { organizationPath, ownerUserId: row.owner_user_id })) throw new Forbidden('You cannot edit this service.')
  if (row.state === 'archived') throw new Conflict('This service is archived; restore it before editing.')
  let organizationId = row.organization_id
  if (input.organizationId !== undefined && input.organizationId !== row.organization_id) {
    const target = await findReadableOrganization(trx, actor, input.organizationId)
    if (!canCreateService(actor, target.path)) throw new Forbidden('You cannot move services into that organization.')
    organizationId = target.id
  }
  await checkReferences(trx, { ...input, yearDesignated: input.yearDesignated !== undefined ? input.yearDesignated : row.year_designated, designatedForImprovement: input.designatedForImprovement ?? fromFlag(row.designated_for_improvement) })
  const [before] = await loadViews(trx, [row])
  const slug = input.slug !== undefined ? await uniqueSlug(trx, input.slug, id, true) : row.slug
  const changes = {
    ...scalarColumns(input),
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.hispId !== undefined ? { hisp_id: input.hispId } : {}),
    ...(input.ownerUserId !== undefined ? { owner_user_id: input.ownerUserId } : {}),
    organization_id: organizationId, slug, updated_at: nowIso(),
  }
  await trx.updateTable('services').set(changes).where('id', '=', id).execute()
  await writeChannelsAndStages(trx, id, input.channels, input.stages)
  const updated = await trx.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const [after] = await loadViews(trx, [updated])
  await recordAudit(trx, actor, { action: 'service.update', entityType: 'service', entityId: id, organizationId, before, after })
  return after as ServiceView
}

export async function updateService(db: Kysely<Database>, actor: Actor, id: string, input: ServiceUpdateInput): Promise<ServiceView> {
  return db.transaction().execute((trx) => updateServiceIn(trx, actor, id, input))
}

export async function getService(db: Kysely<Database>, actor: Actor, id: string): Promise<ServiceView> {
  const { row } = await loadContext(db, actor, id)
  return (await loadViews(db, [row]))[0] as ServiceView
}

/** What the actor may do with a service (drives buttons on pages). */
export async function servicePermissions(db: Kysely<Database>, actor: Actor, id: string): Promise<{ edit: boolean; review: boolean }> {
  const { row, organizationPath } = await loadContext(db, actor, id)
  return { edit: canEditService(actor, { organizationPath, ownerUserId: row.owner_user_id }), review: canReviewServices(actor) }
}

/** Moves a service through its lifecycle (submit/approve/verify/return/archive/restore). */
export async function transitionService(db: Kysely<Database>, actor: Actor, id: string, transition: ServiceTransition): Promise<ServiceView> {
  return db.transaction().execute(async (trx) => {
    const { row, organizationPath } = await loadContext(trx, actor, id)
    const allowed = OMB_TRANSITIONS.has(transition) ? canReviewServices(actor) : canEditService(actor, { organizationPath, ownerUserId: row.owner_user_id })
    if (!allowed) throw new Forbidden(`Your role cannot ${transition} this service.`)
    const to = nextServiceState(row.state as ServiceState, transition)
    if (!to) throw new Conflict(`A ${row.state} service cannot be ${transition === 'return' ? 'returned' : `${transition}d`}.`)
    const now = nowIso()
    await trx.updateTable('services').set({ state: to, updated_at: now }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: `service.${transition}`, entityType: 'service', entityId: id, organizationId: row.organization_id, before: { state: row.state }, after: { state: to } })
    const [view] = await loadViews(trx, [{ ...row, state: to, updated_at: now }])
    return view as ServiceView
  })
}

export interface ServiceListQuery {
  readonly q?: string | undefined
  readonly organizationId?: string | undefined
  readonly hispId?: string | undefined
  readonly kind?: string | undefined
  readonly channel?: string | undefined
  readonly state?: string | undefined
  readonly designated?: boolean | undefined
  readonly page: number
  readonly pageSize: number
}

export type ServiceFilter = Omit<ServiceListQuery, 'page' | 'pageSize'>

/** The readable, filtered set of services as a query, or null when the actor can read no organization. */
async function filteredServices(db: Kysely<Database>, actor: Actor, query: ServiceFilter) {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return null
  let base = db.selectFrom('services').innerJoin('organizations as o', 'o.id', 'services.organization_id')
  if (paths !== null) base = base.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  if (query.organizationId) {
    const scope = await findReadableOrganization(db, actor, query.organizationId)
    base = base.where('o.path', 'like', subtreePattern(scope.path))
  }
  if (query.q) {
    const q = query.q
    base = base.where((eb) => eb.or([containsText(eb.ref('services.name'), q), containsText(eb.ref('services.short_description'), q), containsText(eb.ref('services.slug'), q)]))
  }
  if (query.hispId) base = base.where('services.hisp_id', '=', query.hispId)
  if (query.kind) base = base.where('services.kind', '=', query.kind)
  if (query.state) base = base.where('services.state', '=', query.state)
  else base = base.where('services.state', '!=', 'archived')
  if (query.designated !== undefined) base = base.where('services.designated_for_improvement', '=', toFlag(query.designated))
  if (query.channel) {
    const channel = query.channel
    base = base.where('services.id', 'in', (eb) => eb.selectFrom('service_channels').select('service_id').where('channel', '=', channel))
  }
  return base
}

/** Services the actor may read, filtered; archived services appear only when asked for by state. */
export async function listServices(db: Kysely<Database>, actor: Actor, query: ServiceListQuery): Promise<{ items: ServiceView[]; total: number }> {
  const base = await filteredServices(db, actor, query)
  if (!base) return { items: [], total: 0 }
  const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await base.selectAll('services').orderBy('services.name').orderBy('services.id').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute()
  return { items: await loadViews(db, rows), total }
}

/** Every readable service matching the filter, for exports: keyset pages of 200, no count, bounded memory. */
export async function* iterateServices(db: Kysely<Database>, actor: Actor, query: ServiceFilter): AsyncGenerator<ServiceView> {
  const base = await filteredServices(db, actor, query)
  if (!base) return
  let after: { name: string; id: string } | null = null
  for (;;) {
    const cursor: { name: string; id: string } | null = after
    let page = base.selectAll('services').orderBy('services.name').orderBy('services.id').limit(200)
    if (cursor) page = page.where((eb) => eb(eb.refTuple('services.name', 'services.id'), '>', eb.tuple(cursor.name, cursor.id)))
    const rows = await page.execute()
    yield* await loadViews(db, rows)
    const last = rows[rows.length - 1]
    if (rows.length < 200 || !last) return
    after = { name: last.name, id: last.id }
  }
}

export interface DigitizationGap {
  readonly service: ServiceView
  readonly reasons: readonly ('wet_signature_without_digital_equivalent' | 'in_person_proofing_without_digital_equivalent' | 'no_digital_channel' | 'no_digital_form')[]
}

/** M-23-22 gaps (A-11 §280.4): paper-only steps with no digital equivalent, and services with no digital channel. */
export function digitizationGapsOf(service: ServiceView): DigitizationGap['reasons'] {
  const reasons: DigitizationGap['reasons'][number][] = []
  if (service.wetSignatureRequired && !service.digitalEquivalentExists) reasons.push('wet_signature_without_digital_equivalent')
  if (service.inPersonIdProofingRequired && !service.digitalEquivalentExists) reasons.push('in_person_proofing_without_digital_equivalent')
  if (!service.channels.some(isDigitalChannel)) reasons.push('no_digital_channel')
  if (!service.digitalFormAvailable) reasons.push('no_digital_form')
  return reasons
}

export async function digitizationGaps(db: Kysely<Database>, actor: Actor, organizationId?: string): Promise<DigitizationGap[]> {
  const gaps: DigitizationGap[] = []
  for await (const service of iterateServices(db, actor, { organizationId })) {
    const reasons = digitizationGapsOf(service)
    if (reasons.length > 0) gaps.push({ service, reasons })
  }
  return gaps
}
