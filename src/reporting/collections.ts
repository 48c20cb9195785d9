/**
 * Quarterly CX data collections (A-11 §280.14, reference §6): made per HISP × designated service × fiscal quarter
 * (on demand or by the quarter-start job), their details and scores derived from stored responses, volumes entered by
 * the HISP, the lifecycle (draft → submitted → published → archived; change requests; not reported) and OMB's
 * rating. Every change is audited and announced (webhook outbox and email outbox, in its transaction). Readers of the
 * service's organization see a collection; another organization's answers 404.
 */
import type { Kysely, Transaction } from 'kysely'
import { formatFiscalQuarter, type FiscalQuarter } from '../a11/fiscal-year.ts'
import { addTallies, emptyTally, scoreFigures, type ScoreFigures, type ScoreTally } from '../a11/scoring.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import {
  canCreateCollections, canEditService, canReadOrganization, canReviewCollections, canSubmitCollections, readablePaths,
} from '../auth/permissions.ts'
import type { CollectionDetailTable, Database } from '../db/schema.ts'
import { newId, nowIso, subtreePattern } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import { enqueueWebhookEvent } from '../notify/webhook-outbox.ts'
import { deriveDetails, quarterTallies, syncDetails, type DerivedDetail } from './collection-details.ts'
import { hispLeadEmails, ombEmails, queueCollectionEmail, type MailKind } from './collection-mail.ts'
import {
  collectionDueOn, COLLECTION_STATE_LABELS, detailResponseRate, effectiveOffered, nextCollectionState, OPEN_STATES, quarterHasStarted, RATING_SHORT,
  ratingProblem, transitionsFrom, TRANSITION_RULES, volumeProblems,
  type CollectionState, type CollectionTransition, type Rating,
} from './collection-model.ts'
import type { CollectionCreateInput, CollectionListQuery, CollectionRatingInput, CollectionTransitionInput, CollectionUpdateInput } from './collection-schema.ts'
import { clearCollectionFiles, freezeDetailFile } from './collection-files.ts'
import { parseTally, serializeTally } from './frozen-tally.ts'
import { combineHashes, hashOmbResponses } from './omb-response-file.ts'

type Db = Kysely<Database> | Transaction<Database>

/** What the domain needs from the running product: where links point, and how long a HISP has to submit. */
export interface ReportingContext {
  readonly publicUrl: string
  readonly deadlineDays: number
}

export interface CollectionSummary {
  readonly id: string
  readonly hispId: string
  readonly hispName: string
  readonly hispSlug: string
  readonly serviceId: string
  readonly serviceName: string
  readonly serviceSlug: string
  readonly organizationId: string
  readonly organizationName: string
  readonly organizationAbbreviation: string | null
  readonly fiscalYear: number
  readonly quarter: 1 | 2 | 3 | 4
  /** `FY2026 Q1`. */
  readonly label: string
  readonly state: CollectionState
  readonly dueOn: string
  readonly rating: Rating | null
  readonly ratingReason: string | null
  readonly ratedAt: string | null
  readonly reviewNote: string | null
  readonly integrityHash: string | null
  readonly submittedAt: string | null
  readonly publishedAt: string | null
  readonly detailCount: number
  readonly respondents: number
  readonly createdAt: string
  readonly updatedAt: string
}

/** A detail as derived from responses, with the volumes entered for it and its figures. */
export interface DetailView extends DerivedDetail {
  readonly id: string
  readonly volumeOfCustomers: number | null
  /** As the HISP entered it; null uses `recordedOffers`. */
  readonly volumeOffered: number | null
  /** Customers offered the survey: entered, else recorded; null when neither. */
  readonly offered: number | null
  readonly responseRate: number | null
  readonly dataHash: string | null
  readonly figures: ScoreFigures
  /** Field problems with the volumes as they stand (respondents ≤ offered ≤ customers; both needed to submit). */
  readonly problems: Readonly<Record<string, string>>
}

export interface CollectionAbilities {
  readonly editVolumes: boolean
  readonly submit: boolean
  readonly review: boolean
  /** Transitions this actor may make now. */
  readonly transitions: readonly CollectionTransition[]
  readonly rate: boolean
}

export interface CollectionView extends CollectionSummary {
  readonly reflection: string | null
  readonly details: readonly DetailView[]
  /** All details together. */
  readonly figures: ScoreFigures
  readonly abilities: CollectionAbilities
}

