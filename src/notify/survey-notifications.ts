/**
 * Email about new feedback, per survey and person (A-11 §280.6, acting on feedback): `instant` sends an email for each
 * new response (saying when it opened a recovery case), `daily` sends one digest per person listing yesterday's
 * responses and the open cases of each survey they follow, `off` sends nothing. Emails never carry the respondent's
 * free text or contact details (they may hold personal information); they link to the inbox and the case instead.
 *
 * `survey_subscriptions.last_digest_at` is each subscription's high-water mark in both modes: a run claims the window
 * (mark → cutoff) with a guarded update before sending, so two runs (or two nodes) never send the same window twice,
 * and a failed send puts the mark back so the window is retried.
 */
import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canReadOrganization } from '../auth/permissions.ts'
import { loadUserActor } from '../auth/users.ts'
import type { Database } from '../db/schema.ts'
import { Invalid, NotFound } from '../errors.ts'
import type { Mailer } from './mailer.ts'

export const NOTIFICATION_MODES = ['instant', 'daily', 'off'] as const
export type NotificationMode = (typeof NOTIFICATION_MODES)[number]
export const NOTIFICATION_MODE_LABELS: Readonly<Record<NotificationMode, string>> = {
  instant: 'Instant: an email for each new response',
  daily: 'Daily digest: one email each day listing the previous day’s responses and open recovery cases',
  off: 'Off: no email',
}

/** Responses newer than this are left for the next run: a submission still committing may carry an earlier time. */
const SETTLE_MS = 10_000
/** Above this many new responses in one instant run, one summary email replaces the individual ones. */
const INSTANT_BURST = 10
const DIGEST_LINES = 50

export interface JobContext {
  readonly now: Date
  readonly publicUrl: string
  readonly mailer: Pick<Mailer, 'send'>
}

export interface NotificationRun {
  readonly emails: number
  readonly failures: number
}

export interface SubscriptionView {
  readonly surveyId: string
  readonly surveyName: string
  readonly mode: NotificationMode
}

async function readableSurvey(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<{ id: string; name: string; organization_id: string; organization_path: string }> {
  if (!/^[0-9a-f-]{36}$/i.test(surveyId)) throw new NotFound('Survey')
  const survey = await db.selectFrom('surveys as s').innerJoin('services as svc', 'svc.id', 's.service_id').innerJoin('organizations as o', 'o.id', 'svc.organization_id')
    .select(['s.id', 's.name', 'o.id as organization_id', 'o.path as organization_path']).where('s.id', '=', surveyId).executeTakeFirst()
  if (!survey || !canReadOrganization(actor, survey.organization_path)) throw new NotFound('Survey')
  return survey
}

/** The signed-in person's email mode for a survey (`off` when they never chose one). */
export async function getSubscription(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<SubscriptionView> {
  const survey = await readableSurvey(db, actor, surveyId)
  const row = actor.userId
    ? await db.selectFrom('survey_subscriptions').select('mode').where('survey_id', '=', survey.id).where('user_id', '=', actor.userId).executeTakeFirst()
    : undefined
  return { surveyId: survey.id, surveyName: survey.name, mode: (row?.mode as NotificationMode | undefined) ?? 'off' }
}

/**
 * Sets the signed-in person's email mode for a survey. Email covers feedback from now on, never older responses.
 * @example setSubscription(db, actor, surveyId, 'daily')
 */
export async function setSubscription(db: Kysely<Database>, actor: Actor, surveyId: string, mode: NotificationMode, now = new Date()): Promise<SubscriptionView> {
  if (!actor.userId) throw new Invalid('Only a person can subscribe to email.', { mode: 'needs a signed-in person' })
  const userId = actor.userId
  const survey = await readableSurvey(db, actor, surveyId)
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('survey_subscriptions').selectAll().where('survey_id', '=', survey.id).where('user_id', '=', userId).executeTakeFirst()
    const before = existing?.mode ?? 'off'
    if (before === mode) return
    if (mode === 'off') await trx.deleteFrom('survey_subscriptions').where('survey_id', '=', survey.id).where('user_id', '=', userId).execute()
    else if (existing) await trx.updateTable('survey_subscriptions').set({ mode }).where('survey_id', '=', survey.id).where('user_id', '=', userId).execute()
    else await trx.insertInto('survey_subscriptions').values({ survey_id: survey.id, user_id: userId, mode, last_digest_at: now.toISOString() }).execute()
    await recordAudit(trx, actor, { action: 'survey.subscription', entityType: 'survey', entityId: survey.id, organizationId: survey.organization_id, before: { mode: before }, after: { mode } })
  })
  return { surveyId: survey.id, surveyName: survey.name, mode }
}

