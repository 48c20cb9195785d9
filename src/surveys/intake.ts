/**
 * Public intake: responses and offers arriving from the hosted page, the widget, links, QR codes, the API and imports.
 * A response is stored in one transaction (the response row, its typed answer rows, a recovery case when the
 * respondent asked to be contacted after a negative answer, webhook outbox rows), with no hot counter rows; the caller
 * acknowledges only after the transaction commits. An idempotency key makes a retried submission land once.
 */
import type { Insertable, Kysely, Transaction } from 'kysely'
import type { Channel } from '../a11/channels.ts'
import { fiscalQuarterOf } from '../a11/fiscal-year.ts'
import { isExpired, type Clearance } from '../a11/pra.ts'
import type { SurveyDefinition, SurveyState } from '../a11/survey-model.ts'
import type { Database, ResponseAnswerTable, ResponseTable } from '../db/schema.ts'
import { newId } from '../db/values.ts'
import { Conflict, Invalid, NotFound } from '../errors.ts'
import { enqueueWebhookEvent } from '../notify/webhook-outbox.ts'
import { maskPii } from '../privacy/pii.ts'
import { checkAnswers, type AnswerProblem, type CheckedAnswers, type RawAnswers } from './answers.ts'
import { rememberedSurvey } from './public-survey-cache.ts'
import { clearanceOf, today } from './surveys.ts'

export const RESPONSE_SOURCES = ['hosted', 'widget', 'link', 'qr', 'api', 'import'] as const
export type ResponseSource = (typeof RESPONSE_SOURCES)[number]

export interface PublicSurvey {
  readonly id: string
  readonly state: SurveyState
  readonly serviceId: string
  readonly organizationId: string
  readonly organizationPath: string
  readonly organizationName: string
  readonly channel: Channel
  readonly versionId: string
  readonly version: number
  readonly definition: SurveyDefinition
  readonly allowedOrigins: readonly string[]
  readonly clearance: Clearance
  readonly burdenMinutes: number | null
}

// Published versions never change, so their parsed definitions are kept (bounded) across requests.
const definitions = new Map<string, SurveyDefinition>()
const DEFINITION_CACHE_SIZE = 1000

function cachedDefinition(versionId: string, json: string, cacheable: boolean): SurveyDefinition {
  const cached = definitions.get(versionId)
  if (cached) return cached
  const definition = JSON.parse(json) as SurveyDefinition
  if (cacheable) {
    if (definitions.size >= DEFINITION_CACHE_SIZE) definitions.delete(definitions.keys().next().value as string)
    definitions.set(versionId, definition)
  }
  return definition
}

/** A survey as the public sees it; drafts and archived surveys do not exist for the public. */
export async function loadPublicSurvey(db: Kysely<Database>, id: string, options: { includeDrafts?: boolean } = {}): Promise<PublicSurvey> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Survey')
  if (options.includeDrafts) return readPublicSurvey(db, id, true)
  return rememberedSurvey(id, () => readPublicSurvey(db, id, false))
}

async function readPublicSurvey(db: Kysely<Database>, id: string, includeDrafts: boolean): Promise<PublicSurvey> {
  const row = await db.selectFrom('surveys')
    .innerJoin('services as s', 's.id', 'surveys.service_id')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .innerJoin('survey_versions as v', 'v.id', 'surveys.current_version_id')
    .select([
      'surveys.id', 'surveys.state', 'surveys.service_id', 'surveys.channel', 'surveys.current_version_id', 'surveys.version', 'surveys.allowed_origins',
      'surveys.omb_control_number', 'surveys.pra_expires_on', 'surveys.burden_minutes', 'surveys.other_clearance',
      'o.id as organization_id', 'o.path as organization_path', 'o.name as organization_name', 'v.definition',
    ])
    .where('surveys.id', '=', id).executeTakeFirst()
  if (!row || row.state === 'archived' || (row.state === 'draft' && !includeDrafts)) throw new NotFound('Survey')
  const versionId = row.current_version_id as string
  return {
    id: row.id, state: row.state as SurveyState, serviceId: row.service_id, organizationId: row.organization_id, organizationPath: row.organization_path,
    organizationName: row.organization_name, channel: row.channel as Channel, versionId, version: row.version,
    definition: cachedDefinition(versionId, row.definition, row.state !== 'draft'),
    allowedOrigins: JSON.parse(row.allowed_origins) as string[], clearance: clearanceOf(row), burdenMinutes: row.burden_minutes,
  }
}