interface CollectionRow {
  id: string; hisp_id: string; service_id: string; organization_id: string; fiscal_year: number; quarter: number; state: string; due_on: string
  reflection: string | null; rating: string | null; rating_reason: string | null; rated_by: string | null; rated_at: string | null; review_note: string | null
  integrity_hash: string | null; submitted_by: string | null; submitted_at: string | null; published_at: string | null; created_at: string; updated_at: string
  service_name: string; service_slug: string; service_owner: string | null; organization_path: string; organization_name: string; organization_abbreviation: string | null
  current_organization_id: string; hisp_name: string; hisp_slug: string; hisp_organization_id: string | null; omb_portfolio_manager_email: string | null
}

const num = (value: unknown): number => Number(value ?? 0)
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value))
const quarterOf = (row: { fiscal_year: number; quarter: number }): FiscalQuarter => ({ fiscalYear: row.fiscal_year, quarter: row.quarter as 1 | 2 | 3 | 4 })

function baseCollections(db: Db) {
  return db.selectFrom('collections as c')
    .innerJoin('services as sv', 'sv.id', 'c.service_id')
    .innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .innerJoin('hisps as h', 'h.id', 'c.hisp_id')
    .selectAll('c')
    .select([
      'sv.name as service_name', 'sv.slug as service_slug', 'sv.owner_user_id as service_owner', 'o.id as current_organization_id', 'o.path as organization_path',
      'o.name as organization_name', 'o.abbreviation as organization_abbreviation', 'h.name as hisp_name', 'h.slug as hisp_slug',
      'h.organization_id as hisp_organization_id', 'h.omb_portfolio_manager_email',
    ])
}

function toSummary(row: CollectionRow, counts: { details: number; respondents: number }): CollectionSummary {
  const quarter = quarterOf(row)
  return {
    id: row.id, hispId: row.hisp_id, hispName: row.hisp_name, hispSlug: row.hisp_slug, serviceId: row.service_id, serviceName: row.service_name,
    serviceSlug: row.service_slug, organizationId: row.current_organization_id, organizationName: row.organization_name, organizationAbbreviation: row.organization_abbreviation,
    fiscalYear: row.fiscal_year, quarter: quarter.quarter, label: formatFiscalQuarter(quarter), state: row.state as CollectionState, dueOn: row.due_on,
    rating: row.rating as Rating | null, ratingReason: row.rating_reason, ratedAt: row.rated_at, reviewNote: row.review_note, integrityHash: row.integrity_hash,
    submittedAt: row.submitted_at, publishedAt: row.published_at, detailCount: counts.details, respondents: counts.respondents, createdAt: row.created_at, updatedAt: row.updated_at,
  }
}

async function detailCounts(db: Db, ids: readonly string[]): Promise<Map<string, { details: number; respondents: number }>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('collection_details').select('collection_id')
    .select((eb) => [eb.fn.countAll<number>().as('details'), eb.fn.sum<number>('respondents').as('respondents')])
    .where('collection_id', 'in', [...ids]).groupBy('collection_id').execute()
  return new Map(rows.map((r) => [r.collection_id, { details: num(r.details), respondents: num(r.respondents) }]))
}

/** A collection the actor may read (404 otherwise, so ids cannot be probed). */
async function loadReadable(db: Db, actor: Actor, id: string): Promise<CollectionRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Collection')
  const row = await baseCollections(db).where('c.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Collection')
  return row
}

function abilitiesOf(actor: Actor, row: CollectionRow): CollectionAbilities {
  const state = row.state as CollectionState
  const hisp = canSubmitCollections(actor, row.organization_path)
  const omb = canReviewCollections(actor)
  const mayBy = (t: CollectionTransition) => {
    const by = TRANSITION_RULES[t].by
    return by === 'hisp' ? hisp : by === 'omb' ? omb : hisp || omb
  }
  return {
    editVolumes: OPEN_STATES.has(state) && canEditService(actor, { organizationPath: row.organization_path, ownerUserId: row.service_owner }),
    submit: hisp, review: omb,
    transitions: transitionsFrom(state).filter(mayBy),
    rate: omb && (state === 'submitted' || state === 'change_requested' || state === 'not_reported'),
  }
}

