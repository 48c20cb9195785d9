/**
 * Journeys (A-11 §280.5): "the user count on digital channels who begin and end a customer journey … where and how
 * many users drop off", with monitoring that reflects "user flows that are optimized, deprecated, or replaced".
 *
 * A journey belongs to a service; the service's organization governs it (its readers read, `canManageSites` manages;
 * another organization's journey answers 404). It is measured on sites of that organization's lineage. Its
 * definition lives in versions: ordered steps and a conversion window. Changing either writes a new version and
 * the previous one becomes `replaced` by it, so at most one version (the latest) is active or deprecated and every
 * result names the version it measured. Every change is audited in its own transaction.
 */
import { stringify } from 'csv-stringify/sync'
import { sql, type Kysely, type Transaction } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageSites, canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database, JourneyVersionTable } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { newId, nowIso, subtreePattern } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import type { FunnelResult, TimeRange } from '../events/event-store.ts'
import type { Runtime } from '../runtime.ts'
import { parsePeriod } from './period.ts'
import {
  DEFAULT_WINDOW_SECONDS, MAX_JOURNEY_STEPS, MIN_JOURNEY_STEPS, type FunnelInput, type JourneyCreateInput, type JourneyState,
  stepTarget, toFunnelStep, type JourneyStateInput, type JourneyStep, type JourneyUpdateInput, type StepInput,
} from './journey-schema.ts'
import { trustByStep, type TrustByStep } from './journey-feedback.ts'

type Db = Kysely<Database> | Transaction<Database>

const DAY_MS = 86_400_000

// ─── Steps ─────────────────────────────────────────────────────────────────────────────────────────────────────

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F]/

/**
 * Checks and normalizes steps: 2 to 20 of them; a page pattern is a path starting with `/` (no spaces, query or
 * fragment; `*` matches any run of characters); an action name is the declared key action. Labels default to the
 * pattern or name. Throws Invalid naming each bad field (`steps.3.pattern`).
 */