// Versions are PostgreSQL integers: a larger number would fail the query instead of finding no version.
const MAX_VERSION = 2_147_483_647

/** The survey as it was at an earlier version (a respondent may have loaded the survey just before an edit). */
export async function atVersion(db: Kysely<Database>, survey: PublicSurvey, version: number): Promise<PublicSurvey> {
  if (!Number.isInteger(version) || version < 1 || version > MAX_VERSION) throw new Invalid('Some fields need attention.', { version: `this survey has no version ${version}` })
  const row = await db.selectFrom('survey_versions').select(['id', 'definition']).where('survey_id', '=', survey.id).where('version', '=', version).executeTakeFirst()
  if (!row) throw new Invalid('Some fields need attention.', { version: `this survey has no version ${version}` })
  return { ...survey, versionId: row.id, version, definition: cachedDefinition(row.id, row.definition, true) }
}

/** Why a survey does not take responses now, or null when it does. */
export function closedReason(survey: Pick<PublicSurvey, 'state' | 'clearance'>, on = today()): string | null {
  if (survey.state !== 'published') return 'This survey is not accepting responses.'
  if (isExpired(survey.clearance, on)) return 'This survey\'s PRA clearance has expired; it is not accepting responses.'
  return null
}

/** Whether a browser origin may embed the survey and post to it (an empty allowlist allows none but cx280 itself). */
export function originAllowed(survey: Pick<PublicSurvey, 'allowedOrigins'>, origin: string | undefined, ownOrigin: string): boolean {
  if (origin === undefined) return true
  const normalized = origin.toLowerCase()
  return normalized === ownOrigin.toLowerCase() || survey.allowedOrigins.includes(normalized)
}

export interface SubmissionContext {
  readonly source: ResponseSource
  readonly channel?: Channel | undefined
  readonly touchpoint?: string | undefined
  readonly locationCode?: string | undefined
  readonly pageUrl?: string | undefined
  readonly language: string
  readonly idempotencyKey?: string | undefined
  readonly externalId?: string | undefined
  /** Imports carry the time of the original response; live submissions use the server's clock. */
  readonly submittedAt?: Date | undefined
  /** The analytics visitor who answered on a measured site's page (analytics/journey-feedback.ts), if linked. */
  readonly visitor?: { readonly siteId: string; readonly visitorId: string } | null | undefined
}

export interface StoredResponse {
  readonly id: string
  /** True when the idempotency key matched an earlier submission (nothing new was stored). */
  readonly duplicate: boolean
  readonly recoveryCaseId: string | null
}

export class AnswersRejected extends Invalid {
  constructor(readonly problems: Record<string, AnswerProblem>) {
    super('Some answers need attention.', Object.fromEntries(Object.entries(problems).map(([k, p]) => [`answers.${k}`, p.message])))
  }
}

// PostgreSQL text cannot hold NUL, and no other control character belongs in a code or key either.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F]/g

/** A code or key as it may be stored (touchpoints, location codes arrive from links and the public API). */
export const withoutControlCharacters = (raw: string): string => raw.replace(CONTROLS, '')

const cleanCode = (raw: string | undefined): string | null => (raw === undefined ? null : withoutControlCharacters(raw))

/** The page a response came from, without query string or fragment (they carry personal data too often). */
export function cleanPageUrl(raw: string | undefined): string | null {
  if (!raw) return null
  try {
    const url = new URL(raw)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null
    return maskPii(`${url.origin}${url.pathname}`).slice(0, 500)
  } catch {
    return null
  }
}

export function checkSubmission(survey: PublicSurvey, answers: RawAnswers): CheckedAnswers {
  const checked = checkAnswers(survey.definition, answers)
  if (!checked.ok) throw new AnswersRejected(checked.problems)
  return checked.value
}

