/**
 * Surveys (A-11 §280.14): created from a template or a definition for a service (and optionally a stage), moved
 * through draft → published → closed/archived. A published survey's definition is never changed in place: an edit
 * writes a new version and responses keep the version they answered. Pages, API and CLI call these functions.
 */
import type { Kysely, Transaction } from 'kysely'
import type { Channel } from '../a11/channels.ts'
import { clearanceProblems, publishProblems, type Clearance } from '../a11/pra.ts'
import {
  definitionProblems, trustScaleOf, type SurveyDefinition, type SurveyScale, type SurveyState, type SurveyType,
} from '../a11/survey-model.ts'
import { contactQuestions, SURVEY_TEMPLATES, type TemplateKey } from '../a11/survey-templates.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageSurveys, canReadOrganization, canRevealPersonalText, canTriageResponses, readablePaths } from '../auth/permissions.ts'
import type { Database, SurveyRow } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { newId, nowIso, subtreePattern } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import { enqueueWebhookEvent } from '../notify/webhook-outbox.ts'
import { forgetSurvey } from './public-survey-cache.ts'
import { afterCommit } from '../db/after-commit.ts'
import type { SurveyCreateInput, SurveyTransition, SurveyUpdateInput } from './survey-schema.ts'

type Db = Kysely<Database> | Transaction<Database>

export interface SurveyView {
  readonly id: string
  readonly name: string
  readonly serviceId: string
  readonly serviceName: string
  readonly organizationId: string
  readonly organizationName: string
  readonly stageId: string | null
  readonly channel: Channel
  readonly surveyType: SurveyType
  readonly scale: SurveyScale | null
  readonly template: TemplateKey | null
  readonly state: SurveyState
  readonly version: number
  readonly versionId: string
  readonly definition: SurveyDefinition
  readonly allowedOrigins: readonly string[]
  readonly ombControlNumber: string | null
  readonly praExpiresOn: string | null
  readonly burdenMinutes: number | null
  readonly federalRegisterUrl: string | null
  readonly approvedAnnualResponses: number | null
  readonly otherClearance: string | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly publishedAt: string | null
  readonly closedAt: string | null
}

export interface SurveyAbilities {
  readonly manage: boolean
  readonly triage: boolean
  readonly reveal: boolean
}

interface SurveyContext {
  readonly row: SurveyRow
  readonly organizationId: string
  readonly organizationPath: string
  readonly organizationName: string
  readonly serviceName: string
  readonly serviceOwnerUserId: string | null
}

export const today = (): string => new Date().toISOString().slice(0, 10)

export const clearanceOf = (row: Pick<SurveyRow, 'omb_control_number' | 'pra_expires_on' | 'burden_minutes' | 'other_clearance'>): Clearance => ({
  ombControlNumber: row.omb_control_number, expiresOn: row.pra_expires_on, burdenMinutes: row.burden_minutes, otherClearance: row.other_clearance,
})

function checkDefinition(definition: SurveyDefinition): void {
  const problems = definitionProblems(definition)
  if (Object.keys(problems).length > 0) {
    throw new Invalid('The survey definition needs attention.', Object.fromEntries(Object.entries(problems).map(([k, v]) => [`definition.${k}`, v])))
  }
}

async function loadContext(db: Db, actor: Actor | null, id: string): Promise<SurveyContext> {
  const row = await db.selectFrom('surveys')
    .innerJoin('services as s', 's.id', 'surveys.service_id')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .selectAll('surveys')
    .select(['o.id as organization_id', 'o.path as organization_path', 'o.name as organization_name', 's.name as service_name', 's.owner_user_id as service_owner'])
    .where('surveys.id', '=', id).executeTakeFirst()
  if (!row || (actor !== null && !canReadOrganization(actor, row.organization_path))) throw new NotFound('Survey')
  const { organization_id, organization_path, organization_name, service_name, service_owner, ...survey } = row
  return { row: survey, organizationId: organization_id, organizationPath: organization_path, organizationName: organization_name, serviceName: service_name, serviceOwnerUserId: service_owner }
}

