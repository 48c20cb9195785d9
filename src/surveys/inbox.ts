/**
 * The feedback inbox (A-11 §280.6, "acting upon customer feedback"): responses across surveys or for one survey,
 * filtered, searched and paged newest first by keyset (submitted_at, id), so any volume pages without OFFSET scans;
 * triage (flag, spam, archive, tags, trash and restore) one response or many at once, each change audited. Free text
 * is masked unless revealed, and a reveal is itself audited. Trash is purged after 30 days by a job elsewhere; here a
 * response only gets `status = 'trash'` and `trashed_at`. Pages and the API call these functions.
 */
import type { Kysely } from 'kysely'
import type { Channel } from '../a11/channels.ts'
import { DRIVER_KEYS, type Branch, type DriverKey, type SurveyDefinition, type SurveyScale } from '../a11/survey-model.ts'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canReadOrganization, canRevealPersonalText, canTriageResponses, readablePaths } from '../auth/permissions.ts'
import type { Database } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { nowIso, subtreePattern } from '../db/values.ts'
import { Forbidden, Invalid, NotFound } from '../errors.ts'
import type { AnswerRow } from './answers.ts'
import { excerptOf, responseAnswers, visibleRows, visibleText, type ShownAnswer } from './response-view.ts'

export const RESPONSE_STATUSES = ['inbox', 'archived', 'spam', 'trash'] as const
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number]

export const TRIAGE_ACTIONS = ['flag', 'unflag', 'spam', 'archive', 'inbox', 'trash', 'restore', 'tag', 'untag'] as const
export type TriageAction = (typeof TRIAGE_ACTIONS)[number]

export const MAX_INBOX_LIMIT = 500
export const MAX_BULK_IDS = 500
export const TAG_MAX = 40
const TAG = /^[a-z0-9][a-z0-9_-]*$/
const DAY = /^\d{4}-\d{2}-\d{2}$/
const DRIVER_ROLES = ['drivers_positive', 'drivers_negative']
// Search runs on raw text in SQL; rows whose text the reader may not reveal are re-checked on the masked text (so a
// search cannot confirm a phone number nobody showed them). That may drop rows, so a page reads up to a few batches,
// each four times larger than the last (capped); a page that stops early still carries a cursor to read on.
const SEARCH_BATCHES = 5
const MAX_BATCH = 2000

export interface InboxFilter {
  /** First and last day (UTC, YYYY-MM-DD), both included. */
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly serviceId?: string | undefined
  readonly surveyId?: string | undefined
  readonly channel?: string | undefined
  /** The trust answer: thumbs 0/1 or Likert 1–5. */
  readonly trust?: number | undefined
  readonly branch?: Branch | undefined
  /** A driver key ticked in either branch. */
  readonly driver?: DriverKey | undefined
  readonly language?: string | undefined
  readonly tag?: string | undefined
  /** Default: inbox. */
  readonly status?: ResponseStatus | undefined
  readonly flagged?: boolean | undefined
  readonly hasText?: boolean | undefined
  readonly contactRequested?: boolean | undefined
  /** Case-insensitive substring of any text answer. */
  readonly q?: string | undefined
}

export interface InboxPaging {
  readonly limit?: number | undefined
  /** Opaque, from an earlier page's `nextCursor` (older) or `prevCursor` (newer). */
  readonly cursor?: string | undefined
}

export interface ResponseAbilities {
  readonly triage: boolean
  readonly reveal: boolean
}

export interface InboxItem {
  readonly id: string
  readonly surveyId: string
  readonly surveyName: string
  readonly surveyVersion: number
  readonly serviceId: string
  readonly serviceName: string
  readonly organizationId: string
  readonly organizationName: string
  readonly channel: Channel
  readonly source: string
  readonly touchpoint: string | null
  readonly locationCode: string | null
  readonly pageUrl: string | null
  readonly language: string
  readonly submittedAt: string
  readonly fiscalYear: number
  readonly fiscalQuarter: number
  readonly scale: SurveyScale | null
  readonly trustValue: number | null
  readonly branch: Branch | null
  /** Driver keys ticked (of the branch shown). */
  readonly drivers: string[]
  readonly contactRequested: boolean
  readonly containsPii: boolean
  readonly hasText: boolean
  readonly status: ResponseStatus
  readonly flagged: boolean
  readonly trashedAt: string | null
  readonly tags: string[]
  /** The respondent's words, shortened and masked. */
  readonly excerpt: string | null
  /** Typed answer rows with text masked. */
  readonly answers: AnswerRow[]
  readonly abilities: ResponseAbilities
}