/**
 * The `responses` row intake stores for a checked response (fiscal quarter from the submission time, branch, trust
 * value, flags, status `inbox`). Exported so bulk loaders (the demo) store exactly what intake stores.
 */
export function responseRecord(id: string, survey: PublicSurvey, checked: CheckedAnswers, context: SubmissionContext): Insertable<ResponseTable> {
  const at = context.submittedAt ?? new Date()
  const quarter = fiscalQuarterOf(at)
  return {
    id, survey_id: survey.id, survey_version_id: survey.versionId, service_id: survey.serviceId, channel: context.channel ?? survey.channel,
    source: context.source, touchpoint: cleanCode(context.touchpoint), location_code: cleanCode(context.locationCode), page_url: cleanPageUrl(context.pageUrl),
    language: context.language, submitted_at: at.toISOString(), fiscal_year: quarter.fiscalYear, fiscal_quarter: quarter.quarter,
    idempotency_key: context.idempotencyKey ?? null, external_id: context.externalId ?? null, trust_value: checked.trustValue, branch: checked.branch,
    contact_requested: checked.contactRequested ? 1 : 0, contains_pii: checked.containsPii ? 1 : 0,
    has_text: checked.hasText ? 1 : 0,
    status: 'inbox', flagged: 0, trashed_at: null, visitor_id: context.visitor?.visitorId ?? null, site_id: context.visitor?.siteId ?? null,
  }
}

/** The typed `response_answers` rows of a checked response, each with its question's role. */
export function answerRecords(responseId: string, checked: CheckedAnswers): Insertable<ResponseAnswerTable>[] {
  return checked.rows.map((r, position) => ({
    response_id: responseId, position, question_key: r.questionKey, role: r.role, option_key: r.optionKey, number_value: r.numberValue, text_value: r.textValue,
  }))
}

/** Writes a checked response inside the caller's transaction (imports write many in one). */
export async function storeResponseIn(trx: Transaction<Database>, survey: PublicSurvey, checked: CheckedAnswers, context: SubmissionContext): Promise<StoredResponse> {
  const id = newId()
  const at = context.submittedAt ?? new Date()
  const recovery = checked.contactRequested && checked.branch === 'negative'
  await trx.insertInto('responses').values(responseRecord(id, survey, checked, { ...context, submittedAt: at })).execute()
  if (checked.rows.length > 0) await trx.insertInto('response_answers').values(answerRecords(id, checked)).execute()
  let recoveryCaseId: string | null = null
  if (recovery) {
    recoveryCaseId = newId()
    await trx.insertInto('recovery_cases').values({
      id: recoveryCaseId, response_id: id, survey_id: survey.id, status: 'new', assignee_user_id: null, due_on: null, resolution: null,
      created_at: at.toISOString(), updated_at: at.toISOString(), resolved_at: null,
    }).execute()
  }
  if (context.source !== 'import') {
    const summary = { responseId: id, surveyId: survey.id, serviceId: survey.serviceId, trustValue: checked.trustValue, branch: checked.branch, submittedAt: at.toISOString() }
    await enqueueWebhookEvent(trx, survey.organizationPath, 'response.created', summary)
    if (recoveryCaseId) await enqueueWebhookEvent(trx, survey.organizationPath, 'recovery_case.opened', { ...summary, caseId: recoveryCaseId })
  }
  return { id, duplicate: false, recoveryCaseId }
}

async function findByIdempotencyKey(db: Kysely<Database> | Transaction<Database>, surveyId: string, key: string): Promise<StoredResponse | null> {
  const existing = await db.selectFrom('responses').leftJoin('recovery_cases as c', 'c.response_id', 'responses.id')
    .select(['responses.id', 'c.id as case_id']).where('responses.survey_id', '=', surveyId).where('responses.idempotency_key', '=', key).executeTakeFirst()
  return existing ? { id: existing.id, duplicate: true, recoveryCaseId: existing.case_id } : null
}

/**
 * Group commit. Submissions that arrive in the same turn of the event loop are written in one transaction, and each is
 * answered only after that transaction commits: a burst pays for one commit (the costliest step on SQLite) instead of
 * one each. A batch that fails is retried one response per transaction, so one bad response cannot fail the others.
 */