function assertManage(actor: Actor, context: SurveyContext): void {
  if (!canManageSurveys(actor, { organizationPath: context.organizationPath, ownerUserId: context.serviceOwnerUserId })) {
    throw new Forbidden('You cannot change this survey.')
  }
}

async function loadVersion(db: Db, versionId: string): Promise<{ definition: SurveyDefinition; scale: SurveyScale | null; version: number }> {
  const version = await db.selectFrom('survey_versions').select(['definition', 'scale', 'version']).where('id', '=', versionId).executeTakeFirstOrThrow()
  return { definition: JSON.parse(version.definition) as SurveyDefinition, scale: version.scale as SurveyScale | null, version: version.version }
}

async function toView(db: Db, context: SurveyContext): Promise<SurveyView> {
  const { row } = context
  const version = await loadVersion(db, row.current_version_id as string)
  return {
    id: row.id, name: row.name, serviceId: row.service_id, serviceName: context.serviceName, organizationId: context.organizationId,
    organizationName: context.organizationName, stageId: row.stage_id, channel: row.channel as Channel, surveyType: row.survey_type as SurveyType,
    scale: version.scale, template: row.template as TemplateKey | null, state: row.state as SurveyState, version: row.version,
    versionId: row.current_version_id as string, definition: version.definition, allowedOrigins: JSON.parse(row.allowed_origins) as string[],
    ombControlNumber: row.omb_control_number, praExpiresOn: row.pra_expires_on, burdenMinutes: row.burden_minutes,
    federalRegisterUrl: row.federal_register_url, approvedAnnualResponses: row.approved_annual_responses, otherClearance: row.other_clearance,
    createdAt: row.created_at, updatedAt: row.updated_at, publishedAt: row.published_at, closedAt: row.closed_at,
  }
}

async function checkStage(db: Db, serviceId: string, stageId: string | null | undefined): Promise<void> {
  if (!stageId) return
  const stage = await db.selectFrom('service_stages').select('id').where('id', '=', stageId).where('service_id', '=', serviceId).executeTakeFirst()
  if (!stage) throw new Invalid('Some fields need attention.', { stageId: 'is not a stage of this service' })
}

function normalizedOrigins(origins: readonly string[]): string[] {
  return [...new Set(origins.map((o) => o.trim().replace(/\/+$/, '').toLowerCase()))]
}

type ClearanceColumns = Partial<Pick<SurveyRow, 'omb_control_number' | 'pra_expires_on' | 'burden_minutes' | 'federal_register_url' | 'approved_annual_responses' | 'other_clearance'>>

function clearanceColumns(input: SurveyUpdateInput): ClearanceColumns {
  const out: { -readonly [K in keyof ClearanceColumns]: ClearanceColumns[K] } = {}
  const blankToNull = (v: string | null): string | null => (v === null || v.trim() === '' ? null : v.trim())
  if (input.ombControlNumber !== undefined) out.omb_control_number = blankToNull(input.ombControlNumber)
  if (input.praExpiresOn !== undefined) out.pra_expires_on = input.praExpiresOn
  if (input.burdenMinutes !== undefined) out.burden_minutes = input.burdenMinutes
  if (input.federalRegisterUrl !== undefined) out.federal_register_url = blankToNull(input.federalRegisterUrl)
  if (input.approvedAnnualResponses !== undefined) out.approved_annual_responses = input.approvedAnnualResponses
  if (input.otherClearance !== undefined) out.other_clearance = blankToNull(input.otherClearance)
  return out
}

function checkClearance(clearance: Clearance): void {
  const problems = clearanceProblems(clearance)
  if (Object.keys(problems).length > 0) throw new Invalid('The PRA clearance needs attention.', problems)
}