function toDetailView(d: CollectionDetailTable, figures: ScoreFigures): DetailView {
  const volumes = { respondents: d.respondents, recordedOffers: num(d.recorded_offers), volumeOfCustomers: numOrNull(d.volume_of_customers), volumeOffered: numOrNull(d.volume_offered) }
  const problems = Object.fromEntries(Object.entries(volumeProblems(volumes, true)).map(([field, message]) => [`details.${d.id}.${field}`, message]))
  return {
    id: d.id, surveyId: d.survey_id, transactionPoint: d.transaction_point, channel: d.channel, serviceStageId: d.service_stage_id, serviceStageName: d.service_stage_name,
    surveyType: d.survey_type, surveyTitle: d.survey_title, ombControlNumber: d.omb_control_number, federalRegisterUrl: d.federal_register_url,
    trustQuestionText: d.trust_question_text, legacy: d.legacy === 1, volumeOfCustomers: volumes.volumeOfCustomers, volumeOffered: volumes.volumeOffered,
    recordedOffers: volumes.recordedOffers, offered: effectiveOffered(volumes), respondents: d.respondents, responseRate: detailResponseRate(volumes),
    dataHash: d.data_hash, figures, problems,
  }
}

/**
 * The tallies behind a collection's figures: an open collection's follow the responses; any other state's are the
 * ones frozen at submission (computed only when a detail has none, e.g. submitted before tallies were kept).
 */
async function talliesOf(db: Db, row: CollectionRow, details: readonly CollectionDetailTable[]): Promise<Map<string, ScoreTally>> {
  const frozen = !OPEN_STATES.has(row.state as CollectionState) && details.every((d) => d.tally !== null)
  if (!frozen) return quarterTallies(db, row.service_id, quarterOf(row))
  return new Map(details.map((d) => [d.survey_id, parseTally(d.tally as string)]))
}

async function loadView(db: Db, actor: Actor, row: CollectionRow): Promise<CollectionView> {
  const details = await db.selectFrom('collection_details').selectAll().where('collection_id', '=', row.id).orderBy('survey_title').orderBy('survey_id').execute()
  const tallies = await talliesOf(db, row, details)
  let overall = emptyTally()
  for (const d of details) overall = addTallies(overall, tallies.get(d.survey_id) ?? emptyTally())
  const views = details.map((d) => toDetailView(d, scoreFigures(tallies.get(d.survey_id) ?? emptyTally())))
  return {
    ...toSummary(row, { details: details.length, respondents: details.reduce((sum, d) => sum + d.respondents, 0) }),
    reflection: row.reflection, details: views, figures: scoreFigures(overall), abilities: abilitiesOf(actor, row),
  }
}

/**
 * One collection with its details, volumes, scores and what the actor may do. An open collection (draft, changes
 * requested) first re-derives its details from the responses.
 */
export async function getCollection(db: Kysely<Database>, actor: Actor, id: string): Promise<CollectionView> {
  const row = await loadReadable(db, actor, id)
  if (OPEN_STATES.has(row.state as CollectionState)) await db.transaction().execute((trx) => syncDetails(trx, row))
  return loadView(db, actor, row)
}

export interface CollectionPage {
  readonly items: readonly CollectionSummary[]
  readonly total: number
  readonly page: number
  readonly pageSize: number
}

function readableCollections(db: Db, actor: Actor) {
  const paths = readablePaths(actor)
  let query = baseCollections(db)
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  return { query, none: paths !== null && paths.length === 0 }
}