interface Subscriber {
  survey_id: string
  user_id: string
  last_digest_at: string | null
  email: string
  survey_name: string
  organization_path: string
}

async function subscribers(db: Kysely<Database>, mode: NotificationMode): Promise<Subscriber[]> {
  return db.selectFrom('survey_subscriptions as sub').innerJoin('users as u', 'u.id', 'sub.user_id').innerJoin('surveys as s', 's.id', 'sub.survey_id')
    .innerJoin('services as svc', 'svc.id', 's.service_id').innerJoin('organizations as o', 'o.id', 'svc.organization_id')
    .select(['sub.survey_id', 'sub.user_id', 'sub.last_digest_at', 'u.email', 's.name as survey_name', 'o.path as organization_path'])
    .where('sub.mode', '=', mode).where('u.active', '=', 1).orderBy('sub.user_id').orderBy('s.name').execute()
}

/** Moves a subscription's mark from `from` to `to` only if nobody moved it first; true when this run owns the window. */
async function moveMark(db: Kysely<Database>, sub: Pick<Subscriber, 'survey_id' | 'user_id'>, from: string | null, to: string): Promise<boolean> {
  let query = db.updateTable('survey_subscriptions').set({ last_digest_at: to }).where('survey_id', '=', sub.survey_id).where('user_id', '=', sub.user_id)
  query = from === null ? query.where('last_digest_at', 'is', null) : query.where('last_digest_at', '=', from)
  return Number((await query.executeTakeFirst()).numUpdatedRows) === 1
}

interface NewResponse {
  id: string
  submittedAt: string
  trust: string
  branch: string | null
  channel: string
  hasText: boolean
  caseId: string | null
  drivers: string[]
}

/** Responses that arrived in (since, until], oldest first, without the respondent's text. */
async function responsesBetween(db: Kysely<Database>, surveyId: string, since: string, until: string, limit: number): Promise<{ items: NewResponse[]; total: number }> {
  const base = db.selectFrom('responses as r').where('r.survey_id', '=', surveyId).where('r.submitted_at', '>', since).where('r.submitted_at', '<=', until)
    .where('r.source', '!=', 'import').where('r.status', 'not in', ['spam', 'trash'])
  const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  if (total === 0) return { items: [], total }
  const rows = await base.innerJoin('survey_versions as v', 'v.id', 'r.survey_version_id').leftJoin('recovery_cases as c', 'c.response_id', 'r.id')
    .select(['r.id', 'r.submitted_at', 'r.trust_value', 'r.branch', 'r.channel', 'r.has_text', 'v.scale', 'c.id as case_id'])
    .orderBy('r.submitted_at').orderBy('r.id').limit(limit).execute()
  const drivers = rows.length === 0 ? [] : await db.selectFrom('response_answers').select(['response_id', 'option_key'])
    .where('response_id', 'in', rows.map((r) => r.id)).where('role', 'in', ['drivers_positive', 'drivers_negative']).orderBy('position').execute()
  return {
    total,
    items: rows.map((r) => ({
      id: r.id, submittedAt: r.submitted_at, trust: describeTrust(r.trust_value, r.scale), branch: r.branch, channel: r.channel, hasText: r.has_text === 1,
      caseId: r.case_id, drivers: drivers.filter((d) => d.response_id === r.id && d.option_key).map((d) => d.option_key as string),
    })),
  }
}