export async function createSurvey(db: Kysely<Database>, actor: Actor, input: SurveyCreateInput): Promise<SurveyView> {
  return db.transaction().execute(async (trx) => {
    const service = await trx.selectFrom('services').innerJoin('organizations as o', 'o.id', 'services.organization_id')
      .select(['services.id', 'services.name', 'services.owner_user_id', 'services.state', 'o.path', 'o.name as organization_name'])
      .where('services.id', '=', input.serviceId).executeTakeFirst()
    if (!service || !canReadOrganization(actor, service.path)) throw new Invalid('Some fields need attention.', { serviceId: 'is not a service you can see' })
    if (!canManageSurveys(actor, { organizationPath: service.path, ownerUserId: service.owner_user_id })) throw new Forbidden('You cannot add surveys to this service.')
    if (service.state === 'archived') throw new Conflict('This service is archived.')
    if (input.template && input.definition) throw new Invalid('Some fields need attention.', { template: 'Give a template or a definition, not both.' })
    await checkStage(trx, service.id, input.stageId)
    const template = input.template ?? (input.definition ? null : 'a11_v2_thumbs')
    let definition: SurveyDefinition = input.definition ?? SURVEY_TEMPLATES[template as TemplateKey].build({ provider: service.organization_name, subject: input.surveyType === 'post_service_journey' ? 'service' : 'interaction' })
    if (input.askContact) definition = { ...definition, questions: [...definition.questions, ...contactQuestions()] }
    checkDefinition(definition)
    const clearance = { ...clearanceOf({ omb_control_number: null, pra_expires_on: null, burden_minutes: null, other_clearance: null }), ...clearanceFromInput(input) }
    checkClearance(clearance)
    const now = nowIso()
    const id = newId()
    const versionId = newId()
    const row: SurveyRow = {
      id, service_id: service.id, stage_id: input.stageId ?? null, name: (input.name ?? definition.title[definition.languages[0] as string] ?? 'Survey').trim(),
      channel: input.channel ?? 'website', survey_type: input.surveyType ?? 'post_interaction', template, state: 'draft',
      current_version_id: versionId, version: 1, allowed_origins: JSON.stringify(normalizedOrigins(input.allowedOrigins ?? [])),
      omb_control_number: null, pra_expires_on: null, burden_minutes: null, federal_register_url: null, approved_annual_responses: null,
      other_clearance: null, pra_warned_for: null, created_by: actor.userId, created_at: now, updated_at: now, published_at: null, closed_at: null,
      ...clearanceColumns(input),
    } as SurveyRow
    await trx.insertInto('surveys').values(row).execute()
    await trx.insertInto('survey_versions').values({ id: versionId, survey_id: id, version: 1, scale: trustScaleOf(definition), definition: JSON.stringify(definition), created_by: actor.userId, created_at: now }).execute()
    const context = await loadContext(trx, actor, id)
    const view = await toView(trx, context)
    await recordAudit(trx, actor, { action: 'survey.create', entityType: 'survey', entityId: id, organizationId: context.organizationId, after: view })
    return view
  })
}

function clearanceFromInput(input: SurveyUpdateInput): Partial<Clearance> {
  const out: { -readonly [K in keyof Clearance]?: Clearance[K] } = {}
  if (input.ombControlNumber !== undefined) out.ombControlNumber = input.ombControlNumber?.trim() || null
  if (input.praExpiresOn !== undefined) out.expiresOn = input.praExpiresOn
  if (input.burdenMinutes !== undefined) out.burdenMinutes = input.burdenMinutes
  if (input.otherClearance !== undefined) out.otherClearance = input.otherClearance?.trim() || null
  return out
}