/** The collections the actor may read, newest quarter first, then by HISP and service. */
export async function listCollections(db: Kysely<Database>, actor: Actor, filter: CollectionListQuery): Promise<CollectionPage> {
  const page = filter.page ?? 1
  const pageSize = filter.pageSize ?? 50
  const readable = readableCollections(db, actor)
  if (readable.none) return { items: [], total: 0, page, pageSize }
  let query = readable.query
  if (filter.fiscalYear !== undefined) query = query.where('c.fiscal_year', '=', filter.fiscalYear)
  if (filter.quarter !== undefined) query = query.where('c.quarter', '=', filter.quarter)
  if (filter.hispId) query = query.where('c.hisp_id', '=', filter.hispId)
  if (filter.serviceId) query = query.where('c.service_id', '=', filter.serviceId)
  if (filter.state) query = query.where('c.state', '=', filter.state)
  const total = num((await query.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await query.orderBy('c.fiscal_year', 'desc').orderBy('c.quarter', 'desc').orderBy('h.name').orderBy('sv.name').orderBy('c.id')
    .limit(pageSize).offset((page - 1) * pageSize).execute()
  const counts = await detailCounts(db, rows.map((r) => r.id))
  return { items: rows.map((r) => toSummary(r, counts.get(r.id) ?? { details: 0, respondents: 0 })), total, page, pageSize }
}

/** Every readable collection of a quarter, for exports (no paging: at most one per designated service). */
export async function collectionsOfQuarter(db: Kysely<Database>, actor: Actor, quarter: FiscalQuarter): Promise<CollectionView[]> {
  const readable = readableCollections(db, actor)
  if (readable.none) return []
  const rows = await readable.query.where('c.fiscal_year', '=', quarter.fiscalYear).where('c.quarter', '=', quarter.quarter)
    .orderBy('h.name').orderBy('sv.name').orderBy('c.id').execute()
  const views: CollectionView[] = []
  for (const row of rows) {
    if (OPEN_STATES.has(row.state as CollectionState)) await db.transaction().execute((trx) => syncDetails(trx, row))
    views.push(await loadView(db, actor, row))
  }
  return views
}

/** Designated services with a HISP (the collections' subjects), optionally for one fiscal year's designation. */
function designatedServices(db: Db, fiscalYear: number) {
  return db.selectFrom('services as sv')
    .innerJoin('hisps as h', 'h.id', 'sv.hisp_id')
    .innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['sv.id', 'sv.name', 'sv.hisp_id', 'sv.organization_id', 'o.path as organization_path', 'h.name as hisp_name'])
    .where('sv.designated_for_improvement', '=', 1).where('sv.state', '!=', 'archived').where('h.active', '=', 1)
    .where((eb) => eb.or([eb('sv.year_designated', 'is', null), eb('sv.year_designated', '<=', fiscalYear)]))
}

export interface EnsureResult {
  readonly fiscalYear: number
  readonly quarter: number
  readonly created: number
  readonly existing: number
}

/**
 * Makes the quarter's missing collections: one per designated service of an active HISP (reviewers and
 * administrators: every one; an agency lead: those of their organizations), each with its details. Idempotent.
 * @example await ensureCollections(db, actor, { fiscalYear: 2026, quarter: 1 }, { deadlineDays: 30, publicUrl })
 */
export async function ensureCollections(db: Kysely<Database>, actor: Actor, input: CollectionCreateInput, context: Pick<ReportingContext, 'deadlineDays'>, now = new Date()): Promise<EnsureResult> {
  if (!canCreateCollections(actor)) throw new Forbidden('Your role cannot start collections.')
  const quarter: FiscalQuarter = { fiscalYear: input.fiscalYear, quarter: input.quarter as 1 | 2 | 3 | 4 }
  if (!quarterHasStarted(quarter, now)) throw new Invalid('Some fields need attention.', { quarter: `${formatFiscalQuarter(quarter)} has not started yet` })
  const services = (await designatedServices(db, quarter.fiscalYear).orderBy('sv.id').execute())
    .filter((s) => canReviewCollections(actor) || canSubmitCollections(actor, s.organization_path))
  if (services.length === 0) return { ...input, created: 0, existing: 0 }
  const existing = new Set((await db.selectFrom('collections').select('service_id')
    .where('fiscal_year', '=', quarter.fiscalYear).where('quarter', '=', quarter.quarter).where('service_id', 'in', services.map((s) => s.id)).execute()).map((r) => r.service_id))
  let created = 0
  for (const service of services.filter((s) => !existing.has(s.id))) {
    await db.transaction().execute(async (trx) => {
      const now = nowIso()
      const id = newId()
      const inserted = await trx.insertInto('collections').values({
        id, hisp_id: service.hisp_id as string, service_id: service.id, organization_id: service.organization_id, fiscal_year: quarter.fiscalYear, quarter: quarter.quarter,
        state: 'draft', due_on: collectionDueOn(quarter, context.deadlineDays), reflection: null, rating: null, rating_reason: null, rated_by: null, rated_at: null,
        review_note: null, integrity_hash: null, submitted_by: null, submitted_at: null, published_at: null, created_at: now, updated_at: now,
      }).onConflict((oc) => oc.columns(['service_id', 'fiscal_year', 'quarter']).doNothing()).returning('id').execute()
      if (inserted.length !== 1) return
      await syncDetails(trx, { id, service_id: service.id, fiscal_year: quarter.fiscalYear, quarter: quarter.quarter })
      await recordAudit(trx, actor, {
        action: 'collection.create', entityType: 'collection', entityId: id, organizationId: service.organization_id,
        after: { serviceId: service.id, hispId: service.hisp_id, fiscalYear: quarter.fiscalYear, quarter: quarter.quarter, state: 'draft', dueOn: collectionDueOn(quarter, context.deadlineDays) },
      })
      created++
    })
  }
  return { ...input, created, existing: services.length - created }
}

/** Volumes and the reflection, while the collection is open; by whoever may edit the service. */
export async function updateCollection(db: Kysely<Database>, actor: Actor, id: string, input: CollectionUpdateInput): Promise<CollectionView> {
  const row = await db.transaction().execute(async (trx) => {
    await updateCollectionIn(trx, actor, id, input)
    return loadReadable(trx, actor, id)
  })
  return loadView(db, actor, row)
}

/** `updateCollection`'s checks, writes and audit row inside the caller's transaction (the volumes CSV import). */
export async function updateCollectionIn(trx: Transaction<Database>, actor: Actor, id: string, input: CollectionUpdateInput): Promise<void> {
  const row = await loadReadable(trx, actor, id)
  if (!canEditService(actor, { organizationPath: row.organization_path, ownerUserId: row.service_owner })) throw new Forbidden('You cannot change this collection.')
  if (!OPEN_STATES.has(row.state as CollectionState)) throw new Conflict(`A ${COLLECTION_STATE_LABELS[row.state as CollectionState].toLowerCase()} collection cannot be changed.`)
  await syncDetails(trx, row)
  const details = await trx.selectFrom('collection_details').selectAll().where('collection_id', '=', id).execute()
  const fields: Record<string, string> = {}
  const changes: { id: string; before: object; after: object; set: { volume_of_customers?: number | null; volume_offered?: number | null } }[] = []
  for (const change of input.details ?? []) {
    const detail = details.find((d) => d.id === change.id)
    if (!detail) {
      fields[`details.${change.id}`] = 'is not a detail of this collection (its survey may have no responses left in the quarter)'
      continue
    }
    const volumes = {
      respondents: detail.respondents, recordedOffers: num(detail.recorded_offers),
      volumeOfCustomers: change.volumeOfCustomers !== undefined ? change.volumeOfCustomers : numOrNull(detail.volume_of_customers),
      volumeOffered: change.volumeOffered !== undefined ? change.volumeOffered : numOrNull(detail.volume_offered),
    }
    for (const [field, message] of Object.entries(volumeProblems(volumes, false))) fields[`details.${detail.id}.${field}`] = message
    changes.push({
      id: detail.id,
      before: { volumeOfCustomers: numOrNull(detail.volume_of_customers), volumeOffered: numOrNull(detail.volume_offered) },
      after: { volumeOfCustomers: volumes.volumeOfCustomers, volumeOffered: volumes.volumeOffered },
      set: { volume_of_customers: volumes.volumeOfCustomers, volume_offered: volumes.volumeOffered },
    })
  }
  if (Object.keys(fields).length > 0) throw new Invalid('Some volumes need attention.', fields)
  const now = nowIso()
  for (const change of changes) await trx.updateTable('collection_details').set({ ...change.set, updated_at: now }).where('id', '=', change.id).execute()
  const reflection = input.reflection === undefined ? row.reflection : input.reflection?.trim() || null
  await trx.updateTable('collections').set({ reflection, updated_at: now }).where('id', '=', id).execute()
  await recordAudit(trx, actor, {
    action: 'collection.update', entityType: 'collection', entityId: id, organizationId: row.current_organization_id,
    before: { reflection: row.reflection, details: changes.map((c) => ({ id: c.id, ...c.before })) },
    after: { reflection, details: changes.map((c) => ({ id: c.id, ...c.after })) },
  })
}

/** The stored and current hashes of the exported data, per detail and for the collection. */
export interface IntegrityReport {
  readonly stored: string | null
  readonly current: string
  /** Null before the collection was submitted (nothing to compare with). */
  readonly matches: boolean | null
  readonly details: ReadonlyArray<{ readonly detailId: string; readonly surveyId: string; readonly stored: string | null; readonly current: string; readonly rows: number; readonly matches: boolean | null }>
  /** Surveys that now have responses in the quarter but had none at submission. */
  readonly newSurveys: readonly string[]
}

async function computeIntegrity(db: Db, row: CollectionRow): Promise<IntegrityReport> {
  const quarter = quarterOf(row)
  const details = await db.selectFrom('collection_details').select(['id', 'survey_id', 'data_hash']).where('collection_id', '=', row.id).orderBy('survey_id').execute()
  const current = []
  for (const d of details) {
    const { hash, rows } = await hashOmbResponses(db, d.survey_id, quarter)
    current.push({ detailId: d.id, surveyId: d.survey_id, stored: d.data_hash, current: hash, rows, matches: d.data_hash === null ? null : d.data_hash === hash })
  }
  const derived = await deriveDetails(db, row.service_id, quarter)
  const newSurveys = derived.filter((d) => !details.some((s) => s.survey_id === d.surveyId)).map((d) => d.surveyId)
  const hash = combineHashes(current.map((c) => ({ surveyId: c.surveyId, hash: c.current })))
  const matches = row.integrity_hash === null ? null : row.integrity_hash === hash && newSurveys.length === 0
  return { stored: row.integrity_hash, current: hash, matches, details: current, newSurveys }
}

/** Whether the responses behind a submitted collection still match what was submitted (a reviewer's check). */
export async function collectionIntegrity(db: Kysely<Database>, actor: Actor, id: string): Promise<IntegrityReport> {
  return computeIntegrity(db, await loadReadable(db, actor, id))
}

function mayMake(actor: Actor, row: CollectionRow, transition: CollectionTransition): boolean {
  const by = TRANSITION_RULES[transition].by
  const hisp = canSubmitCollections(actor, row.organization_path)
  const omb = canReviewCollections(actor)
  return by === 'hisp' ? hisp : by === 'omb' ? omb : hisp || omb
}

/**
 * Moves a collection through its lifecycle. Submitting checks the volumes and stores the data's hash; publishing
 * needs a green rating and data unchanged since submission; asking for changes needs a note.
 */
export async function transitionCollection(db: Kysely<Database>, actor: Actor, id: string, input: CollectionTransitionInput, context: Pick<ReportingContext, 'publicUrl'>): Promise<CollectionView> {
  const transition = input.transition
  const rule = TRANSITION_RULES[transition]
  const note = input.note?.trim() || null
  const row = await db.transaction().execute(async (trx) => {
    const row = await loadReadable(trx, actor, id)
    if (!mayMake(actor, row, transition)) throw new Forbidden(rule.by === 'omb' ? 'Only an OMB reviewer can do this.' : 'Only a lead of the HISP\'s organization or an OMB reviewer can do this.')
    const from = row.state as CollectionState
    const to = nextCollectionState(from, transition)
    if (!to) throw new Conflict(`A ${COLLECTION_STATE_LABELS[from].toLowerCase()} collection cannot be moved with “${rule.label.toLowerCase()}”.`)
    const now = nowIso()
    const changes: Record<string, unknown> = { state: to, updated_at: now }
    if (transition === 'submit') Object.assign(changes, await prepareSubmission(trx, row, actor, now))
    if (transition === 'request_changes') {
      if (!note) throw new Invalid('Some fields need attention.', { note: 'is required: tell the HISP what to change' })
      changes.review_note = note
    }
    if (transition === 'mark_not_reported' && note) changes.review_note = note
    if (transition === 'publish') {
      if (row.rating !== 'green') throw new Conflict('Only a collection rated green can be published: rate it first.')
      const integrity = await computeIntegrity(trx, row)
      if (integrity.matches !== true) throw new Conflict('The responses changed after this collection was submitted; ask the HISP to resubmit (request changes) before publishing.')
      changes.published_at = now
    }
    // Only a change from the state this request read may win (two reviewers pressing at once).
    const updated = await trx.updateTable('collections').set(changes).where('id', '=', id).where('state', '=', from).executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) throw new Conflict('The collection changed meanwhile; reload it and try again.')
    const after = await loadReadable(trx, actor, id)
    await recordAudit(trx, actor, {
      action: `collection.${transition}`, entityType: 'collection', entityId: id, organizationId: row.current_organization_id,
      before: { state: from, rating: row.rating, integrityHash: row.integrity_hash },
      after: { state: to, ...(note ? { note } : {}), ...(transition === 'submit' ? { integrityHash: after.integrity_hash } : {}) },
    })
    await announce(trx, after, rule.event, { from, note }, context)
    return after
  })
  return loadView(db, actor, row)
}

