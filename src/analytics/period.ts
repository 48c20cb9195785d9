/**
 * The period an analytics question covers, parsed the same way for dashboards, the metrics API, journeys and ad-hoc
 * funnels. `from` and `to` are each a UTC date (`YYYY-MM-DD`; both ends included) or an ISO date-time with a time
 * zone (an exact instant). Defaults: the 30 days ending today (UTC). At most 400 days.
 */
import { Invalid } from '../errors.ts'
import type { TimeRange } from '../events/event-store.ts'

export const MAX_PERIOD_DAYS = 400
export const DEFAULT_PERIOD_DAYS = 30
const DAY_MS = 86_400_000

export interface Period {
  /** As given (or the default date), for forms and links. */
  readonly from: string
  readonly to: string
  /** Days the range touches (a date-time range of 2 hours counts 1). */
  readonly days: number
  /** The half-open interval the event store reads. */
  readonly range: TimeRange
}

export interface PeriodInput {
  readonly from?: string | undefined
  readonly to?: string | undefined
}

const isoDate = (date: Date): string => date.toISOString().slice(0, 10)
export const startOfUtcDay = (date: Date): Date => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()))

/** A calendar date `YYYY-MM-DD` between 2000 and 2100, as UTC midnight; null otherwise. */
export function parseUtcDate(raw: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim())
  if (!match) return null
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (year < 2000 || year > 2100) return null
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/

/** The start instant of `from` or the (exclusive) end instant of `to`; null when unreadable. */
function boundary(raw: string, end: boolean): Date | null {
  const day = parseUtcDate(raw)
  if (day) return end ? new Date(day.getTime() + DAY_MS) : day
  const text = raw.trim()
  if (!DATE_TIME.test(text)) return null
  const at = new Date(text)
  return Number.isNaN(at.getTime()) || at.getUTCFullYear() < 2000 || at.getUTCFullYear() > 2100 ? null : at
}

const UNREADABLE = 'must be a date such as 2025-01-31 (UTC), between 2000 and 2100, or an ISO date-time with a time zone'

/**
 * @example parsePeriod({ from: '2025-01-01', to: '2025-01-31' }) // 31 days, [2025-01-01T00:00Z, 2025-02-01T00:00Z)
 * @example parsePeriod({ from: '2025-01-01T10:00:00Z', to: '2025-01-01T12:00:00Z' }) // exactly those two hours
 */
export function parsePeriod(input: PeriodInput, now: Date = new Date()): Period {
  const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim())
  const rawFrom = given(input.from)
  const rawTo = given(input.to)
  const errors: Record<string, string> = {}
  const to = rawTo === undefined ? new Date(startOfUtcDay(now).getTime() + DAY_MS) : boundary(rawTo, true)
  if (to === null) errors.to = UNREADABLE
  const from = rawFrom === undefined ? (to ? startOfUtcDay(new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS)) : null) : boundary(rawFrom, false)
  if (from === null && rawFrom !== undefined) errors.from = UNREADABLE
  if (from && to && Object.keys(errors).length === 0) {
    const days = Math.ceil((to.getTime() - startOfUtcDay(from).getTime()) / DAY_MS)
    if (to.getTime() <= from.getTime()) errors.from = 'must be on or before the end date'
    else if (days > MAX_PERIOD_DAYS) errors.from = `the period may cover at most ${MAX_PERIOD_DAYS} days (this one covers ${days})`
    else return { from: rawFrom ?? isoDate(from), to: rawTo ?? isoDate(new Date(to.getTime() - DAY_MS)), days, range: { from, to } }
  }
  throw new Invalid('The period is not valid.', errors)
}
