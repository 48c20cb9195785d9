/**
 * Service recovery (A-11 §280.6: "acting upon customer feedback … service recovery"). Intake opens a case when a
 * respondent gave a negative answer and asked to be contacted (intake.ts); staff who triage feedback then assign it,
 * set a due date, keep an append-only notes thread and resolve it with a resolution text (new → in_progress →
 * resolved; a resolved case can be reopened). Every change is audited and announced as `recovery_case.updated`.
 * Free text from the respondent is masked unless the reader may reveal it, and each reveal is audited.
 */
import type { Kysely, Transaction } from 'kysely'
import { sql } from 'kysely'
import type { QuestionRole, SurveyDefinition } from '../a11/survey-model.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor, Role } from '../auth/actor.ts'
import { loadUserActor } from '../auth/users.ts'
import { canReadOrganization, canRevealPersonalText, canTriageResponses, readablePaths } from '../auth/permissions.ts'
import type { Database } from '../db/schema.ts'
import { newId, nowIso, subtreePattern } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import { enqueueWebhookEvent } from '../notify/webhook-outbox.ts'
import { responseAnswers } from './response-view.ts'

type Db = Kysely<Database> | Transaction<Database>

export const RECOVERY_STATUSES = ['new', 'in_progress', 'resolved'] as const
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number]
export const RECOVERY_STATUS_LABELS: Readonly<Record<RecoveryStatus, string>> = { new: 'New', in_progress: 'In progress', resolved: 'Resolved' }

/** Allowed status moves. A case may be resolved straight from new (a quick call-back needs no separate step). */
export const RECOVERY_STATUS_MOVES: Readonly<Record<RecoveryStatus, readonly RecoveryStatus[]>> = {
  new: ['in_progress', 'resolved'],
  in_progress: ['resolved'],
  resolved: ['in_progress'],
}

export const NOTE_MAX = 5000
export const RESOLUTION_MAX = 5000
const TRIAGE_ROLES: readonly Role[] = ['admin', 'agency_lead', 'service_manager', 'analyst']

export interface RecoveryCaseSummary {
  readonly id: string
  readonly responseId: string
  readonly surveyId: string
  readonly surveyName: string
  readonly serviceName: string
  readonly organizationId: string
  readonly organizationName: string
  readonly status: RecoveryStatus
  readonly assigneeUserId: string | null
  readonly assigneeName: string | null
  readonly dueOn: string | null
  /** Past its due date and not resolved. */
  readonly overdue: boolean
  readonly createdAt: string
  readonly updatedAt: string
  readonly resolvedAt: string | null
}

export interface RecoveryNote {
  readonly id: string
  readonly authorUserId: string | null
  readonly authorLabel: string
  readonly body: string
  readonly createdAt: string
}

export interface CaseAnswer {
  readonly questionKey: string
  readonly role: string | null
  readonly prompt: string
  readonly answer: string
}

export interface CaseResponse {
  readonly id: string
  readonly submittedAt: string
  readonly channel: string
  readonly language: string
  readonly trustValue: number | null
  readonly branch: string | null
  readonly status: string
  readonly answers: readonly CaseAnswer[]
}

export interface RecoveryCaseView extends RecoveryCaseSummary {
  readonly resolution: string | null
  readonly notes: readonly RecoveryNote[]
  readonly response: CaseResponse
  /** False unless the reader asked to reveal and may; masked text shows markers such as `[email]`. */
  readonly revealed: boolean
  readonly abilities: { readonly work: boolean; readonly reveal: boolean }
}

export interface RecoveryListQuery {
  /** A status, or `open` for new and in progress together. */
  readonly status?: RecoveryStatus | 'open' | undefined
  /** A user id, `me`, or `none` for unassigned cases. */
  readonly assignee?: string | undefined
  readonly overdue?: boolean | undefined
  readonly surveyId?: string | undefined
  readonly page: number
  readonly pageSize: number
}

export interface RecoveryCaseUpdate {
  readonly assigneeUserId?: string | null | undefined
  readonly dueOn?: string | null | undefined
  readonly status?: RecoveryStatus | undefined
  readonly resolution?: string | null | undefined
}

export interface CaseAssignee {
  readonly id: string
  readonly name: string
  readonly email: string
}

const todayOf = (now: Date = new Date()): string => now.toISOString().slice(0, 10)

function baseCases(db: Db) {
  return db.selectFrom('recovery_cases as c')
    .innerJoin('responses as r', 'r.id', 'c.response_id')
    .innerJoin('surveys as s', 's.id', 'c.survey_id')
    .innerJoin('services as svc', 'svc.id', 's.service_id')
    .innerJoin('organizations as o', 'o.id', 'svc.organization_id')
    .leftJoin('users as u', 'u.id', 'c.assignee_user_id')
}