/** Submission checks and the frozen data: details in line with the responses, volumes complete, hashes, tallies and response files stored. */
async function prepareSubmission(trx: Transaction<Database>, row: CollectionRow, actor: Actor, now: string): Promise<Record<string, unknown>> {
  await syncDetails(trx, row)
  const details = await trx.selectFrom('collection_details').selectAll().where('collection_id', '=', row.id).orderBy('survey_id').execute()
  if (details.length === 0) {
    throw new Conflict(`No A-11 survey collected responses for this service in ${formatFiscalQuarter(quarterOf(row))}; mark the collection not reported instead.`)
  }
  const fields: Record<string, string> = {}
  for (const d of details) {
    const problems = volumeProblems({ respondents: d.respondents, recordedOffers: num(d.recorded_offers), volumeOfCustomers: numOrNull(d.volume_of_customers), volumeOffered: numOrNull(d.volume_offered) }, true)
    for (const [field, message] of Object.entries(problems)) fields[`details.${d.id}.${field}`] = message
  }
  if (Object.keys(fields).length > 0) throw new Invalid('The collection is not ready to submit: complete the volumes.', fields)
  const hashes: { surveyId: string; hash: string }[] = []
  const tallies = await quarterTallies(trx, row.service_id, quarterOf(row))
  await clearCollectionFiles(trx, row.id)
  for (const d of details) {
    const { hash } = await freezeDetailFile(trx, { id: d.id, collectionId: row.id, surveyId: d.survey_id }, quarterOf(row), now)
    const tally = serializeTally(tallies.get(d.survey_id) ?? emptyTally())
    await trx.updateTable('collection_details').set({ data_hash: hash, tally, updated_at: now }).where('id', '=', d.id).execute()
    hashes.push({ surveyId: d.survey_id, hash })
  }
  // A resubmission is new data: the earlier rating no longer applies.
  return { integrity_hash: combineHashes(hashes), submitted_by: actor.userId, submitted_at: now, rating: null, rating_reason: null, rated_by: null, rated_at: null, review_note: null }
}