export function checkSteps(raw: readonly StepInput[]): JourneyStep[] {
  const errors: Record<string, string> = {}
  if (raw.length < MIN_JOURNEY_STEPS || raw.length > MAX_JOURNEY_STEPS) errors.steps = `must have ${MIN_JOURNEY_STEPS} to ${MAX_JOURNEY_STEPS} steps (it has ${raw.length})`
  const steps = raw.map((input, index): JourneyStep => {
    const label = (input.label ?? '').trim()
    if (CONTROLS.test(label)) errors[`steps.${index}.label`] = 'must not contain control characters'
    if (input.kind === 'page') {
      const pattern = (input.pattern ?? '').trim()
      if (pattern === '') errors[`steps.${index}.pattern`] = 'is required for a page step, such as /apply/*'
      else if (!pattern.startsWith('/')) errors[`steps.${index}.pattern`] = 'must be a path starting with /, such as /apply/* (no https:// or host name)'
      else if (/[\s?#]/.test(pattern) || CONTROLS.test(pattern)) errors[`steps.${index}.pattern`] = 'must be a path without spaces, query string (?…) or fragment (#…)'
      return { kind: 'page', pattern, label: label || pattern }
    }
    const name = (input.name ?? '').trim()
    if (name === '') errors[`steps.${index}.name`] = 'is required for an action step, such as apply_start'
    else if (CONTROLS.test(name)) errors[`steps.${index}.name`] = 'must not contain control characters'
    return { kind: 'action', name, label: label || name }
  })
  if (Object.keys(errors).length > 0) throw new Invalid('Some fields need attention.', errors)
  return steps
}

// ─── Version states ────────────────────────────────────────────────────────────────────────────────────────────

export type VersionAction = 'deprecate' | 'reactivate' | 'replace_by_journey' | 'new_version'

const TRANSITIONS: Readonly<Record<VersionAction, { readonly from: readonly JourneyState[]; readonly to: JourneyState }>> = {
  deprecate: { from: ['active'], to: 'deprecated' },
  reactivate: { from: ['deprecated'], to: 'active' },
  replace_by_journey: { from: ['active', 'deprecated'], to: 'replaced' },
  new_version: { from: ['active', 'deprecated'], to: 'replaced' },
}

/** The state the latest version moves to, or null when the action is not allowed from `state`. */
export function nextVersionState(state: JourneyState, action: VersionAction): JourneyState | null {
  const rule = TRANSITIONS[action]
  return rule.from.includes(state) ? rule.to : null
}

// ─── Views ─────────────────────────────────────────────────────────────────────────────────────────────────────

export type ReplacedBy = { readonly kind: 'version'; readonly version: number } | { readonly kind: 'journey'; readonly id: string; readonly name: string }

export interface JourneyVersionView {
  readonly id: string
  readonly version: number
  readonly steps: readonly JourneyStep[]
  readonly windowSeconds: number
  readonly state: JourneyState
  readonly replacedBy: ReplacedBy | null
  readonly note: string | null
  readonly createdAt: string
  /** When it stopped being active (deprecated or replaced); null while active. */
  readonly retiredAt: string | null
}

export interface JourneySiteLink { readonly id: string; readonly name: string; readonly domain: string; readonly state: string }

export interface JourneyView {
  readonly id: string
  readonly serviceId: string
  readonly serviceName: string
  readonly organizationId: string
  readonly organizationName: string
  readonly organizationPath: string
  readonly name: string
  readonly description: string | null
  readonly sites: readonly JourneySiteLink[]
  /** The latest version, the one dashboards show by default. */
  readonly current: JourneyVersionView
  readonly state: JourneyState
  readonly createdAt: string
  readonly updatedAt: string
}

export interface JourneyDetail extends JourneyView {
  /** Newest first. */
  readonly versions: readonly JourneyVersionView[]
}

interface JourneyRow {
  id: string; service_id: string; name: string; description: string | null; current_version_id: string; created_at: string; updated_at: string
  service_name: string; organization_id: string; organization_name: string; organization_path: string
}

function baseJourneys(db: Db) {
  return db.selectFrom('journeys as j').innerJoin('services as sv', 'sv.id', 'j.service_id').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['j.id', 'j.service_id', 'j.name', 'j.description', 'j.current_version_id', 'j.created_at', 'j.updated_at',
      'sv.name as service_name', 'o.id as organization_id', 'o.name as organization_name', 'o.path as organization_path'])
}

async function versionViews(db: Db, rows: readonly JourneyVersionTable[]): Promise<JourneyVersionView[]> {
  const journeyIds = [...new Set(rows.map((r) => r.replaced_by_journey_id).filter((id): id is string => id !== null))]
  const versionIds = [...new Set(rows.map((r) => r.replaced_by_version_id).filter((id): id is string => id !== null))]
  const [journeys, versions] = await Promise.all([
    journeyIds.length > 0 ? db.selectFrom('journeys').select(['id', 'name']).where('id', 'in', journeyIds).execute() : [],
    versionIds.length > 0 ? db.selectFrom('journey_versions').select(['id', 'version']).where('id', 'in', versionIds).execute() : [],
  ])
  const journeyName = new Map(journeys.map((j) => [j.id, j.name]))
  const versionNumber = new Map(versions.map((v) => [v.id, Number(v.version)]))
  return rows.map((row) => {
    const replacedBy: ReplacedBy | null = row.replaced_by_journey_id
      ? { kind: 'journey', id: row.replaced_by_journey_id, name: journeyName.get(row.replaced_by_journey_id) ?? '' }
      : row.replaced_by_version_id ? { kind: 'version', version: versionNumber.get(row.replaced_by_version_id) ?? 0 } : null
    return {
      id: row.id, version: Number(row.version), steps: JSON.parse(row.steps) as JourneyStep[], windowSeconds: Number(row.window_seconds),
      state: row.state as JourneyState, replacedBy, note: row.note, createdAt: row.created_at, retiredAt: row.retired_at,
    }
  })
}

async function sitesOf(db: Db, journeyIds: readonly string[]): Promise<Map<string, JourneySiteLink[]>> {
  const links = new Map<string, JourneySiteLink[]>()
  if (journeyIds.length === 0) return links
  const rows = await db.selectFrom('journey_sites as js').innerJoin('sites as s', 's.id', 'js.site_id')
    .select(['js.journey_id', 's.id', 's.name', 's.domain', 's.state']).where('js.journey_id', 'in', [...journeyIds]).orderBy('s.name').orderBy('s.id').execute()
  for (const row of rows) {
    const list = links.get(row.journey_id) ?? []
    list.push({ id: row.id, name: row.name, domain: row.domain, state: row.state })
    links.set(row.journey_id, list)
  }
  return links
}

async function toViews(db: Db, rows: readonly JourneyRow[]): Promise<JourneyView[]> {
  if (rows.length === 0) return []
  const [sites, currentRows] = await Promise.all([
    sitesOf(db, rows.map((r) => r.id)),
    db.selectFrom('journey_versions').selectAll().where('id', 'in', rows.map((r) => r.current_version_id)).execute(),
  ])
  const current = new Map((await versionViews(db, currentRows)).map((v) => [v.id, v]))
  return rows.map((row) => {
    const version = current.get(row.current_version_id) as JourneyVersionView
    return {
      id: row.id, serviceId: row.service_id, serviceName: row.service_name, organizationId: row.organization_id, organizationName: row.organization_name,
      organizationPath: row.organization_path, name: row.name, description: row.description, sites: sites.get(row.id) ?? [], current: version, state: version.state,
      createdAt: row.created_at, updatedAt: row.updated_at,
    }
  })
}

async function loadDetail(db: Db, row: JourneyRow): Promise<JourneyDetail> {
  const [view] = await toViews(db, [row])
  const versions = await versionViews(db, await db.selectFrom('journey_versions').selectAll().where('journey_id', '=', row.id).orderBy('version', 'desc').execute())
  return { ...(view as JourneyView), versions }
}

/** A journey the actor may read; another organization's journey (or a malformed id) answers 404. */
async function loadReadable(db: Db, actor: Actor, id: string): Promise<JourneyRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Journey')
  const row = await baseJourneys(db).where('j.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Journey')
  return row
}

