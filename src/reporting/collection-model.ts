/**
 * The quarterly CX data collection's rules (A-11 §280.14; reference §6), pure: lifecycle states and who moves them,
 * OMB's green/yellow/red rating, fiscal-quarter dates and the deadline, the 14/7/1-day reminders, and the volume
 * checks (respondents ≤ offered ≤ customers). No I/O.
 */
import { fiscalQuarterOf, type FiscalQuarter } from '../a11/fiscal-year.ts'

export const COLLECTION_STATES = ['draft', 'submitted', 'change_requested', 'published', 'archived', 'not_reported'] as const
export type CollectionState = (typeof COLLECTION_STATES)[number]

export const COLLECTION_STATE_LABELS: Readonly<Record<CollectionState, string>> = {
  draft: 'Draft', submitted: 'Submitted', change_requested: 'Changes requested', published: 'Published', archived: 'Archived', not_reported: 'Not reported',
}

/** States in which the HISP still owes OMB its data: reminders go out, volumes may be edited, details follow the responses. */
export const OPEN_STATES: ReadonlySet<CollectionState> = new Set(['draft', 'change_requested'])

/** Who may make a transition: the HISP (its agency leads), OMB (reviewers), or either. */
export type TransitionActor = 'hisp' | 'omb' | 'either'

export const COLLECTION_TRANSITIONS = ['submit', 'request_changes', 'publish', 'archive', 'mark_not_reported'] as const
export type CollectionTransition = (typeof COLLECTION_TRANSITIONS)[number]

interface TransitionRule {
  readonly from: readonly CollectionState[]
  readonly to: CollectionState
  readonly by: TransitionActor
  /** The webhook event and audit verb. */
  readonly event: 'submitted' | 'change_requested' | 'published' | 'archived' | 'not_reported'
  readonly label: string
}

/** Reference §6 (Touchpoints' `cx_collection.rb`): submit also resubmits after a change request. */
export const TRANSITION_RULES: Readonly<Record<CollectionTransition, TransitionRule>> = {
  submit: { from: ['draft', 'change_requested'], to: 'submitted', by: 'hisp', event: 'submitted', label: 'Submit to OMB' },
  request_changes: { from: ['submitted'], to: 'change_requested', by: 'omb', event: 'change_requested', label: 'Request changes' },
  publish: { from: ['submitted'], to: 'published', by: 'omb', event: 'published', label: 'Publish' },
  archive: { from: ['published'], to: 'archived', by: 'omb', event: 'archived', label: 'Archive' },
  mark_not_reported: { from: ['draft', 'submitted'], to: 'not_reported', by: 'either', event: 'not_reported', label: 'Mark not reported' },
}

/** The state a transition leads to, or null when it is not allowed from `from`. */
export function nextCollectionState(from: CollectionState, transition: CollectionTransition): CollectionState | null {
  const rule = TRANSITION_RULES[transition]
  return rule.from.includes(from) ? rule.to : null
}

/** Transitions allowed from a state, in display order. */
export const transitionsFrom = (state: CollectionState): CollectionTransition[] => COLLECTION_TRANSITIONS.filter((t) => TRANSITION_RULES[t].from.includes(state))

/** OMB's rating (Touchpoints wiki "Data-Collection-Rating"; stored there as TRUE / PARTIAL / FALSE). */
export const RATINGS = ['green', 'yellow', 'red'] as const
export type Rating = (typeof RATINGS)[number]

export const RATING_LABELS: Readonly<Record<Rating, string>> = {
  green: 'Green: the required three questions, raw responses, correct format; published',
  yellow: 'Yellow: incorrect data or wrong format; not shared publicly',
  red: 'Red: no data reported for the designated service',
}
export const RATING_SHORT: Readonly<Record<Rating, string>> = { green: 'Green', yellow: 'Yellow', red: 'Red' }

/** States in which a reviewer may rate: once data is in OMB's hands, and before it is public. */
export const RATABLE_STATES: ReadonlySet<CollectionState> = new Set(['submitted', 'change_requested', 'not_reported'])

/** Why a rating is not allowed in a state, or null. Green means data in the right format, so it needs a submission. */
export function ratingProblem(state: CollectionState, rating: Rating): string | null {
  if (!RATABLE_STATES.has(state)) return `A ${COLLECTION_STATE_LABELS[state].toLowerCase()} collection cannot be rated.`
  if (rating === 'green' && state !== 'submitted') return 'Only a submitted collection can be rated green.'
  return null
}

/** Fiscal quarters are read in this time zone (reference §7). */
export const FISCAL_TIME_ZONE = 'America/New_York'

const pad = (n: number) => String(n).padStart(2, '0')

/**
 * The first and last calendar day of a fiscal quarter (FY N Q1 = Oct 1 – Dec 31 of N−1; Q2 Jan–Mar; Q3 Apr–Jun;
 * Q4 Jul–Sep of N).
 * @example quarterDates({ fiscalYear: 2026, quarter: 1 }) // { first: '2025-10-01', last: '2025-12-31' }
 */
