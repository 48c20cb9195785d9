/**
 * Demo quarterly reporting: four complete fiscal quarters of synthetic A-11 responses and recorded offers on the
 * demo's designated services (web, mobile app, email, phone and in-person surveys; trust shares that differ by service
 * and channel and drift over the quarters; driver ticks in both branches; Likert where the survey is Likert), then the
 * quarters' collections moved through the real domain functions, so the reviewer board, the exports and the public
 * pages show every state: the three oldest quarters published (rated green), the newest one mixed (submitted, changes
 * requested, rated yellow, draft). Deterministic from `now`: the same data for the same moment.
 *
 * Responses are checked by intake's own `checkSubmission` and stored as intake stores them (`responseRecord`,
 * `answerRecords`), but written in batches: one insert per few hundred rows keeps the demo load fast. No respondent asks
 * to be contacted, so no recovery cases are due; no webhook exists yet, so there are no outbox rows to write either.
 */
import { sql, type Insertable, type Kysely } from 'kysely'
import type { Channel } from '../a11/channels.ts'
import { fiscalQuarterOf, type FiscalQuarter } from '../a11/fiscal-year.ts'
import { DRIVER_KEYS, questionWithRole, type DriverKey, type SurveyType } from '../a11/survey-model.ts'
import type { TemplateKey } from '../a11/survey-templates.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database, ResponseAnswerTable, ResponseTable } from '../db/schema.ts'
import { newId } from '../db/values.ts'
import {
  collectionsOfQuarter, ensureCollections, previousQuarter, quarterDates, rateCollection, transitionCollection, updateCollection,
  type CollectionView, type ReportingContext,
} from '../reporting/index.ts'
import { seededRandom } from '../seeded-random.ts'
import { answerRecords, checkSubmission, loadPublicSurvey, recordOffer, responseRecord, type PublicSurvey, type ResponseSource } from '../surveys/intake.ts'
import { createSurvey, transitionSurvey } from '../surveys/surveys.ts'

/** Who acts in the demo's reporting: the HISP's agency lead and OMB's reviewer. */
export interface DemoReportingPeople {
  readonly lead: Actor
  readonly reviewer: Actor
}

/** Trust on each designated service: its level in the oldest quarter and its change per quarter. */
const SERVICE_TRUST: Readonly<Record<string, { readonly base: number; readonly drift: number }>> = {
  'Apply for disability compensation': { base: 0.62, drift: 0.025 },
  'Apply for GI Bill education benefits': { base: 0.79, drift: 0.01 },
  'Enroll in VA health care': { base: 0.7, drift: -0.02 },
  'Schedule a health care appointment': { base: 0.66, drift: 0.035 },
}

/** How a channel moves trust, and the share of customers offered the survey there who answer. */
const CHANNEL_PROFILE: Partial<Record<Channel, { readonly shift: number; readonly responseRate: number; readonly source: ResponseSource }>> = {
  website: { shift: 0, responseRate: 0.09, source: 'widget' },
  mobile_app: { shift: 0.03, responseRate: 0.12, source: 'widget' },
  email: { shift: -0.03, responseRate: 0.18, source: 'link' },
  phone: { shift: -0.07, responseRate: 0.25, source: 'api' },
  in_person: { shift: 0.05, responseRate: 0.35, source: 'qr' },
}
const DEFAULT_CHANNEL = { shift: 0, responseRate: 0.1, source: 'link' as ResponseSource }

/** More channels for the designated services, beside the surveys demo-feedback.ts publishes. */
const REPORTING_SURVEYS: readonly { service: string; template: TemplateKey; channel: Channel; surveyType: SurveyType; name: string }[] = [
  { service: 'Apply for disability compensation', template: 'a11_v2_thumbs', channel: 'email', surveyType: 'post_service_journey', name: 'Disability claim decision (email)' },
  { service: 'Apply for GI Bill education benefits', template: 'a11_v2_thumbs', channel: 'phone', surveyType: 'post_interaction', name: 'GI Bill call center (phone)' },
  { service: 'Enroll in VA health care', template: 'a11_v2_likert', channel: 'website', surveyType: 'post_interaction', name: 'Health care application (web)' },
  { service: 'Schedule a health care appointment', template: 'a11_v2_thumbs', channel: 'phone', surveyType: 'post_interaction', name: 'Appointment line (phone)' },
]