async function loadManaged(db: Db, actor: Actor, id: string): Promise<JourneyRow> {
  const row = await loadReadable(db, actor, id)
  if (!canManageSites(actor, row.organization_path)) throw new Forbidden('Your role does not allow managing this organization’s journeys.')
  return row
}

export const journeyAbilities = (actor: Actor, journey: Pick<JourneyView, 'organizationPath'>): { manage: boolean } => ({ manage: canManageSites(actor, journey.organizationPath) })

// ─── Writes ────────────────────────────────────────────────────────────────────────────────────────────────────

const sameLineage = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a)

/**
 * Sites a journey may be measured on: sites the actor can read, of the service's organization, an office beneath it
 * or an organization above it (a department often runs the site its bureaus' services live on). A site newly added
 * must be active.
 */
async function checkSites(db: Db, actor: Actor, organizationPath: string, siteIds: readonly string[], alreadyLinked: readonly string[] = []): Promise<void> {
  if (siteIds.length === 0) throw new Invalid('Some fields need attention.', { siteIds: 'choose at least one site the journey is measured on' })
  const rows = await db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.state', 'o.path']).where('s.id', 'in', [...siteIds]).execute()
  const usable = rows.filter((r) => canReadOrganization(actor, r.path) && sameLineage(r.path, organizationPath))
  if (usable.length !== siteIds.length) throw new Invalid('Some fields need attention.', { siteIds: 'must be sites of the service’s organization (or the organizations above or beneath it)' })
  if (usable.some((r) => r.state !== 'active' && !alreadyLinked.includes(r.id))) throw new Invalid('Some fields need attention.', { siteIds: 'must not add an archived site' })
}

async function assertNameFree(db: Db, serviceId: string, name: string, exceptId: string | null): Promise<void> {
  const clash = await db.selectFrom('journeys').select('id').where('service_id', '=', serviceId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase())).executeTakeFirst()
  if (clash && clash.id !== exceptId) throw new Conflict('This service already has a journey with that name.', { name: 'is already used by another journey of this service' })
}

function checkName(raw: string): string {
  const name = raw.trim()
  if (name === '') throw new Invalid('Some fields need attention.', { name: 'must not be empty' })
  return name
}

async function replaceSites(trx: Transaction<Database>, journeyId: string, siteIds: readonly string[]): Promise<void> {
  await trx.deleteFrom('journey_sites').where('journey_id', '=', journeyId).execute()
  await trx.insertInto('journey_sites').values(siteIds.map((siteId) => ({ journey_id: journeyId, site_id: siteId }))).execute()
}

const optionalText = (raw: string | undefined): string | null => {
  const text = (raw ?? '').trim()
  return text === '' ? null : text
}

/**
 * Defines a journey with its first, active version.
 * @example createJourney(db, actor, { serviceId, name: 'Apply online', siteIds: [siteId], steps: [{ kind: 'page', pattern: '/apply' }, { kind: 'page', pattern: '/apply/done' }] })
 */