interface PendingWrite {
  readonly survey: PublicSurvey
  readonly checked: CheckedAnswers
  readonly context: SubmissionContext
  readonly resolve: (stored: StoredResponse) => void
  readonly reject: (error: unknown) => void
}

const MAX_BATCH = 64
const pendingWrites = new WeakMap<Kysely<Database>, PendingWrite[]>()

function storeAlone(db: Kysely<Database>, write: PendingWrite): Promise<void> {
  return db.transaction().execute((trx) => storeResponseIn(trx, write.survey, write.checked, write.context)).then(write.resolve, write.reject)
}

async function flushWrites(db: Kysely<Database>): Promise<void> {
  const queue = pendingWrites.get(db) ?? []
  const batch = queue.splice(0, MAX_BATCH)
  if (queue.length > 0) setImmediate(() => void flushWrites(db))
  if (batch.length === 1) return storeAlone(db, batch[0] as PendingWrite)
  let stored: StoredResponse[]
  try {
    stored = await db.transaction().execute(async (trx) => {
      const out: StoredResponse[] = []
      for (const write of batch) out.push(await storeResponseIn(trx, write.survey, write.checked, write.context))
      return out
    })
  } catch {
    for (const write of batch) await storeAlone(db, write)
    return
  }
  batch.forEach((write, i) => write.resolve(stored[i] as StoredResponse))
}

function storeGrouped(db: Kysely<Database>, survey: PublicSurvey, checked: CheckedAnswers, context: SubmissionContext): Promise<StoredResponse> {
  return new Promise((resolve, reject) => {
    let queue = pendingWrites.get(db)
    if (!queue) {
      queue = []
      pendingWrites.set(db, queue)
    }
    queue.push({ survey, checked, context, resolve, reject })
    if (queue.length === 1) setImmediate(() => void flushWrites(db))
  })
}

/** Validates and durably stores one response; resolves only after the commit (shared with others arriving at once). */
export async function submitResponse(db: Kysely<Database>, survey: PublicSurvey, answers: RawAnswers, context: SubmissionContext): Promise<StoredResponse> {
  const reason = closedReason(survey)
  if (reason) throw new Conflict(reason)
  if (context.idempotencyKey && withoutControlCharacters(context.idempotencyKey) !== context.idempotencyKey) {
    throw new Invalid('Some fields need attention.', { idempotencyKey: 'must not contain control characters' })
  }
  if (context.idempotencyKey) {
    const earlier = await findByIdempotencyKey(db, survey.id, context.idempotencyKey)
    if (earlier) return earlier
  }
  const checked = checkSubmission(survey, answers)
  try {
    return await storeGrouped(db, survey, checked, context)
  } catch (error) {
    // Two retries racing past the lookup: the unique index keeps one, the other reports it.
    if (context.idempotencyKey) {
      const earlier = await findByIdempotencyKey(db, survey.id, context.idempotencyKey)
      if (earlier) return earlier
    }
    throw error
  }
}

export interface OfferInput {
  readonly source: ResponseSource
  readonly channel?: Channel | undefined
  readonly touchpoint?: string | undefined
  readonly locationCode?: string | undefined
  /** Imports and email/SMS sends record many offers at once. */
  readonly count?: number | undefined
  readonly offeredAt?: Date | undefined
}

/** Records that the survey was shown or sent (an append-only row, so response rates are real). */
export async function recordOffer(db: Kysely<Database> | Transaction<Database>, survey: Pick<PublicSurvey, 'id' | 'channel'>, offer: OfferInput): Promise<void> {
  const at = offer.offeredAt ?? new Date()
  const quarter = fiscalQuarterOf(at)
  await db.insertInto('survey_offers').values({
    id: newId(), survey_id: survey.id, channel: offer.channel ?? survey.channel, source: offer.source, touchpoint: cleanCode(offer.touchpoint),
    location_code: cleanCode(offer.locationCode), count: offer.count ?? 1, fiscal_year: quarter.fiscalYear, fiscal_quarter: quarter.quarter, offered_at: at.toISOString(),
  }).execute()
}