const SUMMARY_COLUMNS = [
  'c.id', 'c.response_id', 'c.survey_id', 's.name as survey_name', 'svc.name as service_name', 'o.id as organization_id', 'o.name as organization_name',
  'o.path as organization_path', 'c.status', 'c.assignee_user_id', 'u.name as assignee_name', 'c.due_on', 'c.created_at', 'c.updated_at', 'c.resolved_at',
] as const

interface SummaryRow {
  id: string; response_id: string; survey_id: string; survey_name: string; service_name: string; organization_id: string; organization_name: string
  organization_path: string; status: string; assignee_user_id: string | null; assignee_name: string | null; due_on: string | null
  created_at: string; updated_at: string; resolved_at: string | null
}

function toSummary(row: SummaryRow, today: string): RecoveryCaseSummary {
  const status = row.status as RecoveryStatus
  return {
    id: row.id, responseId: row.response_id, surveyId: row.survey_id, surveyName: row.survey_name, serviceName: row.service_name,
    organizationId: row.organization_id, organizationName: row.organization_name, status, assigneeUserId: row.assignee_user_id,
    assigneeName: row.assignee_name, dueOn: row.due_on, overdue: status !== 'resolved' && row.due_on !== null && row.due_on < today,
    createdAt: row.created_at, updatedAt: row.updated_at, resolvedAt: row.resolved_at,
  }
}

/**
 * Cases the actor can read, open ones first, then by due date (undated last), newest first.
 * @example listRecoveryCases(db, actor, { status: 'open', assignee: 'me', page: 1, pageSize: 25 })
 */
export async function listRecoveryCases(db: Kysely<Database>, actor: Actor, query: RecoveryListQuery, now = new Date()): Promise<{ items: RecoveryCaseSummary[]; total: number }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], total: 0 }
  const today = todayOf(now)
  let base = baseCases(db).where('r.status', '!=', 'trash')
  if (paths !== null) base = base.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  if (query.status === 'open') base = base.where('c.status', '!=', 'resolved')
  else if (query.status) base = base.where('c.status', '=', query.status)
  if (query.assignee === 'none') base = base.where('c.assignee_user_id', 'is', null)
  else if (query.assignee === 'me') base = base.where('c.assignee_user_id', '=', actor.userId ?? '')
  else if (query.assignee) base = base.where('c.assignee_user_id', '=', query.assignee)
  if (query.overdue) base = base.where('c.status', '!=', 'resolved').where('c.due_on', 'is not', null).where('c.due_on', '<', today)
  if (query.surveyId) base = base.where('c.survey_id', '=', query.surveyId)
  const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await base.select([...SUMMARY_COLUMNS])
    .orderBy(sql`case when c.status = 'resolved' then 1 else 0 end`)
    .orderBy(sql`case when c.due_on is null then 1 else 0 end`)
    .orderBy('c.due_on').orderBy('c.created_at', 'desc').orderBy('c.id')
    .limit(query.pageSize).offset((query.page - 1) * query.pageSize).execute()
  return { total, items: rows.map((r) => toSummary(r, today)) }
}

async function loadCase(db: Db, actor: Actor | null, id: string): Promise<SummaryRow & { resolution: string | null }> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Recovery case')
  const row = await baseCases(db).select([...SUMMARY_COLUMNS, 'c.resolution']).where('c.id', '=', id).executeTakeFirst()
  if (!row || (actor !== null && !canReadOrganization(actor, row.organization_path))) throw new NotFound('Recovery case')
  return row
}

/** The response behind a case, each answered question with its prompt in the survey's default language. */
async function caseResponse(db: Db, responseId: string, reveal: boolean): Promise<CaseResponse> {
  const response = await db.selectFrom('responses as r').innerJoin('survey_versions as v', 'v.id', 'r.survey_version_id')
    .select(['r.id', 'r.submitted_at', 'r.channel', 'r.language', 'r.trust_value', 'r.branch', 'r.status', 'v.definition'])
    .where('r.id', '=', responseId).executeTakeFirstOrThrow()
  const definition = JSON.parse(response.definition) as SurveyDefinition
  const rows = await db.selectFrom('response_answers').selectAll().where('response_id', '=', responseId).orderBy('position').execute()
  const answerRows = rows.map((r) => ({ questionKey: r.question_key, role: r.role as QuestionRole | null, optionKey: r.option_key, numberValue: r.number_value, textValue: r.text_value }))
  const answers = responseAnswers(definition, answerRows, { revealed: reveal })
    .map((a) => ({ questionKey: a.questionKey, role: a.role, prompt: a.prompt, answer: a.answer ?? '' }))
  return {
    id: response.id, submittedAt: response.submitted_at, channel: response.channel, language: response.language, trustValue: response.trust_value,
    branch: response.branch, status: response.status, answers,
  }
}