export async function createJourney(db: Kysely<Database>, actor: Actor, input: JourneyCreateInput): Promise<JourneyDetail> {
  const steps = checkSteps(input.steps)
  const name = checkName(input.name)
  return db.transaction().execute(async (trx) => {
    const service = await trx.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
      .select(['sv.id', 'sv.state', 'o.id as organization_id', 'o.path']).where('sv.id', '=', input.serviceId).executeTakeFirst()
    if (!service || !canReadOrganization(actor, service.path)) throw new Invalid('Some fields need attention.', { serviceId: 'is not a service you can see' })
    if (!canManageSites(actor, service.path)) throw new Forbidden('Your role does not allow managing this organization’s journeys.')
    if (service.state === 'archived') throw new Invalid('Some fields need attention.', { serviceId: 'is archived; restore it before adding journeys' })
    await assertNameFree(trx, service.id, name, null)
    await checkSites(trx, actor, service.path, input.siteIds)
    const now = nowIso()
    const id = newId()
    const versionId = newId()
    await trx.insertInto('journeys').values({
      id, service_id: service.id, name, description: optionalText(input.description), current_version_id: versionId, created_by: actor.userId, created_at: now, updated_at: now,
    }).execute()
    await trx.insertInto('journey_versions').values({
      id: versionId, journey_id: id, version: 1, steps: JSON.stringify(steps), window_seconds: input.windowSeconds ?? DEFAULT_WINDOW_SECONDS, state: 'active',
      replaced_by_version_id: null, replaced_by_journey_id: null, note: null, created_by: actor.userId, created_at: now, retired_at: null,
    }).execute()
    await replaceSites(trx, id, input.siteIds)
    const detail = await loadDetail(trx, await loadReadable(trx, actor, id))
    await recordAudit(trx, actor, { action: 'journey.create', entityType: 'journey', entityId: id, organizationId: service.organization_id, after: auditShape(detail) })
    return detail
  })
}

/** What the audit log keeps of a journey: its definition, not its display joins. */
const auditShape = (journey: JourneyView) => ({
  name: journey.name, description: journey.description, serviceId: journey.serviceId, siteIds: journey.sites.map((s) => s.id),
  version: journey.current.version, state: journey.current.state, steps: journey.current.steps, windowSeconds: journey.current.windowSeconds,
})

/**
 * Rewrites the journey's row unchanged before reading it: on PostgreSQL that takes the row lock, so concurrent changes
 * of one journey run one after the other and each reads the other's committed version (SQLite runs one at a time).
 */
async function lockJourney(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.updateTable('journeys').set({ updated_at: sql<string>`updated_at` }).where('id', '=', id).execute()
}

const definitionOf = (steps: readonly JourneyStep[], windowSeconds: number): string => JSON.stringify({ steps, windowSeconds })

/**
 * Changes a journey. Name, description and sites change in place; new steps or a new window write a new active
 * version, and the previous one becomes replaced by it (a journey replaced by another journey cannot get new steps).
 */