function describeTrust(value: number | null, scale: string | null): string {
  if (value === null) return 'no trust answer'
  if (scale === 'thumbs_up_down') return value === 1 ? 'thumbs up' : 'thumbs down'
  return `${value} of 5`
}

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`

function responseLines(r: NewResponse, publicUrl: string): string[] {
  return [
    `${minute(r.submittedAt)} · trust: ${r.trust}${r.branch ? ` (${r.branch})` : ''} · ${r.channel}${r.drivers.length > 0 ? ` · drivers: ${r.drivers.join(', ')}` : ''}${r.hasText ? ' · has written comments' : ''}`,
    `  Response: ${publicUrl}/responses/${r.id}`,
    ...(r.caseId ? [`  Recovery case opened (the respondent asked to be contacted): ${publicUrl}/recovery/${r.caseId}`] : []),
  ]
}

const FOOTER = (publicUrl: string, surveyId: string) => [
  '',
  'Written comments and contact details are not sent by email; open the links above to read them.',
  `Change these emails: ${publicUrl}/surveys/${surveyId}/notifications`,
]

async function accessibleTo(db: Kysely<Database>, sub: Subscriber, actors: Map<string, Actor | null>): Promise<boolean> {
  if (!actors.has(sub.user_id)) actors.set(sub.user_id, await loadUserActor(db, sub.user_id))
  const actor = actors.get(sub.user_id)
  return actor !== null && actor !== undefined && canReadOrganization(actor, sub.organization_path)
}

/**
 * One email per new response (or one summary for a burst) to each instant subscriber. Runs every minute.
 * @example await sendInstantNotifications(db, { now: new Date(), publicUrl, mailer })
 */
export async function sendInstantNotifications(db: Kysely<Database>, context: JobContext): Promise<NotificationRun> {
  const cutoff = new Date(context.now.getTime() - SETTLE_MS).toISOString()
  const actors = new Map<string, Actor | null>()
  let emails = 0
  let failures = 0
  for (const sub of await subscribers(db, 'instant')) {
    if (sub.last_digest_at !== null && sub.last_digest_at >= cutoff) continue
    if (!(await accessibleTo(db, sub, actors))) continue
    const since = sub.last_digest_at ?? cutoff
    const { items, total } = await responsesBetween(db, sub.survey_id, since, cutoff, INSTANT_BURST)
    if (!(await moveMark(db, sub, sub.last_digest_at, cutoff))) continue
    if (total === 0) continue
    const messages = total > INSTANT_BURST
      ? [{ to: sub.email, subject: `${total} new responses: ${sub.survey_name}`, text: [`${total} new responses arrived for “${sub.survey_name}” since ${minute(since)}.`, `Read them in the inbox: ${context.publicUrl}/surveys/${sub.survey_id}/inbox`, ...FOOTER(context.publicUrl, sub.survey_id)].join('\n') }]
      : items.map((r) => ({
        to: sub.email,
        subject: `${r.caseId ? 'Recovery case opened' : 'New response'}: ${sub.survey_name}`,
        text: [`A new response arrived for “${sub.survey_name}”.`, '', ...responseLines(r, context.publicUrl), ...FOOTER(context.publicUrl, sub.survey_id)].join('\n'),
      }))
    try {
      for (const message of messages) {
        await context.mailer.send(message)
        emails += 1
      }
    } catch {
      failures += 1
      await moveMark(db, sub, cutoff, since)
    }
  }
  return { emails, failures }
}

interface OpenCase { id: string; status: string; due_on: string | null; created_at: string }

async function openCases(db: Kysely<Database>, surveyId: string): Promise<OpenCase[]> {
  return db.selectFrom('recovery_cases as c').innerJoin('responses as r', 'r.id', 'c.response_id')
    .select(['c.id', 'c.status', 'c.due_on', 'c.created_at']).where('c.survey_id', '=', surveyId).where('c.status', '!=', 'resolved').where('r.status', '!=', 'trash')
    .orderBy('c.created_at').orderBy('c.id').execute()
}

function digestSection(sub: Subscriber, since: string, responses: { items: NewResponse[]; total: number }, cases: readonly OpenCase[], today: string, publicUrl: string): string[] {
  const overdue = cases.filter((c) => c.due_on !== null && c.due_on < today).length
  const positive = responses.items.filter((r) => r.branch === 'positive').length
  const negative = responses.items.filter((r) => r.branch === 'negative').length
  return [
    `== ${sub.survey_name} ==`,
    `Responses since ${minute(since)}: ${responses.total}${responses.total > 0 ? ` (positive ${positive}, negative ${negative}${responses.total > responses.items.length ? ' among those listed' : ''})` : ''}`,
    ...responses.items.flatMap((r) => responseLines(r, publicUrl)),
    ...(responses.total > responses.items.length ? [`… and ${responses.total - responses.items.length} more: ${publicUrl}/surveys/${sub.survey_id}/inbox`] : []),
    `Open recovery cases: ${cases.length}${overdue > 0 ? ` (${overdue} overdue)` : ''}`,
    ...cases.slice(0, DIGEST_LINES).map((c) => `  ${c.status === 'new' ? 'New' : 'In progress'}${c.due_on ? `, due ${c.due_on}` : ''}: ${publicUrl}/recovery/${c.id}`),
    `Inbox: ${publicUrl}/surveys/${sub.survey_id}/inbox · Email settings: ${publicUrl}/surveys/${sub.survey_id}/notifications`,
    '',
  ]
}

/**
 * One digest per daily subscriber, covering each followed survey from its mark up to midnight UTC today. Runs daily.
 * @example await sendDailyDigests(db, { now: new Date('2025-05-02T13:00:00Z'), publicUrl, mailer })
 */
export async function sendDailyDigests(db: Kysely<Database>, context: JobContext): Promise<NotificationRun> {
  const today = context.now.toISOString().slice(0, 10)
  const cutoff = `${today}T00:00:00.000Z`
  const actors = new Map<string, Actor | null>()
  const byUser = new Map<string, Subscriber[]>()
  for (const sub of await subscribers(db, 'daily')) byUser.set(sub.user_id, [...(byUser.get(sub.user_id) ?? []), sub])
  let emails = 0
  let failures = 0
  for (const subs of byUser.values()) {
    const claimed: { sub: Subscriber; since: string }[] = []
    const sections: string[] = []
    let responseTotal = 0
    let caseTotal = 0
    for (const sub of subs) {
      if (sub.last_digest_at !== null && sub.last_digest_at >= cutoff) continue
      if (!(await accessibleTo(db, sub, actors))) continue
      const since = sub.last_digest_at ?? cutoff
      const [responses, cases] = await Promise.all([responsesBetween(db, sub.survey_id, since, cutoff, DIGEST_LINES), openCases(db, sub.survey_id)])
      if (!(await moveMark(db, sub, sub.last_digest_at, cutoff))) continue
      claimed.push({ sub, since })
      responseTotal += responses.total
      caseTotal += cases.length
      if (responses.total > 0 || cases.length > 0) sections.push(...digestSection(sub, since, responses, cases, today, context.publicUrl))
    }
    const first = subs[0]
    if (!first || sections.length === 0) continue
    const day = new Date(Date.parse(cutoff) - 86_400_000).toISOString().slice(0, 10)
    try {
      await context.mailer.send({
        to: first.email,
        subject: `Feedback digest for ${day}: ${responseTotal} response${responseTotal === 1 ? '' : 's'}, ${caseTotal} open recovery case${caseTotal === 1 ? '' : 's'}`,
        text: [`Your daily feedback digest for ${day} (times in UTC).`, '', ...sections,
          'Written comments and contact details are not sent by email; open the links above to read them.'].join('\n'),
      })
      emails += 1
    } catch {
      failures += 1
      for (const { sub, since } of claimed) await moveMark(db, sub, cutoff, since)
    }
  }
  return { emails, failures }
}