async function caseNotes(db: Db, caseId: string): Promise<RecoveryNote[]> {
  const rows = await db.selectFrom('recovery_notes').selectAll().where('case_id', '=', caseId).orderBy('created_at').orderBy('id').execute()
  return rows.map((n) => ({ id: n.id, authorUserId: n.author_user_id, authorLabel: n.author_label, body: n.body, createdAt: n.created_at }))
}

/**
 * One case with its response (free text masked) and notes. With `reveal`, an actor who may see personal text gets it
 * unmasked and the reveal is audited; anyone else is refused.
 */
export async function getRecoveryCase(db: Kysely<Database>, actor: Actor, id: string, options: { reveal?: boolean; now?: Date } = {}): Promise<RecoveryCaseView> {
  const row = await loadCase(db, actor, id)
  const abilities = { work: canTriageResponses(actor, row.organization_path), reveal: canRevealPersonalText(actor, row.organization_path) }
  const reveal = options.reveal === true
  if (reveal && !abilities.reveal) throw new Forbidden('Your role does not allow revealing personal information.')
  if (reveal) {
    await recordAudit(db, actor, { action: 'response.reveal', entityType: 'response', entityId: row.response_id, organizationId: row.organization_id, after: { via: 'recovery_case', caseId: row.id } })
  }
  const [response, notes] = await Promise.all([caseResponse(db, row.response_id, reveal), caseNotes(db, row.id)])
  return { ...toSummary(row, todayOf(options.now)), resolution: row.resolution, notes, response, revealed: reveal, abilities }
}