export async function updateJourney(db: Kysely<Database>, actor: Actor, id: string, input: JourneyUpdateInput): Promise<JourneyDetail> {
  const steps = input.steps !== undefined ? checkSteps(input.steps) : undefined
  const name = input.name !== undefined ? checkName(input.name) : undefined
  return db.transaction().execute(async (trx) => {
    await lockJourney(trx, id)
    const row = await loadManaged(trx, actor, id)
    const before = await loadDetail(trx, row)
    const current = before.current
    const changes: { name?: string; description?: string | null } = {}
    if (name !== undefined && name !== row.name) {
      await assertNameFree(trx, row.service_id, name, id)
      changes.name = name
    }
    if (input.description !== undefined && optionalText(input.description) !== row.description) changes.description = optionalText(input.description)
    const sitesChanged = input.siteIds !== undefined && [...input.siteIds].sort().join() !== before.sites.map((s) => s.id).sort().join()
    if (sitesChanged && input.siteIds) await checkSites(trx, actor, row.organization_path, input.siteIds, before.sites.map((s) => s.id))
    const nextSteps = steps ?? current.steps
    const nextWindow = input.windowSeconds ?? current.windowSeconds
    const redefined = definitionOf(nextSteps, nextWindow) !== definitionOf(current.steps, current.windowSeconds)
    if (redefined && nextVersionState(current.state, 'new_version') === null) {
      throw new Conflict('This journey was replaced by another journey; change that journey instead.', { steps: 'cannot change: the journey was replaced' })
    }
    if (Object.keys(changes).length === 0 && !sitesChanged && !redefined) return before
    const now = nowIso()
    await trx.updateTable('journeys').set({ ...changes, updated_at: now }).where('id', '=', id).execute()
    if (sitesChanged && input.siteIds) await replaceSites(trx, id, input.siteIds)
    if (redefined) {
      const versionId = newId()
      await trx.updateTable('journey_versions').set({ state: 'replaced', replaced_by_version_id: versionId, retired_at: current.retiredAt ?? now }).where('id', '=', current.id).execute()
      await trx.insertInto('journey_versions').values({
        id: versionId, journey_id: id, version: current.version + 1, steps: JSON.stringify(nextSteps), window_seconds: nextWindow, state: 'active',
        replaced_by_version_id: null, replaced_by_journey_id: null, note: optionalText(input.note), created_by: actor.userId, created_at: now, retired_at: null,
      }).execute()
      await trx.updateTable('journeys').set({ current_version_id: versionId }).where('id', '=', id).execute()
    }
    const after = await loadDetail(trx, await loadReadable(trx, actor, id))
    await recordAudit(trx, actor, {
      action: redefined ? 'journey.new_version' : 'journey.update', entityType: 'journey', entityId: id, organizationId: row.organization_id,
      before: auditShape(before), after: auditShape(after),
    })
    return after
  })
}

/**
 * Deprecates the current version (the flow is retired), makes a deprecated one active again, or marks the journey
 * replaced by another journey the actor also manages. Asking for the state it already has changes nothing.
 */
export async function setJourneyState(db: Kysely<Database>, actor: Actor, id: string, input: JourneyStateInput): Promise<JourneyDetail> {
  return db.transaction().execute(async (trx) => {
    await lockJourney(trx, id)
    const row = await loadManaged(trx, actor, id)
    const before = await loadDetail(trx, row)
    const current = before.current
    const action: VersionAction = input.state === 'deprecated' ? 'deprecate' : input.state === 'active' ? 'reactivate' : 'replace_by_journey'
    let replacedBy: string | null = null
    if (input.state === 'replaced') {
      replacedBy = input.replacedByJourneyId ?? null
      if (!replacedBy) throw new Invalid('Some fields need attention.', { replacedByJourneyId: 'is required: the journey that replaced this one' })
      if (replacedBy === id) throw new Invalid('Some fields need attention.', { replacedByJourneyId: 'must be another journey' })
      const successor = await baseJourneys(trx).where('j.id', '=', replacedBy).executeTakeFirst()
      if (!successor || !canManageSites(actor, successor.organization_path)) throw new Invalid('Some fields need attention.', { replacedByJourneyId: 'is not a journey you manage' })
      const successorState = await trx.selectFrom('journey_versions').select('state').where('id', '=', successor.current_version_id).executeTakeFirstOrThrow()
      if (successorState.state === 'replaced') throw new Invalid('Some fields need attention.', { replacedByJourneyId: 'has itself been replaced; name the journey that is in use' })
    }
    const unchanged = current.state === input.state && (input.state !== 'replaced' || (current.replacedBy?.kind === 'journey' && current.replacedBy.id === replacedBy))
    if (unchanged) return before
    if (nextVersionState(current.state, action) === null) {
      throw new Conflict(current.state === 'replaced' ? 'This journey was replaced; its state can no longer change.' : `A ${current.state} journey cannot become ${input.state}.`)
    }
    const now = nowIso()
    await trx.updateTable('journeys').set({ updated_at: now }).where('id', '=', id).execute()
    await trx.updateTable('journey_versions').set({
      state: input.state, replaced_by_journey_id: replacedBy, retired_at: input.state === 'active' ? null : now,
      ...(input.note !== undefined ? { note: optionalText(input.note) } : {}),
    }).where('id', '=', current.id).execute()
    const after = await loadDetail(trx, row)
    await recordAudit(trx, actor, {
      action: `journey.${action === 'replace_by_journey' ? 'replace' : action}`, entityType: 'journey', entityId: id, organizationId: row.organization_id,
      before: { version: current.version, state: current.state }, after: { version: current.version, state: input.state, replacedByJourneyId: replacedBy },
    })
    return after
  })
}

// ─── Reads ─────────────────────────────────────────────────────────────────────────────────────────────────────

