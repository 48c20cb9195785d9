/**
 * Keeping the rollups fresh and the raw events within their retention. Dashboards read rollups only, so the
 * scheduler recomputes today and yesterday (UTC) every minute: yesterday too, because events may arrive up to ten
 * minutes late (ingest's age cap) and a late event near midnight lands in the previous day. Older days change only
 * through `cx280 analytics rollup`, which rebuilds any range one week at a time.
 */
import type { EventStore, TimeRange } from '../events/event-store.ts'
import { startOfUtcDay } from './period.ts'

const DAY_MS = 86_400_000
/** A rebuild works through a long range in steps, so one step's aggregation stays small and progress is visible. */
const REBUILD_STEP_DAYS = 7

/** Yesterday 00:00 UTC to tomorrow 00:00 UTC. */
export function recentRollupRange(now: Date): TimeRange {
  const today = startOfUtcDay(now).getTime()
  return { from: new Date(today - DAY_MS), to: new Date(today + DAY_MS) }
}

/** The scheduler's job: refresh the rollups of yesterday and today. */
export async function refreshRecentRollups(events: EventStore, now: Date): Promise<{ from: string; to: string }> {
  const range = recentRollupRange(now)
  await events.refreshRollups(range)
  return { from: range.from.toISOString(), to: range.to.toISOString() }
}

/**
 * Rebuilds the rollups of every UTC day from `from` to `to` (both included, UTC midnights), a week at a time.
 * @example await rebuildRollups(events, new Date('2025-01-01'), new Date('2025-03-31'), (day) => console.log(day))
 */
export async function rebuildRollups(events: EventStore, from: Date, to: Date, progress?: (doneThrough: string) => void): Promise<number> {
  const start = startOfUtcDay(from).getTime()
  const end = startOfUtcDay(to).getTime() + DAY_MS
  if (end <= start) throw new Error('--from must be on or before --to')
  for (let stepStart = start; stepStart < end; stepStart += REBUILD_STEP_DAYS * DAY_MS) {
    const stepEnd = Math.min(stepStart + REBUILD_STEP_DAYS * DAY_MS, end)
    await events.refreshRollups({ from: new Date(stepStart), to: new Date(stepEnd) })
    progress?.(new Date(stepEnd - DAY_MS).toISOString().slice(0, 10))
  }
  return Math.round((end - start) / DAY_MS)
}

/**
 * Deletes raw events older than `retentionDays` whole UTC days (0 keeps them forever). Rollups stay, so dashboards
 * keep their history; value statistics, funnels and the realtime view need raw events and end at the cutoff.
 */
export async function applyEventRetention(events: EventStore, retentionDays: number, now: Date): Promise<{ cutoff: string; deleted: number | null } | null> {
  if (retentionDays <= 0) return null
  const cutoff = new Date(startOfUtcDay(now).getTime() - retentionDays * DAY_MS)
  const deleted = await events.deleteEventsBefore(cutoff)
  return { cutoff: cutoff.toISOString(), deleted }
}