/** An OMB reviewer's green / yellow / red, with the reason the HISP reads. */
export async function rateCollection(db: Kysely<Database>, actor: Actor, id: string, input: CollectionRatingInput, context: Pick<ReportingContext, 'publicUrl'>): Promise<CollectionView> {
  const reason = input.reason.trim()
  if (!reason) throw new Invalid('Some fields need attention.', { reason: 'is required: say why' })
  const rating = input.rating as Rating
  const row = await db.transaction().execute(async (trx) => {
    const row = await loadReadable(trx, actor, id)
    if (!canReviewCollections(actor)) throw new Forbidden('Only an OMB reviewer can rate a collection.')
    const problem = ratingProblem(row.state as CollectionState, rating)
    if (problem) throw new Conflict(problem, { rating: problem })
    const now = nowIso()
    await trx.updateTable('collections').set({ rating, rating_reason: reason, rated_by: actor.userId, rated_at: now, updated_at: now }).where('id', '=', id).execute()
    await recordAudit(trx, actor, {
      action: 'collection.rate', entityType: 'collection', entityId: id, organizationId: row.current_organization_id,
      before: { rating: row.rating, reason: row.rating_reason }, after: { rating, reason },
    })
    const after = await loadReadable(trx, actor, id)
    await announce(trx, after, 'rated', { from: row.state as CollectionState, note: reason }, context)
    return after
  })
  return loadView(db, actor, row)
}