export async function getJourney(db: Kysely<Database>, actor: Actor, id: string): Promise<JourneyDetail> {
  return loadDetail(db, await loadReadable(db, actor, id))
}

export interface JourneyListOptions {
  readonly serviceId?: string | undefined
  readonly siteId?: string | undefined
  readonly organizationId?: string | undefined
  readonly state?: JourneyState | undefined
  readonly q?: string | undefined
  readonly page: number
  readonly pageSize: number
}

/** Journeys of services in organizations the actor may read, by service then name. */
export async function listJourneys(db: Kysely<Database>, actor: Actor, options: JourneyListOptions): Promise<{ items: JourneyView[]; total: number }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], total: 0 }
  let query = db.selectFrom('journeys as j').innerJoin('services as sv', 'sv.id', 'j.service_id').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .innerJoin('journey_versions as cv', 'cv.id', 'j.current_version_id')
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  if (options.serviceId) query = query.where('j.service_id', '=', options.serviceId)
  if (options.siteId) {
    const siteId = options.siteId
    query = query.where('j.id', 'in', (eb) => eb.selectFrom('journey_sites').select('journey_id').where('site_id', '=', siteId))
  }
  if (options.organizationId) {
    const organization = await db.selectFrom('organizations').select('path').where('id', '=', options.organizationId).executeTakeFirst()
    if (!organization) return { items: [], total: 0 }
    query = query.where('o.path', 'like', subtreePattern(organization.path))
  }
  if (options.state) query = query.where('cv.state', '=', options.state)
  if (options.q) {
    const q = options.q
    query = query.where((eb) => eb.or([containsText(eb.ref('j.name'), q), containsText(eb.ref('sv.name'), q)]))
  }
  const total = Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await query.select(['j.id', 'j.service_id', 'j.name', 'j.description', 'j.current_version_id', 'j.created_at', 'j.updated_at',
    'sv.name as service_name', 'o.id as organization_id', 'o.name as organization_name', 'o.path as organization_path'])
    .orderBy('sv.name').orderBy('j.name').orderBy('j.id').limit(options.pageSize).offset((options.page - 1) * options.pageSize).execute()
  return { items: await toViews(db, rows), total }
}

/** Services (not archived) the actor may define journeys for, for the form's picker. */
export async function manageableServices(db: Kysely<Database>, actor: Actor): Promise<{ id: string; name: string; organizationName: string }[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  let query = db.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['sv.id', 'sv.name', 'o.name as organization_name', 'o.path']).where('sv.state', '!=', 'archived')
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  const rows = await query.orderBy('sv.name').orderBy('sv.id').limit(2000).execute()
  return rows.filter((r) => canManageSites(actor, r.path)).map((r) => ({ id: r.id, name: r.name, organizationName: r.organization_name }))
}

/** Active sites the actor reads that a journey of an organization at `organizationPath` (or any, when null) may use. */
export async function linkableSites(db: Kysely<Database>, actor: Actor, organizationPath: string | null): Promise<JourneySiteLink[]> {
  const rows = await db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.name', 's.domain', 's.state', 'o.path', 'o.name as organization_name']).where('s.state', '=', 'active')
    .orderBy('s.name').orderBy('s.id').limit(2000).execute()
  return rows.filter((r) => canReadOrganization(actor, r.path) && (organizationPath === null || sameLineage(r.path, organizationPath)))
    .map((r) => ({ id: r.id, name: organizationPath === null ? `${r.name} (${r.organization_name})` : r.name, domain: r.domain, state: r.state }))
}

/** Journeys the actor manages that could replace `exceptId` (for the "replaced by" picker). */
export async function replacementCandidates(db: Kysely<Database>, actor: Actor, exceptId: string): Promise<{ id: string; name: string; serviceName: string }[]> {
  const { items } = await listJourneys(db, actor, { page: 1, pageSize: 500 })
  return items.filter((j) => j.id !== exceptId && j.state !== 'replaced' && canManageSites(actor, j.organizationPath))
    .map((j) => ({ id: j.id, name: j.name, serviceName: j.serviceName }))
}

// ─── Results ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface StepResult {
  /** 0-based. */
  readonly index: number
  readonly label: string
  readonly kind: JourneyStep['kind']
  readonly target: string
  readonly visitors: number
  /** Visitors at this step ÷ visitors who began; null when nobody began. */
  readonly shareOfBegan: number | null
  readonly droppedOff: number
  /** Dropped off here ÷ visitors at this step; null when nobody reached it (and for the last step). */
  readonly dropOffRate: number | null
  readonly medianSecondsFromPrevious: number | null
}

