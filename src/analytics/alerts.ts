/**
 * Alerts opened and resolved by monitors, read back for the monitor pages and API (history) and for charts (marks).
 * Callers have already decided who may see the sites or the monitor.
 */
import type { Kysely } from 'kysely'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import type { TimeRange } from '../events/event-store.ts'
import { getMonitor } from './monitors.ts'

export interface AlertMark {
  readonly at: Date
  readonly label: string
  readonly kind: 'opened' | 'resolved'
}

export interface AlertView {
  readonly id: string
  readonly monitorId: string
  /** Start of the bucket that opened it. */
  readonly bucket: string
  readonly openedAt: string
  readonly value: number | null
  readonly expected: number | null
  readonly message: string
  readonly resolvedAt: string | null
  readonly resolvedValue: number | null
  readonly resolveMessage: string | null
  /** When its emails went out (or were found to have no recipient); null while due. */
  readonly openNotifiedAt: string | null
  readonly resolveNotifiedAt: string | null
}

const numberOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value))

/** Marks for alerts of the monitors watching these sites that opened or resolved within the range, oldest first. */
export async function alertMarks(db: Kysely<Database>, siteIds: readonly string[], range: TimeRange): Promise<AlertMark[]> {
  if (siteIds.length === 0) return []
  const from = range.from.toISOString()
  const to = range.to.toISOString()
  const rows = await db.selectFrom('monitor_alerts as a').innerJoin('monitors as m', 'm.id', 'a.monitor_id')
    .select(['a.opened_at', 'a.resolved_at', 'm.name'])
    .where('m.site_id', 'in', [...siteIds])
    .where((eb) => eb.or([
      eb.and([eb('a.opened_at', '>=', from), eb('a.opened_at', '<', to)]),
      eb.and([eb('a.resolved_at', '>=', from), eb('a.resolved_at', '<', to)]),
    ]))
    .orderBy('a.opened_at').limit(500).execute()
  return marksOf(rows, range)
}

/** The marks of one monitor's alerts within the range, for its own chart. */
export async function monitorAlertMarks(db: Kysely<Database>, monitorId: string, range: TimeRange): Promise<AlertMark[]> {
  const rows = await db.selectFrom('monitor_alerts as a').innerJoin('monitors as m', 'm.id', 'a.monitor_id')
    .select(['a.opened_at', 'a.resolved_at', 'm.name']).where('a.monitor_id', '=', monitorId)
    .where((eb) => eb.or([eb('a.resolved_at', 'is', null), eb('a.resolved_at', '>=', range.from.toISOString())]))
    .where('a.opened_at', '<', range.to.toISOString()).orderBy('a.opened_at').limit(500).execute()
  return marksOf(rows, range)
}

function marksOf(rows: readonly { opened_at: string; resolved_at: string | null; name: string }[], range: TimeRange): AlertMark[] {
  const inside = (at: Date) => at >= range.from && at < range.to
  const marks: AlertMark[] = []
  for (const row of rows) {
    const opened = new Date(row.opened_at)
    if (inside(opened)) marks.push({ at: opened, label: `${row.name}: alert opened`, kind: 'opened' })
    const resolved = row.resolved_at ? new Date(row.resolved_at) : null
    if (resolved && inside(resolved)) marks.push({ at: resolved, label: `${row.name}: alert resolved`, kind: 'resolved' })
  }
  return marks.sort((a, b) => a.at.getTime() - b.at.getTime())
}

/** A monitor's alerts, newest first; 404 when the actor cannot read the monitor. */
export async function listAlerts(db: Kysely<Database>, actor: Actor, monitorId: string, page: { page: number; pageSize: number }): Promise<{ items: AlertView[]; total: number }> {
  await getMonitor(db, actor, monitorId)
  const total = Number((await db.selectFrom('monitor_alerts').select((eb) => eb.fn.countAll().as('n')).where('monitor_id', '=', monitorId).executeTakeFirstOrThrow()).n)
  const rows = await db.selectFrom('monitor_alerts').selectAll().where('monitor_id', '=', monitorId)
    .orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(page.pageSize).offset((page.page - 1) * page.pageSize).execute()
  return {
    total,
    items: rows.map((r) => ({
      id: r.id, monitorId: r.monitor_id, bucket: r.bucket, openedAt: r.opened_at, value: numberOrNull(r.value), expected: numberOrNull(r.expected),
      message: r.message, resolvedAt: r.resolved_at, resolvedValue: numberOrNull(r.resolved_value), resolveMessage: r.resolve_message,
      openNotifiedAt: r.open_notified_at, resolveNotifiedAt: r.resolve_notified_at,
    })),
  }
}