export async function updateSurvey(db: Kysely<Database>, actor: Actor, id: string, input: SurveyUpdateInput): Promise<SurveyView> {
  return afterCommit(db.transaction().execute(async (trx) => {
    const context = await loadContext(trx, actor, id)
    assertManage(actor, context)
    const { row } = context
    if (row.state === 'archived') throw new Conflict('This survey is archived.')
    await checkStage(trx, row.service_id, input.stageId)
    const before = await toView(trx, context)
    const clearance = { ...clearanceOf(row), ...clearanceFromInput(input) }
    checkClearance(clearance)
    const now = nowIso()
    let versionId = row.current_version_id as string
    let version = row.version
    if (input.definition !== undefined) {
      checkDefinition(input.definition)
      if (row.state === 'published') {
        const problems = publishProblems(input.definition, clearance, today())
        if (Object.keys(problems).length > 0) throw new Invalid('This change cannot be published under the survey\'s clearance.', problems)
      }
      const serialized = JSON.stringify(input.definition)
      const scale = trustScaleOf(input.definition)
      if (row.state === 'draft') {
        // No response can refer to a draft's version, so a draft edits its one version in place.
        await trx.updateTable('survey_versions').set({ definition: serialized, scale, created_at: now, created_by: actor.userId }).where('id', '=', versionId).execute()
      } else if (serialized !== JSON.stringify(before.definition)) {
        version += 1
        versionId = newId()
        await trx.insertInto('survey_versions').values({ id: versionId, survey_id: id, version, scale, definition: serialized, created_by: actor.userId, created_at: now }).execute()
      }
    }
    const changes = {
      ...clearanceColumns(input),
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.stageId !== undefined ? { stage_id: input.stageId } : {}),
      ...(input.channel !== undefined ? { channel: input.channel } : {}),
      ...(input.surveyType !== undefined ? { survey_type: input.surveyType } : {}),
      ...(input.allowedOrigins !== undefined ? { allowed_origins: JSON.stringify(normalizedOrigins(input.allowedOrigins)) } : {}),
      current_version_id: versionId, version, updated_at: now,
    }
    await trx.updateTable('surveys').set(changes).where('id', '=', id).execute()
    const after = await toView(trx, await loadContext(trx, actor, id))
    await recordAudit(trx, actor, { action: 'survey.update', entityType: 'survey', entityId: id, organizationId: context.organizationId, before, after })
    return after
  }), () => forgetSurvey(id))
}

export const TRANSITIONS: Readonly<Record<SurveyTransition, { from: readonly SurveyState[]; to: SurveyState }>> = {
  publish: { from: ['draft'], to: 'published' },
  close: { from: ['published'], to: 'closed' },
  reopen: { from: ['closed'], to: 'published' },
  archive: { from: ['draft', 'closed'], to: 'archived' },
}

/** The lifecycle actions a survey in this state can take (pages show these as buttons). */
export const transitionsFrom = (state: SurveyState): SurveyTransition[] =>
  (Object.keys(TRANSITIONS) as SurveyTransition[]).filter((t) => TRANSITIONS[t].from.includes(state))

export async function transitionSurvey(db: Kysely<Database>, actor: Actor, id: string, transition: SurveyTransition): Promise<SurveyView> {
  return afterCommit(db.transaction().execute(async (trx) => {
    const context = await loadContext(trx, actor, id)
    assertManage(actor, context)
    const { row } = context
    const rule = TRANSITIONS[transition]
    if (!rule.from.includes(row.state as SurveyState)) {
      throw new Conflict(`A ${row.state} survey cannot be ${transition === 'reopen' ? 'reopened' : `${transition}${transition.endsWith('e') ? 'd' : 'ed'}`}.`)
    }
    if (rule.to === 'published') {
      const { definition } = await loadVersion(trx, row.current_version_id as string)
      const problems = publishProblems(definition, clearanceOf(row), today())
      if (Object.keys(problems).length > 0) throw new Invalid('The survey cannot be published yet.', problems)
    }
    const now = nowIso()
    await trx.updateTable('surveys').set({
      state: rule.to, updated_at: now,
      ...(rule.to === 'published' ? { published_at: row.published_at ?? now, closed_at: null } : {}),
      ...(rule.to === 'closed' ? { closed_at: now } : {}),
    }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: `survey.${transition}`, entityType: 'survey', entityId: id, organizationId: context.organizationId, before: { state: row.state }, after: { state: rule.to } })
    if (rule.to === 'published' || rule.to === 'closed') {
      await enqueueWebhookEvent(trx, context.organizationPath, rule.to === 'published' ? 'survey.published' : 'survey.closed', { surveyId: id, serviceId: row.service_id, name: row.name, state: rule.to })
    }
    return toView(trx, await loadContext(trx, actor, id))
  }), () => forgetSurvey(id))
}