export interface FunnelReport {
  readonly siteIds: readonly string[]
  readonly from: string
  readonly to: string
  readonly windowSeconds: number
  readonly began: number
  readonly ended: number
  /** ended ÷ began; null when nobody began. */
  readonly completionRate: number | null
  readonly steps: readonly StepResult[]
}

export interface JourneyResults extends FunnelReport {
  readonly journey: { readonly id: string; readonly name: string; readonly serviceId: string; readonly serviceName: string }
  readonly version: JourneyVersionView
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null)

function report(steps: readonly JourneyStep[], siteIds: readonly string[], range: TimeRange, windowSeconds: number, result: FunnelResult): FunnelReport {
  return {
    siteIds, from: range.from.toISOString(), to: range.to.toISOString(), windowSeconds, began: result.began, ended: result.ended,
    completionRate: ratio(result.ended, result.began),
    steps: steps.map((step, index) => {
      const found = result.steps[index]
      const visitors = found?.visitors ?? 0
      const droppedOff = found?.droppedOff ?? 0
      return {
        index, label: step.label, kind: step.kind, target: stepTarget(step), visitors, shareOfBegan: ratio(visitors, result.began), droppedOff,
        dropOffRate: index === steps.length - 1 ? null : ratio(droppedOff, visitors), medianSecondsFromPrevious: found?.medianSecondsFromPrevious ?? null,
      }
    }),
  }
}

async function funnelReport(runtime: Runtime, steps: readonly JourneyStep[], siteIds: readonly string[], range: TimeRange, windowSeconds: number): Promise<FunnelReport> {
  const result = await runtime.events.funnel({ siteIds, range, steps: steps.map(toFunnelStep), windowSeconds })
  return report(steps, siteIds, range, windowSeconds, result)
}

function pickVersion(journey: JourneyDetail, version: number | undefined): JourneyVersionView {
  if (version === undefined) return journey.current
  const found = journey.versions.find((v) => v.version === version)
  if (!found) throw new NotFound(`Version ${version} of this journey`)
  return found
}

export interface JourneyQuery {
  readonly version?: number | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
}

/** Began, ended, completion and per-step drop-off of one version (default: the current one) over a period. */
export async function journeyResults(runtime: Runtime, actor: Actor, id: string, query: JourneyQuery, now = new Date()): Promise<JourneyResults> {
  const { range } = parsePeriod(query, now)
  const journey = await getJourney(runtime.db, actor, id)
  const version = pickVersion(journey, query.version)
  const result = await funnelReport(runtime, version.steps, journey.sites.map((s) => s.id), range, version.windowSeconds)
  return { ...result, journey: { id: journey.id, name: journey.name, serviceId: journey.serviceId, serviceName: journey.serviceName }, version }
}

/** Trust share by the furthest step reached, for respondents linked to a visitor of the journey's sites. */
export async function journeyTrustByStep(runtime: Runtime, actor: Actor, id: string, query: JourneyQuery, now = new Date()): Promise<TrustByStep & { readonly version: number }> {
  const { range } = parsePeriod(query, now)
  const journey = await getJourney(runtime.db, actor, id)
  const version = pickVersion(journey, query.version)
  const trust = await trustByStep(runtime, { siteIds: journey.sites.map((s) => s.id), steps: version.steps, windowSeconds: version.windowSeconds }, range)
  return { ...trust, version: version.version }
}

/**
 * The completion rate of a journey's current version over a period, for monitors (no actor: the caller has
 * already decided who may see it). `rate` is null when nobody began.
 */
export async function journeyCompletion(runtime: Pick<Runtime, 'db' | 'events'>, journeyId: string, range: TimeRange): Promise<{ began: number; ended: number; rate: number | null }> {
  const row = await runtime.db.selectFrom('journeys as j').innerJoin('journey_versions as v', 'v.id', 'j.current_version_id')
    .select(['v.steps', 'v.window_seconds']).where('j.id', '=', journeyId).executeTakeFirst()
  if (!row) throw new NotFound('Journey')
  const sites = await runtime.db.selectFrom('journey_sites').select('site_id').where('journey_id', '=', journeyId).execute()
  const steps = JSON.parse(row.steps) as JourneyStep[]
  const result = await runtime.events.funnel({ siteIds: sites.map((s) => s.site_id), range, steps: steps.map(toFunnelStep), windowSeconds: Number(row.window_seconds) })
  return { began: result.began, ended: result.ended, rate: ratio(result.ended, result.began) }
}