export function quarterDates(q: FiscalQuarter): { readonly first: string; readonly last: string } {
  const year = q.quarter === 1 ? q.fiscalYear - 1 : q.fiscalYear
  const firstMonth = q.quarter === 1 ? 10 : (q.quarter - 2) * 3 + 1
  const lastMonth = firstMonth + 2
  const lastDay = new Date(Date.UTC(year, lastMonth, 0)).getUTCDate()
  return { first: `${year}-${pad(firstMonth)}-01`, last: `${year}-${pad(lastMonth)}-${pad(lastDay)}` }
}

/** Adds days to a YYYY-MM-DD date. */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** Whole days from `from` to `to` (YYYY-MM-DD each). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/** The last day to submit: `days` after the quarter's last day (reference §6: "within 30 days"). */
export function collectionDueOn(q: FiscalQuarter, days: number): string {
  return addDays(quarterDates(q).last, days)
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>()

/** The calendar date of an instant in a time zone, YYYY-MM-DD. */
export function dateIn(at: Date, timeZone = FISCAL_TIME_ZONE): string {
  let formatter = dayFormatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormatters.set(timeZone, formatter)
  }
  return formatter.format(at)
}

export const quarterKey = (q: FiscalQuarter): number => q.fiscalYear * 4 + (q.quarter - 1)

export function previousQuarter(q: FiscalQuarter): FiscalQuarter {
  return q.quarter === 1 ? { fiscalYear: q.fiscalYear - 1, quarter: 4 } : { fiscalYear: q.fiscalYear, quarter: (q.quarter - 1) as 1 | 2 | 3 }
}

/** Whether a quarter has begun at `now` (collections are not made for the future). */
export function quarterHasStarted(q: FiscalQuarter, now: Date, timeZone = FISCAL_TIME_ZONE): boolean {
  return quarterKey(q) <= quarterKey(fiscalQuarterOf(now, timeZone))
}

/** Reminders go to HISP leads this many days before the deadline, each once (the issue: 14, 7 and 1). */
export const REMINDER_DAYS = [14, 7, 1] as const

/**
 * The reminder due with `daysLeft` to go, or null. Only the latest threshold passed counts, so a job that missed a
 * day sends the nearer reminder once rather than every missed one; on or after the deadline none is sent.
 * @example reminderDue(5, new Set([14])) // 7
 */
export function reminderDue(daysLeft: number, sent: ReadonlySet<number>): number | null {
  if (daysLeft < 0) return null
  const threshold = [...REMINDER_DAYS].sort((a, b) => a - b).find((d) => daysLeft <= d)
  if (threshold === undefined || sent.has(threshold)) return null
  return threshold
}

export interface DetailVolumes {
  readonly respondents: number
  /** Offers recorded by the widget, hosted page, links or imports in the quarter. */
  readonly recordedOffers: number
  readonly volumeOfCustomers: number | null
  /** As entered; null means "use the recorded offers". */
  readonly volumeOffered: number | null
}

/** Customers offered the survey: as entered, else as recorded (null when nothing was recorded). */
export function effectiveOffered(volumes: Pick<DetailVolumes, 'recordedOffers' | 'volumeOffered'>): number | null {
  if (volumes.volumeOffered !== null) return volumes.volumeOffered
  return volumes.recordedOffers > 0 ? volumes.recordedOffers : null
}

export type VolumeField = 'volumeOfCustomers' | 'volumeOffered'

/**
 * Reference §6 checks: respondents ≤ offered ≤ customers. `complete` (on submit) also requires both volumes.
 * Returns one message per field.
 */
export function volumeProblems(volumes: DetailVolumes, complete: boolean): Partial<Record<VolumeField, string>> {
  const problems: Partial<Record<VolumeField, string>> = {}
  const offered = effectiveOffered(volumes)
  const fromOffers = volumes.volumeOffered === null && offered !== null
  if (offered !== null && volumes.respondents > offered) {
    problems.volumeOffered = fromOffers
      ? `the ${offered.toLocaleString('en-US')} recorded offers are fewer than the ${volumes.respondents.toLocaleString('en-US')} respondents; enter how many customers were offered the survey`
      : `must be at least the number of respondents (${volumes.respondents.toLocaleString('en-US')})`
  }
  if (offered !== null && volumes.volumeOfCustomers !== null && offered > volumes.volumeOfCustomers) {
    problems.volumeOfCustomers = `must be at least the number offered the survey (${offered.toLocaleString('en-US')})`
  }
  if (complete) {
    if (volumes.volumeOfCustomers === null) problems.volumeOfCustomers ??= 'is required: estimate the customers who used the service in the quarter'
    if (offered === null) problems.volumeOffered ??= 'is required: no offers were recorded, so enter how many customers were offered the survey'
  }
  return problems
}

/** Respondents ÷ offered, or null. */
export function detailResponseRate(volumes: DetailVolumes): number | null {
  const offered = effectiveOffered(volumes)
  return offered ? volumes.respondents / offered : null
}