/** Closes a survey on the system's behalf (expired clearance), with an audit entry. */
export async function closeSurveyAsSystem(db: Kysely<Database>, actor: Actor, id: string, reason: string): Promise<void> {
  await afterCommit(db.transaction().execute(async (trx) => {
    const context = await loadContext(trx, null, id)
    if (context.row.state !== 'published') return
    await trx.updateTable('surveys').set({ state: 'closed', closed_at: nowIso(), updated_at: nowIso() }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'survey.close', entityType: 'survey', entityId: id, organizationId: context.organizationId, before: { state: 'published' }, after: { state: 'closed', reason } })
    await enqueueWebhookEvent(trx, context.organizationPath, 'survey.closed', { surveyId: id, serviceId: context.row.service_id, name: context.row.name, state: 'closed', reason })
  }), () => forgetSurvey(id))
}

export async function getSurvey(db: Kysely<Database>, actor: Actor, id: string): Promise<SurveyView> {
  return toView(db, await loadContext(db, actor, id))
}

export async function surveyAbilities(db: Kysely<Database>, actor: Actor, id: string): Promise<SurveyAbilities> {
  const context = await loadContext(db, actor, id)
  return {
    manage: canManageSurveys(actor, { organizationPath: context.organizationPath, ownerUserId: context.serviceOwnerUserId }),
    triage: canTriageResponses(actor, context.organizationPath),
    reveal: canRevealPersonalText(actor, context.organizationPath),
  }
}

/** A past version of a survey (responses name the version they answered). */
export async function getSurveyVersion(db: Kysely<Database>, actor: Actor, id: string, version: number): Promise<{ version: number; definition: SurveyDefinition; createdAt: string }> {
  await loadContext(db, actor, id)
  const row = await db.selectFrom('survey_versions').select(['version', 'definition', 'created_at']).where('survey_id', '=', id).where('version', '=', version).executeTakeFirst()
  if (!row) throw new NotFound('Survey version')
  return { version: row.version, definition: JSON.parse(row.definition) as SurveyDefinition, createdAt: row.created_at }
}

export interface SurveyListQuery {
  readonly q?: string | undefined
  readonly serviceId?: string | undefined
  readonly state?: string | undefined
  readonly page: number
  readonly pageSize: number
}

export interface SurveySummary {
  readonly id: string
  readonly name: string
  readonly serviceId: string
  readonly serviceName: string
  readonly organizationName: string
  readonly channel: Channel
  readonly surveyType: SurveyType
  readonly state: SurveyState
  readonly version: number
  readonly praExpiresOn: string | null
  readonly updatedAt: string
}

/** Surveys the actor can read; archived ones only when asked for by state. */
export async function listSurveys(db: Kysely<Database>, actor: Actor, query: SurveyListQuery): Promise<{ items: SurveySummary[]; total: number }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], total: 0 }
  let base = db.selectFrom('surveys').innerJoin('services as s', 's.id', 'surveys.service_id').innerJoin('organizations as o', 'o.id', 's.organization_id')
  if (paths !== null) base = base.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  if (query.serviceId) base = base.where('surveys.service_id', '=', query.serviceId)
  if (query.state) base = base.where('surveys.state', '=', query.state)
  else base = base.where('surveys.state', '!=', 'archived')
  if (query.q) {
    const q = query.q
    base = base.where((eb) => eb.or([containsText(eb.ref('surveys.name'), q), containsText(eb.ref('s.name'), q)]))
  }
  const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await base.select([
    'surveys.id', 'surveys.name', 'surveys.service_id', 's.name as service_name', 'o.name as organization_name', 'surveys.channel',
    'surveys.survey_type', 'surveys.state', 'surveys.version', 'surveys.pra_expires_on', 'surveys.updated_at',
  ]).orderBy('surveys.name').orderBy('surveys.id').limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute()
  return {
    total,
    items: rows.map((r) => ({
      id: r.id, name: r.name, serviceId: r.service_id, serviceName: r.service_name, organizationName: r.organization_name,
      channel: r.channel as Channel, surveyType: r.survey_type as SurveyType, state: r.state as SurveyState, version: r.version,
      praExpiresOn: r.pra_expires_on, updatedAt: r.updated_at,
    })),
  }
}