/** People who may be assigned a case of this organization: active users holding a triage role on it or above it. */
async function assigneesFor(db: Db, organizationPath: string): Promise<CaseAssignee[]> {
  const ancestors = organizationPath.split('/').filter(Boolean).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}/`)
  const rows = await db.selectFrom('role_assignments as ra').innerJoin('users as u', 'u.id', 'ra.user_id').leftJoin('organizations as o', 'o.id', 'ra.organization_id')
    .select(['u.id', 'u.name', 'u.email']).distinct()
    .where('u.active', '=', 1).where('ra.role', 'in', [...TRIAGE_ROLES])
    .where((eb) => eb.or([eb('ra.organization_id', 'is', null), ...(ancestors.length > 0 ? [eb('o.path', 'in', ancestors)] : [])]))
    .orderBy('u.name').orderBy('u.id').execute()
  return rows
}

/** The people the actor may assign this case to (for the assignee picker). */
export async function listCaseAssignees(db: Kysely<Database>, actor: Actor, id: string): Promise<CaseAssignee[]> {
  const row = await loadCase(db, actor, id)
  assertWork(actor, row)
  return assigneesFor(db, row.organization_path)
}

async function checkAssignee(db: Db, userId: string, organizationPath: string): Promise<void> {
  const candidate = /^[0-9a-f-]{36}$/i.test(userId) ? await loadUserActor(db, userId) : null
  if (!candidate || !canTriageResponses(candidate, organizationPath)) {
    throw new Invalid('Some fields need attention.', { assigneeUserId: 'must be a person who works feedback for this organization' })
  }
}

function checkDueOn(dueOn: string): void {
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(dueOn) && new Date(`${dueOn}T00:00:00Z`).toISOString().slice(0, 10) === dueOn
  if (!valid) throw new Invalid('Some fields need attention.', { dueOn: 'must be a date (YYYY-MM-DD)' })
}

function assertWork(actor: Actor, row: { organization_path: string }): void {
  if (!canTriageResponses(actor, row.organization_path)) throw new Forbidden('Your role does not allow working recovery cases.')
}

const snapshot = (row: { status: string; assignee_user_id: string | null; due_on: string | null; resolution: string | null }) =>
  ({ status: row.status, assigneeUserId: row.assignee_user_id, dueOn: row.due_on, resolution: row.resolution })

/**
 * Assigns, schedules, moves or resolves a case. Resolving needs a resolution text; reopening a resolved case moves it
 * back to in progress and clears its resolution (the audit log keeps the old one).
 * @example updateRecoveryCase(db, actor, id, { status: 'resolved', resolution: 'Called back; permit reissued.' })
 */
export async function updateRecoveryCase(db: Kysely<Database>, actor: Actor, id: string, input: RecoveryCaseUpdate): Promise<RecoveryCaseView> {
  await db.transaction().execute(async (trx) => {
    const row = await loadCase(trx, actor, id)
    assertWork(actor, row)
    const current = row.status as RecoveryStatus
    const next = input.status ?? current
    if (next !== current && !RECOVERY_STATUS_MOVES[current].includes(next)) {
      throw new Conflict(`A ${RECOVERY_STATUS_LABELS[current].toLowerCase()} case cannot move to ${RECOVERY_STATUS_LABELS[next].toLowerCase()}.`, { status: 'is not a step allowed from the current status' })
    }
    const fields: Record<string, string> = {}
    if (input.assigneeUserId) await checkAssignee(trx, input.assigneeUserId, row.organization_path)
    if (input.dueOn) checkDueOn(input.dueOn)
    const resolutionInput = input.resolution === undefined ? undefined : (input.resolution ?? '').trim()
    if (resolutionInput !== undefined && resolutionInput.length > RESOLUTION_MAX) fields.resolution = `must be at most ${RESOLUTION_MAX} characters`
    let resolution = row.resolution
    if (next === 'resolved') {
      resolution = resolutionInput !== undefined ? resolutionInput : row.resolution
      if (!resolution) fields.resolution = 'Describe how the case was resolved.'
    } else if (current === 'resolved') {
      resolution = null
    }
    if (Object.keys(fields).length > 0) throw new Invalid('Some fields need attention.', fields)
    const now = nowIso()
    const changes = {
      status: next,
      assignee_user_id: input.assigneeUserId === undefined ? row.assignee_user_id : input.assigneeUserId,
      due_on: input.dueOn === undefined ? row.due_on : input.dueOn,
      resolution: resolution || null,
      resolved_at: next === 'resolved' ? (current === 'resolved' ? row.resolved_at : now) : null,
    }
    const before = snapshot(row)
    const after = snapshot(changes)
    if (JSON.stringify(before) === JSON.stringify(after)) return
    await trx.updateTable('recovery_cases').set({ ...changes, updated_at: now }).where('id', '=', id).execute()
    const action = next !== current ? (current === 'resolved' ? 'recovery_case.reopen' : next === 'resolved' ? 'recovery_case.resolve' : 'recovery_case.update') : 'recovery_case.update'
    await recordAudit(trx, actor, { action, entityType: 'recovery_case', entityId: id, organizationId: row.organization_id, before, after })
    await enqueueWebhookEvent(trx, row.organization_path, 'recovery_case.updated', {
      caseId: id, responseId: row.response_id, surveyId: row.survey_id, status: next, assigneeUserId: after.assigneeUserId, dueOn: after.dueOn,
      change: action.slice('recovery_case.'.length), updatedAt: now,
    })
  })
  return getRecoveryCase(db, actor, id)
}

/** Appends a note to a case's thread (notes are never edited or deleted). */
export async function addRecoveryNote(db: Kysely<Database>, actor: Actor, id: string, body: string): Promise<RecoveryNote> {
  const text = body.trim()
  if (text === '') throw new Invalid('Some fields need attention.', { body: 'must not be empty' })
  if (text.length > NOTE_MAX) throw new Invalid('Some fields need attention.', { body: `must be at most ${NOTE_MAX} characters` })
  return db.transaction().execute(async (trx) => {
    const row = await loadCase(trx, actor, id)
    assertWork(actor, row)
    const now = nowIso()
    const note: RecoveryNote = { id: newId(), authorUserId: actor.userId, authorLabel: actor.label, body: text, createdAt: now }
    await trx.insertInto('recovery_notes').values({ id: note.id, case_id: id, author_user_id: note.authorUserId, author_label: note.authorLabel, body: text, created_at: now }).execute()
    await trx.updateTable('recovery_cases').set({ updated_at: now }).where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'recovery_case.note', entityType: 'recovery_case', entityId: id, organizationId: row.organization_id, after: { noteId: note.id, body: text } })
    // The note itself stays out of the webhook: receivers learn that the case changed and fetch it with their rights.
    await enqueueWebhookEvent(trx, row.organization_path, 'recovery_case.updated', {
      caseId: id, responseId: row.response_id, surveyId: row.survey_id, status: row.status, assigneeUserId: row.assignee_user_id, dueOn: row.due_on,
      change: 'note', noteId: note.id, updatedAt: now,
    })
    return note
  })
}