/** The webhook event and the email of a change, in its transaction. */
async function announce(trx: Transaction<Database>, row: CollectionRow, kind: Exclude<MailKind, 'reminder'>, change: { from: CollectionState; note: string | null }, context: Pick<ReportingContext, 'publicUrl'>): Promise<void> {
  const data = {
    collectionId: row.id, serviceId: row.service_id, hispId: row.hisp_id, fiscalYear: row.fiscal_year, quarter: row.quarter,
    from: change.from, state: row.state, rating: row.rating, ...(kind === 'rated' ? { reason: row.rating_reason } : {}),
  }
  await enqueueWebhookEvent(trx, row.organization_path, `collection.${kind}`, data)
  const label = `${formatFiscalQuarter(quarterOf(row))} collection for “${row.service_name}” (${row.hisp_name})`
  const link = `${context.publicUrl}/collections/${row.id}`
  const note = change.note ? `\n\n${kind === 'rated' ? 'Reason' : 'Note'}: ${change.note}` : ''
  const messages: Record<Exclude<MailKind, 'reminder'>, { subject: string; lead: string }> = {
    submitted: { subject: `Submitted to OMB: ${label}`, lead: `The ${label} was submitted to OMB and is ready for review.` },
    change_requested: { subject: `Changes requested: ${label}`, lead: `An OMB reviewer asked for changes to the ${label}. Correct it and submit it again by ${row.due_on}.` },
    published: { subject: `Published: ${label}`, lead: `OMB published the ${label}.` },
    archived: { subject: `Archived: ${label}`, lead: `OMB archived the ${label}.` },
    not_reported: { subject: `Not reported: ${label}`, lead: `The ${label} is marked not reported.` },
    rated: { subject: `Rated ${RATING_SHORT[row.rating as Rating] ?? ''}: ${label}`, lead: `An OMB reviewer rated the ${label} ${RATING_SHORT[row.rating as Rating]?.toLowerCase() ?? ''}.` },
  }
  const { subject, lead } = messages[kind]
  const scope = { servicePath: row.organization_path, hispOrganizationId: row.hisp_organization_id, serviceOwnerId: row.service_owner }
  // A submission goes to OMB (its reviewers and the HISP's portfolio manager) and, as a receipt, to the HISP's people.
  const hisp = await hispLeadEmails(trx, scope, true)
  const to = kind === 'submitted' ? [...new Set([...await ombEmails(trx, row.omb_portfolio_manager_email), ...hisp])] : hisp
  await queueCollectionEmail(trx, { collectionId: row.id, kind, to, subject, body: `${lead}${note}\n\nOpen the collection: ${link}\n` })
}

