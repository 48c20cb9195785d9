/**
 * Engine-neutral arithmetic for reading rollups, so every engine picks the same buckets. Rollups are per UTC hour
 * (totals, hourly series) and per UTC day (daily series, breakdowns); a reader counts every bucket that overlaps the
 * range. Visitors are distinct per day, so `totals` takes whole days from the daily rows and the hours of partly
 * covered days from the hourly rows.
 */
import { Invalid } from '../errors.ts'
import type { Granularity, SeriesPoint, TimeRange, Totals } from './event-store.ts'

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
/** A year of hours: longer hourly series should ask for days. */
export const MAX_SERIES_BUCKETS = 24 * 366

export const ZERO_TOTALS: Totals = { pageviews: 0, visitors: 0, sessions: 0, actions: 0, events: 0 }

const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit
const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit

/** Half-open millisecond bounds of the buckets of `unit` overlapping the range; empty when from ≥ to. */
export function bucketBounds(range: TimeRange, unit: number): { from: number; to: number } {
  const from = range.from.getTime()
  const to = range.to.getTime()
  if (!(from < to)) return { from: 0, to: 0 }
  return { from: floorTo(from, unit), to: ceilTo(to, unit) }
}

/**
 * How `totals` reads rollups: whole UTC days [days.from, days.to) from the daily rows, and hours in
 * [hours.from, hours.to) outside those days from the hourly rows. Empty intervals have from = to.
 */
export function totalsPlan(range: TimeRange): { days: { from: number; to: number }; hours: { from: number; to: number } } {
  const hours = bucketBounds(range, HOUR_MS)
  const dayFrom = ceilTo(hours.from, DAY_MS)
  const dayTo = floorTo(hours.to, DAY_MS)
  const days = dayFrom < dayTo ? { from: dayFrom, to: dayTo } : { from: hours.from, to: hours.from }
  return { days, hours }
}

export const granularityMs = (granularity: Granularity): number => (granularity === 'hour' ? HOUR_MS : DAY_MS)

/** Every bucket start overlapping the range, oldest first. Invalid beyond MAX_SERIES_BUCKETS. */
export function bucketStarts(range: TimeRange, granularity: Granularity): number[] {
  const unit = granularityMs(granularity)
  const { from, to } = bucketBounds(range, unit)
  const count = (to - from) / unit
  if (count > MAX_SERIES_BUCKETS) {
    throw new Invalid(`A ${granularity === 'hour' ? 'hourly' : 'daily'} series is limited to ${MAX_SERIES_BUCKETS} points; choose a shorter range or daily points.`, { granularity: 'too many points' })
  }
  return Array.from({ length: count }, (_, i) => from + i * unit)
}

/** Zero-fills the rows an engine found (keyed by bucket start in ms) into the full bucket list. */
export function zeroFilledSeries(range: TimeRange, granularity: Granularity, found: ReadonlyMap<number, Totals>): SeriesPoint[] {
  return bucketStarts(range, granularity).map((ms) => ({ bucket: new Date(ms), ...(found.get(ms) ?? ZERO_TOTALS) }))
}

/** The UTC days [from, to) touching the range, in ms; refreshRollups recomputes these. */
export function touchedDays(range: TimeRange): { from: number; to: number } {
  return bucketBounds(range, DAY_MS)
}