/** How often each driver is ticked, per branch: what works (ease, employees) and what does not (waiting, clarity). */
const DRIVER_ODDS: Readonly<Record<'positive' | 'negative', Readonly<Record<DriverKey, number>>>> = {
  positive: { effectiveness: 0.42, ease: 0.48, efficiency: 0.33, transparency: 0.21, humanity: 0.29, employee: 0.26, other: 0.03 },
  negative: { effectiveness: 0.31, ease: 0.27, efficiency: 0.52, transparency: 0.44, humanity: 0.14, employee: 0.18, other: 0.05 },
}

const COMMENTS = [
  'Everything was explained clearly and I knew what would happen next.',
  'It took three calls to get an answer about my application.',
  'The online form saved my progress, which helped a lot.',
  'I was not told which documents I still needed.',
  'The staff member was patient and kind.',
  'La información en español fue muy útil.',
  'Waiting weeks without an update is stressful.',
]

/** The newest quarter's collections end in different states, so the board shows each one. */
type NewestOutcome = 'rated_yellow' | 'change_requested' | 'submitted' | 'draft'
const NEWEST_OUTCOME: Readonly<Record<string, NewestOutcome>> = {
  'Apply for disability compensation': 'rated_yellow',
  'Apply for GI Bill education benefits': 'change_requested',
  'Enroll in VA health care': 'submitted',
  'Schedule a health care appointment': 'draft',
}

/** Rows per insert: well under SQLite's and PostgreSQL's bound-parameter limits (27 and 7 columns per row). */
const BATCH = 400
const DAY_MS = 86_400_000

/** The four most recent complete fiscal quarters before `now`, oldest first. */
export function demoReportingQuarters(now: Date): FiscalQuarter[] {
  const quarters: FiscalQuarter[] = []
  let quarter = fiscalQuarterOf(now)
  for (let i = 0; i < 4; i++) {
    quarter = previousQuarter(quarter)
    quarters.unshift(quarter)
  }
  return quarters
}

/** A time in the quarter during Eastern office hours (13:00–22:59 UTC), so it can never fall in a neighbouring quarter. */
function timeIn(quarter: FiscalQuarter, next: () => number): Date {
  const { first, last } = quarterDates(quarter)
  const start = Date.parse(`${first}T13:00:00Z`)
  const days = Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / DAY_MS) + 1
  return new Date(start + Math.floor(next() * days) * DAY_MS + Math.floor(next() * 10 * 3_600_000))
}

/** One respondent's raw answers, as the widget would post them. */
function demoAnswers(survey: PublicSurvey, trustShare: number, next: () => number): Record<string, unknown> {
  const likert = questionWithRole(survey.definition, 'trust')?.type === 'likert'
  const positive = next() < trustShare
  const answers: Record<string, unknown> = {}
  answers.trust = likert ? (positive ? (next() < 0.55 ? 5 : 4) : 1 + Math.floor(next() * 3)) : positive ? 1 : 0
  const branch = positive ? 'positive' : 'negative'
  const ticked = DRIVER_KEYS.filter((key) => next() < DRIVER_ODDS[branch][key])
  if (ticked.length > 0) answers[`drivers_${branch}`] = ticked
  if (next() < 0.18) answers.open_text = COMMENTS[Math.floor(next() * COMMENTS.length)]
  return answers
}

async function publishReportingSurveys(db: Kysely<Database>, actor: Actor, serviceIds: ReadonlyMap<string, string>, now: Date): Promise<void> {
  for (const seed of REPORTING_SURVEYS) {
    const serviceId = serviceIds.get(seed.service)
    if (!serviceId) continue
    const created = await createSurvey(db, actor, {
      serviceId, template: seed.template, channel: seed.channel, surveyType: seed.surveyType, name: seed.name, ombControlNumber: '0348-0069',
      praExpiresOn: `${now.getUTCFullYear() + 2}-06-30`, federalRegisterUrl: 'https://www.federalregister.gov/d/2023-00001', allowedOrigins: ['https://www.va.gov'],
    })
    await transitionSurvey(db, actor, created.id, 'publish')
  }
}