export interface InboxPage {
  readonly items: InboxItem[]
  /** Older responses; null on the last page. */
  readonly nextCursor: string | null
  /** Newer responses; null on the first page. */
  readonly prevCursor: string | null
}

export interface ResponseDetail extends InboxItem {
  readonly recoveryCaseId: string | null
  readonly recoveryStatus: string | null
  /** Each question shown to the respondent with its answer, in survey order. */
  readonly questions: ShownAnswer[]
  /** Whether free text is shown unmasked (after an audited reveal). */
  readonly revealed: boolean
}

type Direction = 'older' | 'newer'
interface Key { readonly at: string; readonly id: string }
interface Cursor extends Key { readonly direction: Direction }

/** Cursors are opaque to callers: base64url of the direction and the (submitted_at, id) key. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.direction === 'older' ? 'o' : 'n'}|${cursor.at}|${cursor.id}`, 'utf8').toString('base64url')
}

export function decodeCursor(raw: string): Cursor {
  const [direction, at, id, ...rest] = Buffer.from(raw, 'base64url').toString('utf8').split('|')
  if (rest.length > 0 || (direction !== 'o' && direction !== 'n') || !at || !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(at) || !id || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new Invalid('Some fields need attention.', { cursor: 'is not a cursor this API gave out' })
  }
  return { direction: direction === 'o' ? 'older' : 'newer', at, id }
}

/** Lowercase slug: letters, digits, hyphens and underscores, at most 40 characters. Spaces become hyphens. */
export function normalizeTag(raw: string): string {
  const tag = raw.trim().toLowerCase().replace(/\s+/g, '-')
  if (tag === '' || tag.length > TAG_MAX || !TAG.test(tag)) {
    throw new Invalid('Some fields need attention.', { tag: `Use lowercase letters, digits, hyphens and underscores (at most ${TAG_MAX}), starting with a letter or digit.` })
  }
  return tag
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`)
  date.setUTCDate(date.getUTCDate() + 1)
  return date.toISOString()
}

function checkFilter(filter: InboxFilter): void {
  const fields: Record<string, string> = {}
  for (const name of ['from', 'to'] as const) {
    const day = filter[name]
    if (day !== undefined && (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) fields[name] = 'must be a date such as 2025-01-31'
  }
  if (!fields.from && !fields.to && filter.from && filter.to && filter.from > filter.to) fields.to = 'must not be before the first day'
  if (filter.driver !== undefined && !DRIVER_KEYS.includes(filter.driver)) fields.driver = `must be one of: ${DRIVER_KEYS.join(', ')}`
  if (Object.keys(fields).length > 0) throw new Invalid('Some fields need attention.', fields)
}

/**
 * The filtered responses the actor may read: one table, with scope, answers and tags as subqueries; details are read
 * afterwards by id. With table statistics both engines walk the (submitted_at, id) index and stop at the page size
 * (50,000 responses: first page 3–6 ms); without them (SQLite never analyzed, PostgreSQL just after a bulk load) they
 * may sort every match first or, for an answer subquery, pick a far worse plan.
 */
function matchingResponses(db: Kysely<Database>, paths: readonly string[] | null, filter: InboxFilter) {
  let q = db.selectFrom('responses as r').where('r.status', '=', filter.status ?? 'inbox')
  if (paths !== null) {
    q = q.where('r.service_id', 'in', db.selectFrom('services as s').innerJoin('organizations as o', 'o.id', 's.organization_id').select('s.id')
      .where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p))))))
  }
  if (filter.from) q = q.where('r.submitted_at', '>=', `${filter.from}T00:00:00.000Z`)
  if (filter.to) q = q.where('r.submitted_at', '<', nextDay(filter.to))
  if (filter.serviceId) q = q.where('r.service_id', '=', filter.serviceId)
  if (filter.surveyId) q = q.where('r.survey_id', '=', filter.surveyId)
  if (filter.channel) q = q.where('r.channel', '=', filter.channel)
  if (filter.trust !== undefined) q = q.where('r.trust_value', '=', filter.trust)
  if (filter.branch) q = q.where('r.branch', '=', filter.branch)
  if (filter.language) q = q.where('r.language', '=', filter.language)
  if (filter.flagged !== undefined) q = q.where('r.flagged', '=', filter.flagged ? 1 : 0)
  if (filter.hasText !== undefined) q = q.where('r.has_text', '=', filter.hasText ? 1 : 0)
  if (filter.contactRequested !== undefined) q = q.where('r.contact_requested', '=', filter.contactRequested ? 1 : 0)
  const { driver, tag, q: term } = filter
  if (driver) {
    q = q.where((eb) => eb.exists(eb.selectFrom('response_answers as a').select('a.response_id')
      .whereRef('a.response_id', '=', 'r.id').where('a.role', 'in', DRIVER_ROLES).where('a.option_key', '=', driver)))
  }
  if (tag) q = q.where((eb) => eb.exists(eb.selectFrom('response_tags as t').select('t.response_id').whereRef('t.response_id', '=', 'r.id').where('t.tag', '=', tag)))
  if (term) {
    q = q.where((eb) => eb.exists(eb.selectFrom('response_answers as a').select('a.response_id')
      .whereRef('a.response_id', '=', 'r.id').where('a.text_value', 'is not', null).where((inner) => containsText(inner.ref('a.text_value'), term))))
  }
  return q
}
type Matching = ReturnType<typeof matchingResponses>

/** Keys of the next `size` matching responses after `after`, in the direction's order. */
async function readKeys(query: Matching, after: Key | null, direction: Direction, size: number): Promise<Key[]> {
  let q = query
  if (after) {
    const cmp = direction === 'older' ? '<' : '>'
    q = q.where((eb) => eb.or([eb('r.submitted_at', cmp, after.at), eb.and([eb('r.submitted_at', '=', after.at), eb('r.id', cmp, after.id)])]))
  }
  const order = direction === 'older' ? 'desc' : 'asc'
  const rows = await q.select(['r.id', 'r.submitted_at']).orderBy('r.submitted_at', order).orderBy('r.id', order).limit(size).execute()
  return rows.map((r) => ({ id: r.id, at: r.submitted_at }))
}

const DETAIL_COLUMNS = [
  'r.id', 'r.survey_id', 'sv.name as survey_name', 'v.version as survey_version', 'v.scale', 'r.service_id', 's.name as service_name',
  'o.id as organization_id', 'o.name as organization_name', 'o.path as organization_path', 'r.channel', 'r.source', 'r.touchpoint',
  'r.location_code', 'r.page_url', 'r.language', 'r.submitted_at', 'r.fiscal_year', 'r.fiscal_quarter', 'r.trust_value', 'r.branch',
  'r.contact_requested', 'r.contains_pii', 'r.has_text', 'r.status', 'r.flagged', 'r.trashed_at',
] as const

/** Responses with their survey, version, service and organization, by id (primary-key lookups). */
function responsesById(db: Kysely<Database>, ids: readonly string[]) {
  return db.selectFrom('responses as r')
    .innerJoin('surveys as sv', 'sv.id', 'r.survey_id')
    .innerJoin('survey_versions as v', 'v.id', 'r.survey_version_id')
    .innerJoin('services as s', 's.id', 'r.service_id')
    .innerJoin('organizations as o', 'o.id', 's.organization_id')
    .where('r.id', 'in', [...ids])
}

async function loadRows(db: Kysely<Database>, keys: readonly Key[]) {
  if (keys.length === 0) return []
  return responsesById(db, keys.map((k) => k.id)).select([...DETAIL_COLUMNS]).execute()
}
type ListRow = Awaited<ReturnType<typeof loadRows>>[number]

async function answersOf(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, AnswerRow[]>> {
  const out = new Map<string, AnswerRow[]>()
  if (ids.length === 0) return out
  const rows = await db.selectFrom('response_answers').selectAll().where('response_id', 'in', [...ids]).orderBy('response_id').orderBy('position').execute()
  for (const r of rows) {
    const list = out.get(r.response_id) ?? []
    list.push({ questionKey: r.question_key, role: r.role as AnswerRow['role'], optionKey: r.option_key, numberValue: r.number_value, textValue: r.text_value })
    out.set(r.response_id, list)
  }
  return out
}

async function tagsOf(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (ids.length === 0) return out
  const rows = await db.selectFrom('response_tags').select(['response_id', 'tag']).where('response_id', 'in', [...ids]).orderBy('tag').execute()
  for (const r of rows) out.set(r.response_id, [...(out.get(r.response_id) ?? []), r.tag])
  return out
}

function toItem(actor: Actor, row: ListRow, answers: readonly AnswerRow[], tags: readonly string[], revealed: boolean): InboxItem {
  return {
    id: row.id, surveyId: row.survey_id, surveyName: row.survey_name, surveyVersion: row.survey_version, serviceId: row.service_id,
    serviceName: row.service_name, organizationId: row.organization_id, organizationName: row.organization_name, channel: row.channel as Channel,
    source: row.source, touchpoint: row.touchpoint, locationCode: row.location_code, pageUrl: row.page_url, language: row.language,
    submittedAt: row.submitted_at, fiscalYear: row.fiscal_year, fiscalQuarter: row.fiscal_quarter, scale: row.scale as SurveyScale | null,
    trustValue: row.trust_value, branch: row.branch as Branch | null,
    drivers: answers.filter((a) => a.role !== null && DRIVER_ROLES.includes(a.role) && a.optionKey !== null).map((a) => a.optionKey as string),
    contactRequested: row.contact_requested === 1, containsPii: row.contains_pii === 1, hasText: row.has_text === 1,
    status: row.status as ResponseStatus, flagged: row.flagged === 1, trashedAt: row.trashed_at, tags: [...tags],
    excerpt: excerptOf(answers, revealed), answers: visibleRows(answers, revealed),
    abilities: { triage: canTriageResponses(actor, row.organization_path), reveal: canRevealPersonalText(actor, row.organization_path) },
  }
}

/** A search hit stands if the reader may reveal the row's text, or if the masked text still contains the term. */
function searchHolds(actor: Actor, row: ListRow, answers: readonly AnswerRow[], term: string | undefined): boolean {
  if (!term || canRevealPersonalText(actor, row.organization_path)) return true
  const needle = term.toLowerCase()
  return answers.some((a) => (visibleText(a, false) ?? '').toLowerCase().includes(needle))
}

/**
 * One page of responses the actor may read, newest first, with masked text.
 * @example const first = await listResponses(db, actor, { branch: 'negative', q: 'wait' }, { limit: 50 })
 *          const second = await listResponses(db, actor, { branch: 'negative', q: 'wait' }, { limit: 50, cursor: first.nextCursor })
 */
export async function listResponses(db: Kysely<Database>, actor: Actor, filter: InboxFilter, paging: InboxPaging = {}): Promise<InboxPage> {
  checkFilter(filter)
  const limit = Math.max(1, Math.min(MAX_INBOX_LIMIT, paging.limit ?? 50))
  const cursor = paging.cursor ? decodeCursor(paging.cursor) : null
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], nextCursor: null, prevCursor: null }
  const query = matchingResponses(db, paths, filter)
  const direction = cursor?.direction ?? 'older'
  const kept: { row: ListRow; answers: AnswerRow[] }[] = []
  let after: Key | null = cursor
  let exhausted = false
  for (let batch = 0; batch < SEARCH_BATCHES && kept.length <= limit; batch++) {
    const size = Math.max(limit + 1, Math.min(MAX_BATCH, (limit + 1) * 4 ** batch))
    const keys = await readKeys(query, after, direction, size)
    const rows = new Map((await loadRows(db, keys)).map((r) => [r.id, r]))
    const answers = await answersOf(db, keys.map((k) => k.id))
    for (const key of keys) {
      after = key
      const row = rows.get(key.id)
      if (!row) continue // deleted between the two reads
      const rowAnswers = answers.get(row.id) ?? []
      if (searchHolds(actor, row, rowAnswers, filter.q)) kept.push({ row, answers: rowAnswers })
      if (kept.length > limit) break
    }
    if (keys.length < size && kept.length <= limit) {
      exhausted = true
      break
    }
  }
  const more = kept.length > limit || !exhausted
  const page = kept.slice(0, limit)
  // Where the next read in the same direction starts: after the last row shown, or after the last row scanned.
  const last = page.at(-1)
  const resume: Key | null = kept.length > limit && last ? { at: last.row.submitted_at, id: last.row.id } : after
  const tags = await tagsOf(db, page.map((p) => p.row.id))
  const items = page.map(({ row, answers }) => toItem(actor, row, answers, tags.get(row.id) ?? [], false))
  const edge = (item: InboxItem | undefined): Key | null => (item ? { at: item.submittedAt, id: item.id } : cursor)
  if (direction === 'older') {
    const newest = edge(items[0])
    return {
      items,
      nextCursor: more && resume ? encodeCursor({ ...resume, direction: 'older' }) : null,
      prevCursor: cursor && newest ? encodeCursor({ ...newest, direction: 'newer' }) : null,
    }
  }
  items.reverse()
  const oldest = edge(items.at(-1))
  return {
    items,
    nextCursor: oldest ? encodeCursor({ ...oldest, direction: 'older' }) : null,
    prevCursor: more && resume ? encodeCursor({ ...resume, direction: 'newer' }) : null,
  }
}

/** Responses to one survey; 404 when the actor cannot see the survey. */
export async function listSurveyResponses(db: Kysely<Database>, actor: Actor, surveyId: string, filter: InboxFilter, paging: InboxPaging = {}): Promise<InboxPage> {
  await visibleSurvey(db, actor, surveyId)
  return listResponses(db, actor, { ...filter, surveyId }, paging)
}

/** The survey's name if the actor may read it (404 otherwise, never 403). */
export async function visibleSurvey(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<{ id: string; name: string; abilities: ResponseAbilities }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) throw new NotFound('Survey')
  let query = db.selectFrom('surveys as sv').innerJoin('services as s', 's.id', 'sv.service_id').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['sv.id', 'sv.name', 'o.path']).where('sv.id', '=', surveyId)
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  const row = await query.executeTakeFirst()
  if (!row) throw new NotFound('Survey')
  return { id: row.id, name: row.name, abilities: { triage: canTriageResponses(actor, row.path), reveal: canRevealPersonalText(actor, row.path) } }
}

async function loadDetail(db: Kysely<Database>, actor: Actor, id: string, revealed: boolean): Promise<ResponseDetail> {
  const row = await responsesById(db, [id]).leftJoin('recovery_cases as c', 'c.response_id', 'r.id')
    .select([...DETAIL_COLUMNS, 'v.definition', 'c.id as case_id', 'c.status as case_status']).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Response')
  const answers = (await answersOf(db, [id])).get(id) ?? []
  const tags = (await tagsOf(db, [id])).get(id) ?? []
  const definition = JSON.parse(row.definition) as SurveyDefinition
  return {
    ...toItem(actor, row, answers, tags, revealed), recoveryCaseId: row.case_id, recoveryStatus: row.case_status,
    questions: responseAnswers(definition, answers, { revealed }), revealed,
  }
}

/** One response with its answers in words, free text masked. */
export function getResponse(db: Kysely<Database>, actor: Actor, id: string): Promise<ResponseDetail> {
  return loadDetail(db, actor, id, false)
}

/** One response with its free text unmasked; needs `canRevealPersonalText` and writes `response.reveal` to the audit log. */
export async function revealResponse(db: Kysely<Database>, actor: Actor, id: string): Promise<ResponseDetail> {
  return db.transaction().execute(async (trx) => {
    const detail = await loadDetail(trx, actor, id, true)
    if (!detail.abilities.reveal) throw new Forbidden('Your role does not allow revealing personal information.')
    const textKeys = [...new Set(detail.answers.filter((a) => a.textValue !== null).map((a) => a.questionKey))]
    await recordAudit(trx, actor, { action: 'response.reveal', entityType: 'response', entityId: id, organizationId: detail.organizationId, after: { questionKeys: textKeys } })
    return detail
  })
}

export interface TriageInput {
  readonly ids: readonly string[]
  readonly action: TriageAction
  /** For tag and untag. */
  readonly tag?: string | undefined
}

interface TriageState {
  readonly status: string
  readonly flagged: boolean
  readonly tags: readonly string[]
}

function applyAction(state: TriageState, action: TriageAction, tag: string | null): TriageState {
  switch (action) {
    case 'flag': return { ...state, flagged: true }
    case 'unflag': return { ...state, flagged: false }
    case 'spam': return { ...state, status: 'spam' }
    case 'archive': return { ...state, status: 'archived' }
    case 'inbox': return { ...state, status: 'inbox' }
    case 'trash': return { ...state, status: 'trash' }
    case 'restore': return state.status === 'trash' ? { ...state, status: 'inbox' } : state
    case 'tag': return state.tags.includes(tag as string) ? state : { ...state, tags: [...state.tags, tag as string].sort() }
    case 'untag': return { ...state, tags: state.tags.filter((t) => t !== tag) }
  }
}

const sameState = (a: TriageState, b: TriageState): boolean => a.status === b.status && a.flagged === b.flagged && a.tags.join('\n') === b.tags.join('\n')

/**
 * Applies one triage action to every named response, all or nothing: an id the actor cannot read is 404 and a
 * response they may not triage is 403, and then nothing changes. Responses already in the wanted state are left
 * alone and not counted; each changed one gets a `response.triage` audit entry with its state before and after.
 * @example await triageResponses(db, actor, { ids: [a, b], action: 'tag', tag: 'follow-up' }) // { changed: 2 }
 */
export async function triageResponses(db: Kysely<Database>, actor: Actor, input: TriageInput): Promise<{ changed: number }> {
  const ids = [...new Set(input.ids)]
  if (ids.length === 0) throw new Invalid('Select at least one response.', { ids: 'Select at least one response.' })
  if (ids.length > MAX_BULK_IDS) throw new Invalid('Some fields need attention.', { ids: `at most ${MAX_BULK_IDS} responses at once` })
  if (!TRIAGE_ACTIONS.includes(input.action)) throw new Invalid('Some fields need attention.', { action: `must be one of: ${TRIAGE_ACTIONS.join(', ')}` })
  const needsTag = input.action === 'tag' || input.action === 'untag'
  if (needsTag && !input.tag?.trim()) throw new Invalid('Some fields need attention.', { tag: 'Give the tag to add or remove.' })
  const tag = needsTag ? normalizeTag(input.tag as string) : null
  return db.transaction().execute(async (trx) => {
    const rows = await responsesById(trx, ids).select(['r.id', 'r.status', 'r.flagged', 'o.id as organization_id', 'o.path']).execute()
    if (rows.length !== ids.length || rows.some((r) => !canReadOrganization(actor, r.path))) throw new NotFound('Response')
    if (rows.some((r) => !canTriageResponses(actor, r.path))) throw new Forbidden('Your role does not allow triaging these responses.')
    const tags = await tagsOf(trx, ids)
    const changes = rows.flatMap((row) => {
      const before: TriageState = { status: row.status, flagged: row.flagged === 1, tags: tags.get(row.id) ?? [] }
      const after = applyAction(before, input.action, tag)
      return sameState(before, after) ? [] : [{ row, before, after }]
    })
    const changedIds = changes.map((c) => c.row.id)
    if (changedIds.length > 0) {
      const now = nowIso()
      switch (input.action) {
        case 'flag': case 'unflag':
          await trx.updateTable('responses').set({ flagged: input.action === 'flag' ? 1 : 0 }).where('id', 'in', changedIds).execute()
          break
        case 'tag':
          await trx.insertInto('response_tags').values(changedIds.map((id) => ({ response_id: id, tag: tag as string }))).execute()
          break
        case 'untag':
          await trx.deleteFrom('response_tags').where('tag', '=', tag as string).where('response_id', 'in', changedIds).execute()
          break
        default: {
          const status = changes[0]?.after.status as ResponseStatus
          await trx.updateTable('responses').set({ status, trashed_at: status === 'trash' ? now : null }).where('id', 'in', changedIds).execute()
        }
      }
      for (const { row, before, after } of changes) {
        await recordAudit(trx, actor, { action: 'response.triage', entityType: 'response', entityId: row.id, organizationId: row.organization_id, before, after })
      }
    }
    return { changed: changedIds.length }
  })
}