export interface BoardCell {
  readonly collectionId: string
  readonly state: CollectionState
  readonly rating: Rating | null
  readonly respondents: number
  readonly dueOn: string
}

export interface BoardRow {
  readonly serviceId: string
  readonly serviceName: string
  readonly hispId: string
  readonly hispName: string
  readonly organizationName: string
  /** Quarters 1–4 of the fiscal year; null where no collection exists. */
  readonly quarters: readonly [BoardCell | null, BoardCell | null, BoardCell | null, BoardCell | null]
}

/**
 * The reviewer's board: every HISP × designated service × quarter of a fiscal year with its state and rating (and
 * services no longer designated that have a collection that year). Filtered to what the actor may read.
 */
export async function collectionBoard(db: Kysely<Database>, actor: Actor, fiscalYear: number): Promise<BoardRow[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  const readable = (path: string) => paths === null || paths.some((p) => path.startsWith(p))
  const [services, collections] = await Promise.all([
    designatedServices(db, fiscalYear).select(['o.name as organization_name']).execute(),
    baseCollections(db).where('c.fiscal_year', '=', fiscalYear).execute(),
  ])
  const counts = await detailCounts(db, collections.filter((c) => readable(c.organization_path)).map((c) => c.id))
  const rows = new Map<string, { serviceId: string; serviceName: string; hispId: string; hispName: string; organizationName: string; quarters: (BoardCell | null)[] }>()
  for (const s of services) {
    if (!readable(s.organization_path)) continue
    rows.set(s.id, { serviceId: s.id, serviceName: s.name, hispId: s.hisp_id as string, hispName: s.hisp_name, organizationName: s.organization_name, quarters: [null, null, null, null] })
  }
  for (const c of collections) {
    if (!readable(c.organization_path)) continue
    let entry = rows.get(c.service_id)
    if (!entry) {
      entry = { serviceId: c.service_id, serviceName: c.service_name, hispId: c.hisp_id, hispName: c.hisp_name, organizationName: c.organization_name, quarters: [null, null, null, null] }
      rows.set(c.service_id, entry)
    }
    entry.quarters[c.quarter - 1] = { collectionId: c.id, state: c.state as CollectionState, rating: c.rating as Rating | null, respondents: counts.get(c.id)?.respondents ?? 0, dueOn: c.due_on }
  }
  return [...rows.values()]
    .sort((a, b) => a.hispName.localeCompare(b.hispName) || a.serviceName.localeCompare(b.serviceName) || a.serviceId.localeCompare(b.serviceId))
    .map((r) => ({ ...r, quarters: [r.quarters[0] ?? null, r.quarters[1] ?? null, r.quarters[2] ?? null, r.quarters[3] ?? null] as const }))
}

/** One detail of a readable collection (for its response file): 404 unless both exist and belong together. */
export async function readableDetail(db: Kysely<Database>, actor: Actor, id: string, detailId: string): Promise<{ collection: CollectionSummary; detail: { id: string; surveyId: string; surveyTitle: string } }> {
  const row = await loadReadable(db, actor, id)
  const detail = /^[0-9a-f-]{36}$/i.test(detailId)
    ? await db.selectFrom('collection_details').select(['id', 'survey_id', 'survey_title']).where('id', '=', detailId).where('collection_id', '=', id).executeTakeFirst()
    : undefined
  if (!detail) throw new NotFound('Collection detail')
  const counts = await detailCounts(db, [id])
  return { collection: toSummary(row, counts.get(id) ?? { details: 0, respondents: 0 }), detail: { id: detail.id, surveyId: detail.survey_id, surveyTitle: detail.survey_title } }
}