/** Journeys whose funnels the scheduler keeps ready (`prepareJourneyFunnels`), most recently changed first. */
export const PREPARED_JOURNEYS = 8

/**
 * Gets the event store ready to answer the default period (the 30 days ending today) of the most recently changed
 * active journeys: on DuckDB the first ask of a funnel builds every day of it (about 3 s at 10 M events), later asks
 * only what changed. The scheduler runs this when the server starts and every 10 minutes.
 */
export async function prepareJourneyFunnels(runtime: Pick<Runtime, 'db' | 'events'>, now: Date, limit = PREPARED_JOURNEYS): Promise<{ prepared: number }> {
  const journeys = await runtime.db.selectFrom('journeys as j').innerJoin('journey_versions as v', 'v.id', 'j.current_version_id')
    .select(['j.id', 'v.steps', 'v.window_seconds']).where('v.state', '=', 'active').orderBy('j.updated_at', 'desc').orderBy('j.id').limit(limit).execute()
  const { range } = parsePeriod({}, now)
  let prepared = 0
  for (const journey of journeys) {
    const sites = await runtime.db.selectFrom('journey_sites').select('site_id').where('journey_id', '=', journey.id).execute()
    if (sites.length === 0) continue
    const steps = JSON.parse(journey.steps) as JourneyStep[]
    await runtime.events.prepareFunnel({ siteIds: sites.map((s) => s.site_id), range, steps: steps.map(toFunnelStep), windowSeconds: Number(journey.window_seconds) })
    prepared++
  }
  return { prepared }
}

/** An ad-hoc funnel over sites the actor reads: the same figures as a journey, without saving anything. */
export async function adHocFunnel(runtime: Runtime, actor: Actor, input: FunnelInput, now = new Date()): Promise<FunnelReport> {
  const steps = checkSteps(input.steps)
  const { range } = parsePeriod(input, now)
  const sites = await runtime.db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 'o.path']).where('s.id', 'in', [...input.siteIds]).execute()
  if (sites.length !== input.siteIds.length || sites.some((s) => !canReadOrganization(actor, s.path))) throw new NotFound('Site')
  return funnelReport(runtime, steps, input.siteIds, range, input.windowSeconds ?? DEFAULT_WINDOW_SECONDS)
}

// ─── CSV ───────────────────────────────────────────────────────────────────────────────────────────────────────

const cell = (value: number | string | null): string => (value === null ? '' : String(value))

/** One row per step: the drop-off table. */
export function funnelCsv(result: FunnelReport): string {
  return stringify([
    ['step', 'label', 'kind', 'target', 'visitors', 'share_of_began', 'dropped_off', 'drop_off_rate', 'median_seconds_from_previous', 'from', 'to'],
    ...result.steps.map((s) => [s.index + 1, s.label, s.kind, s.target, s.visitors, cell(s.shareOfBegan), s.droppedOff, cell(s.dropOffRate), cell(s.medianSecondsFromPrevious), result.from, result.to]),
  ])
}

export function journeysCsv(journeys: readonly JourneyView[]): string {
  return stringify([
    ['id', 'name', 'service', 'organization', 'state', 'version', 'steps', 'window_seconds', 'sites', 'updated_at'],
    ...journeys.map((j) => [j.id, j.name, j.serviceName, j.organizationName, j.state, j.current.version, j.current.steps.length, j.current.windowSeconds, j.sites.map((s) => s.domain).join(';'), j.updatedAt]),
  ])
}

export function versionsCsv(versions: readonly JourneyVersionView[]): string {
  return stringify([
    ['version', 'state', 'replaced_by', 'steps', 'window_seconds', 'created_at', 'retired_at', 'note'],
    ...versions.map((v) => [v.version, v.state, v.replacedBy === null ? '' : v.replacedBy.kind === 'version' ? `version ${v.replacedBy.version}` : `journey ${v.replacedBy.id}`,
      v.steps.map((s) => `${s.kind}:${stepTarget(s)}`).join(' > '), v.windowSeconds, v.createdAt, cell(v.retiredAt), cell(v.note)]),
  ])
}