/** The published A-11 surveys (those with a trust question) of the designated services, in a stable order. */
async function reportingSurveys(db: Kysely<Database>, serviceIds: readonly string[]): Promise<{ survey: PublicSurvey; serviceName: string }[]> {
  const rows = await db.selectFrom('surveys').innerJoin('services as sv', 'sv.id', 'surveys.service_id')
    .select(['surveys.id', 'surveys.name', 'sv.name as service_name']).where('surveys.service_id', 'in', [...serviceIds]).where('surveys.state', '=', 'published')
    .execute()
  // Sorted here, not in SQL: collations differ between engines, and the random draws follow this order.
  rows.sort((a, b) => (a.service_name + '\u0000' + a.name < b.service_name + '\u0000' + b.name ? -1 : 1))
  const surveys = []
  for (const row of rows) {
    const survey = await loadPublicSurvey(db, row.id)
    if (questionWithRole(survey.definition, 'trust')) surveys.push({ survey, serviceName: row.service_name })
  }
  return surveys
}

/** Synthetic responses and offers for every survey × quarter, written in batches; returns the responses stored. */
async function storeQuarterResponses(db: Kysely<Database>, surveys: readonly { survey: PublicSurvey; serviceName: string }[], quarters: readonly FiscalQuarter[], next: () => number): Promise<number> {
  const responses: Insertable<ResponseTable>[] = []
  const answers: Insertable<ResponseAnswerTable>[] = []
  const offers: { survey: PublicSurvey; count: number; offeredAt: Date; source: ResponseSource }[] = []
  for (const { survey, serviceName } of surveys) {
    const trust = SERVICE_TRUST[serviceName] ?? { base: 0.7, drift: 0 }
    const channel = CHANNEL_PROFILE[survey.channel] ?? DEFAULT_CHANNEL
    for (const [index, quarter] of quarters.entries()) {
      const share = Math.min(0.95, Math.max(0.2, trust.base + trust.drift * index + channel.shift + (next() - 0.5) * 0.04))
      const count = 60 + Math.floor(next() * 100)
      for (let i = 0; i < count; i++) {
        const checked = checkSubmission(survey, demoAnswers(survey, share, next))
        const id = newId()
        responses.push(responseRecord(id, survey, checked, { source: channel.source, language: next() < 0.12 ? 'es' : 'en', submittedAt: timeIn(quarter, next) }))
        answers.push(...answerRecords(id, checked))
      }
      // Offers are recorded as they were sent, one row a month.
      const offered = Math.ceil(count / (channel.responseRate * (0.85 + next() * 0.3)))
      const { first } = quarterDates(quarter)
      for (let month = 0; month < 3; month++) {
        offers.push({ survey, count: Math.floor(offered / 3) + (month < offered % 3 ? 1 : 0), offeredAt: new Date(Date.parse(`${first}T15:00:00Z`) + (month * 30 + 14) * DAY_MS), source: channel.source })
      }
    }
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < responses.length; i += BATCH) await trx.insertInto('responses').values(responses.slice(i, i + BATCH)).execute()
    for (let i = 0; i < answers.length; i += BATCH) await trx.insertInto('response_answers').values(answers.slice(i, i + BATCH)).execute()
    for (const offer of offers) await recordOffer(trx, offer.survey, { source: offer.source, count: offer.count, offeredAt: offer.offeredAt })
  })
  return responses.length
}

/**
 * Volumes a HISP would enter: customers several times the offers; offers as recorded when the recorded offers cover the
 * respondents (demo-feedback's older responses have none), else an estimate.
 */
function demoVolumes(collection: CollectionView, next: () => number) {
  return collection.details.map((d) => {
    const volumeOffered = d.recordedOffers >= d.respondents ? null : Math.ceil(d.respondents / 0.2)
    const offered = volumeOffered ?? d.recordedOffers
    return { id: d.id, volumeOffered, volumeOfCustomers: Math.ceil((offered * (3 + next() * 5)) / 100) * 100 }
  })
}

async function submit(db: Kysely<Database>, people: DemoReportingPeople, collection: CollectionView, context: ReportingContext, next: () => number): Promise<void> {
  await updateCollection(db, people.lead, collection.id, {
    details: demoVolumes(collection, next),
    reflection: `Trust in ${collection.serviceName.toLowerCase()} ${collection.figures.trust.share !== null && collection.figures.trust.share >= 0.7 ? 'held up' : 'lagged'} this quarter; we are acting on the drivers respondents flagged most.`,
  })
  await transitionCollection(db, people.lead, collection.id, { transition: 'submit' }, context)
}

/**
 * Makes and moves the four quarters' collections: the three oldest submitted, rated green and published; the newest
 * one per `NEWEST_OUTCOME`. HISP steps (volumes, submit) by the agency lead, OMB steps by the reviewer.
 */
async function reportQuarters(db: Kysely<Database>, people: DemoReportingPeople, quarters: readonly FiscalQuarter[], context: ReportingContext, now: Date, next: () => number): Promise<void> {
  for (const [index, quarter] of quarters.entries()) {
    await ensureCollections(db, people.lead, { fiscalYear: quarter.fiscalYear, quarter: quarter.quarter }, context, now)
    const newest = index === quarters.length - 1
    for (const collection of await collectionsOfQuarter(db, people.lead, quarter)) {
      if (collection.details.length === 0) continue
      const outcome = newest ? NEWEST_OUTCOME[collection.serviceName] ?? 'submitted' : 'published'
      if (outcome === 'draft') {
        // Started: volumes entered, not submitted yet.
        await updateCollection(db, people.lead, collection.id, { details: demoVolumes(collection, next) })
        continue
      }
      await submit(db, people, collection, context, next)
      if (outcome === 'published') {
        await rateCollection(db, people.reviewer, collection.id, { rating: 'green', reason: 'All three required questions, raw responses in the 17-column format, volumes complete.' }, context)
        await transitionCollection(db, people.reviewer, collection.id, { transition: 'publish' }, context)
      } else if (outcome === 'change_requested') {
        await transitionCollection(db, people.reviewer, collection.id, { transition: 'request_changes', note: 'The phone channel reports more customers offered the survey than customers served last quarter; check the volume of customers and resubmit.' }, context)
      } else if (outcome === 'rated_yellow') {
        await rateCollection(db, people.reviewer, collection.id, { rating: 'yellow', reason: 'The email survey’s trust question text differs from the approved wording; correct the survey before the next quarter.' }, context)
      }
    }
  }
}

/**
 * Loads the demo's reporting: more channel surveys, four complete quarters of responses and offers, and the quarters'
 * collections in every state. `actor` publishes the surveys, as in demo-feedback.ts. Returns the responses stored.
 * Called once, by `loadDemoData`.
 */
export async function loadDemoCollections(db: Kysely<Database>, actor: Actor, people: DemoReportingPeople, serviceIds: ReadonlyMap<string, string>, context: ReportingContext, now = new Date()): Promise<number> {
  const next = seededRandom(2_814)
  await publishReportingSurveys(db, actor, serviceIds, now)
  const designated = Object.keys(SERVICE_TRUST).map((name) => serviceIds.get(name)).filter((id): id is string => id !== undefined)
  if (designated.length === 0) return 0
  const quarters = demoReportingQuarters(now)
  const stored = await storeQuarterResponses(db, await reportingSurveys(db, designated), quarters, next)
  // Fresh planner statistics: PostgreSQL otherwise plans the collections' queries for the empty tables it last saw
  // (their steps took 5.8 s instead of 2.3 s in a trial); SQLite's ANALYZE of the demo costs a few milliseconds.
  await sql`analyze`.execute(db)
  await reportQuarters(db, people, quarters, context, now, next)
  return stored
}
