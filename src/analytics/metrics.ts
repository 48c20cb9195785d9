/**
 * Digital analytics metrics (A-11 §280.5): the facade the dashboards and the metrics API share. It resolves what a
 * question is about (one site, or every active site linked to a service, limited to the sites the actor may read),
 * takes the period (period.ts) and asks the event store. Totals, series, breakdowns and
 * value summaries come from rollups; one action's exact value statistics (median, p95) and the realtime view from
 * raw events.
 */
import type { Kysely } from 'kysely'
import type { Actor } from '../auth/actor.ts'
import { canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database } from '../db/schema.ts'
import { subtreePattern } from '../db/values.ts'
import { Invalid, NotFound } from '../errors.ts'
import type { Period } from './period.ts'
import type {
  BreakdownDimension, BreakdownRow, DeviceClass, EventChannel, EventScope, EventStore, Granularity, SeriesPoint, Totals, ValueStats,
} from '../events/event-store.ts'

/** Hourly buckets beyond a month make a chart and a table nobody can read; daily buckets serve longer periods. */
export const MAX_HOURLY_DAYS = 31
export const REALTIME_MINUTES = 30
export const MAX_BREAKDOWN_LIMIT = 1000
export const MAX_REALTIME_EVENTS = 50

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Hourly buckets for periods of up to two days unless asked otherwise; hourly at most `MAX_HOURLY_DAYS` days. */
export function chooseGranularity(period: Period, requested: string | undefined): Granularity {
  if (requested === undefined || requested === '' || requested === 'auto') return period.days <= 2 ? 'hour' : 'day'
  if (requested !== 'hour' && requested !== 'day') throw new Invalid('The granularity is not valid.', { granularity: 'must be hour or day' })
  if (requested === 'hour' && period.days > MAX_HOURLY_DAYS) {
    throw new Invalid('The granularity is not valid.', { granularity: `hourly buckets cover at most ${MAX_HOURLY_DAYS} days; choose daily buckets or a shorter period` })
  }
  return requested
}

// ─── Scope ─────────────────────────────────────────────────────────────────────────────────────────────────────

export type ScopeKind = 'site' | 'service'

export interface ScopeSite {
  readonly id: string
  readonly name: string
  readonly domain: string
}

/** What a dashboard or API call is about; `sites` are the sites whose events count (may be empty for a service). */
export interface AnalyticsScope {
  readonly kind: ScopeKind
  readonly id: string
  readonly name: string
  readonly organizationName: string
  readonly sites: readonly ScopeSite[]
  /** For a site: whether it is archived (no longer measured). */
  readonly archived: boolean
}

/** A site the actor reads (its organization's readers); another organization's site answers 404. */
export async function siteScope(db: Kysely<Database>, actor: Actor, id: string): Promise<AnalyticsScope> {
  if (!UUID.test(id)) throw new NotFound('Site')
  const row = await db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.name', 's.domain', 's.state', 'o.name as organization_name', 'o.path as organization_path']).where('s.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Site')
  return {
    kind: 'site', id: row.id, name: row.name, organizationName: row.organization_name, archived: row.state === 'archived',
    sites: [{ id: row.id, name: row.name, domain: row.domain }],
  }
}

/**
 * A service the actor reads, measured by the active sites linked to it. Only sites the actor may read count, so a
 * reader of a bureau never sees traffic of a department-wide site through one of the bureau's services.
 */
export async function serviceScope(db: Kysely<Database>, actor: Actor, id: string): Promise<AnalyticsScope> {
  if (!UUID.test(id)) throw new NotFound('Service')
  const service = await db.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['sv.id', 'sv.name', 'o.name as organization_name', 'o.path as organization_path']).where('sv.id', '=', id).executeTakeFirst()
  if (!service || !canReadOrganization(actor, service.organization_path)) throw new NotFound('Service')
  const sites = await db.selectFrom('site_services as ss').innerJoin('sites as s', 's.id', 'ss.site_id').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.name', 's.domain', 'o.path as organization_path']).where('ss.service_id', '=', id).where('s.state', '=', 'active')
    .orderBy('s.name').orderBy('s.id').execute()
  return {
    kind: 'service', id: service.id, name: service.name, organizationName: service.organization_name, archived: false,
    sites: sites.filter((s) => canReadOrganization(actor, s.organization_path)).map((s) => ({ id: s.id, name: s.name, domain: s.domain })),
  }
}

export const loadScope = (db: Kysely<Database>, actor: Actor, kind: ScopeKind, id: string): Promise<AnalyticsScope> =>
  (kind === 'site' ? siteScope(db, actor, id) : serviceScope(db, actor, id))

const eventScope = (scope: AnalyticsScope, range: Period['range']): EventScope => ({ siteIds: scope.sites.map((s) => s.id), range })
const hasSites = (scope: AnalyticsScope): boolean => scope.sites.length > 0

// ─── Questions ─────────────────────────────────────────────────────────────────────────────────────────────────

export const ZERO_TOTALS: Totals = { pageviews: 0, visitors: 0, sessions: 0, actions: 0, events: 0 }
const EMPTY_STATS: ValueStats = { count: 0, sum: 0, mean: null, median: null, min: null, max: null, p95: null }

export function totalsFor(events: EventStore, scope: AnalyticsScope, period: Period): Promise<Totals> {
  return hasSites(scope) ? events.totals(eventScope(scope, period.range)) : Promise.resolve(ZERO_TOTALS)
}

/** Every bucket of the period, zero-filled (also when the scope has no site). */
export function seriesFor(events: EventStore, scope: AnalyticsScope, period: Period, granularity: Granularity): Promise<SeriesPoint[]> {
  if (hasSites(scope)) return events.series(eventScope(scope, period.range), granularity)
  const step = granularity === 'hour' ? HOUR_MS : DAY_MS
  const points: SeriesPoint[] = []
  for (let t = period.range.from.getTime(); t < period.range.to.getTime(); t += step) points.push({ bucket: new Date(t), ...ZERO_TOTALS })
  return Promise.resolve(points)
}

/** A breakdown row with a readable label: the site's name for the `site` dimension, the key otherwise. */
export interface LabelledBreakdownRow extends BreakdownRow {
  readonly label: string
}

export async function breakdownFor(events: EventStore, scope: AnalyticsScope, period: Period, dimension: BreakdownDimension, limit: number): Promise<LabelledBreakdownRow[]> {
  if (!hasSites(scope)) return []
  const rows = await events.breakdown(eventScope(scope, period.range), dimension, Math.max(1, Math.min(limit, MAX_BREAKDOWN_LIMIT)))
  const names = new Map(scope.sites.map((s) => [s.id, s.name]))
  return rows.map((row) => ({ ...row, label: dimension === 'site' ? names.get(row.key) ?? row.key : row.key }))
}

export function checkActionName(raw: string): string {
  const name = raw.trim()
  if (name === '' || name.length > 100) throw new Invalid('The key action name is not valid.', { actionName: 'must be 1 to 100 characters' })
  return name
}

export function valuesFor(events: EventStore, scope: AnalyticsScope, period: Period, actionName: string): Promise<ValueStats> {
  const name = checkActionName(actionName)
  return hasSites(scope) ? events.valueStats(eventScope(scope, period.range), name) : Promise.resolve(EMPTY_STATS)
}

export interface ActionValueSummary {
  readonly action: string
  /** How many times the action happened (with or without a value). */
  readonly occurrences: number
  /** How many of those carried a numeric value. */
  readonly count: number
  readonly sum: number
  readonly mean: number | null
  readonly min: number | null
  readonly max: number | null
}

/**
 * Count, sum, mean, minimum and maximum of the values of the key actions with the most values, from rollups (one
 * query, whatever the number of actions). Median and p95 need raw events: `valuesFor`, one action at a time.
 */
export async function actionValueSummaryFor(events: EventStore, scope: AnalyticsScope, period: Period, limit: number): Promise<ActionValueSummary[]> {
  if (!hasSites(scope)) return []
  const rows = await events.valueSummary(eventScope(scope, period.range), Math.max(1, Math.min(limit, MAX_BREAKDOWN_LIMIT)))
  return rows.map(({ key, actions, count, sum, mean, min, max }) => ({ action: key, occurrences: actions, count, sum, mean, min, max }))
}

/** An event as the realtime view shows it: no visitor or session id. */
export interface RealtimeEvent {
  readonly ts: Date
  readonly siteId: string
  readonly eventType: string
  readonly name: string | null
  readonly path: string | null
  readonly referrer: string | null
  readonly device: DeviceClass
  readonly channel: EventChannel
  readonly value: number | null
}

export interface Realtime {
  readonly from: Date
  readonly to: Date
  readonly totals: Totals
  /** The most recent events of the window, newest first. */
  readonly events: readonly RealtimeEvent[]
}

/**
 * The last 30 minutes from raw events (rollups lag by up to a minute). Both reads are bounded by the window's start,
 * so engines read only recent data; the list is read only when the window has any events.
 */
export async function realtimeFor(events: EventStore, scope: AnalyticsScope, now: Date = new Date()): Promise<Realtime> {
  const range = { from: new Date(now.getTime() - REALTIME_MINUTES * 60_000), to: new Date(now.getTime() + 1) }
  if (!hasSites(scope)) return { from: range.from, to: now, totals: ZERO_TOTALS, events: [] }
  const totals = await events.rawTotals({ siteIds: scope.sites.map((s) => s.id), range })
  const recent = totals.events === 0 ? [] : (await Promise.all(scope.sites.map((s) => events.recentEvents(s.id, MAX_REALTIME_EVENTS, range.from)))).flat()
  const inWindow = recent.filter((e) => e.ts >= range.from && e.ts < range.to).sort((a, b) => b.ts.getTime() - a.ts.getTime()).slice(0, MAX_REALTIME_EVENTS)
  return {
    from: range.from, to: now, totals,
    events: inWindow.map((e) => ({ ts: e.ts, siteId: e.siteId, eventType: e.eventType, name: e.name, path: e.path, referrer: e.referrer, device: e.device, channel: e.channel, value: e.value })),
  }
}

/** Whether any raw event is stored for the scope (false: the snippet is not installed yet, or nothing arrived). */
export async function anyEventStored(events: EventStore, scope: AnalyticsScope): Promise<boolean> {
  const latest = await Promise.all(scope.sites.map((s) => events.recentEvents(s.id, 1)))
  return latest.some((rows) => rows.length > 0)
}

// ─── The dashboards index ──────────────────────────────────────────────────────────────────────────────────────

export interface MeasuredService {
  readonly id: string
  readonly name: string
  readonly organizationName: string
  readonly sites: number
}

/**
 * Services that at least one active site the actor reads measures, by name; paged. A site's services lie in its
 * organization's subtree, so reading the site implies reading the service.
 */
export async function listMeasuredServices(db: Kysely<Database>, actor: Actor, page: number, pageSize: number): Promise<{ items: MeasuredService[]; total: number }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], total: 0 }
  let query = db.selectFrom('services as sv').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .innerJoin('site_services as ss', 'ss.service_id', 'sv.id').innerJoin('sites as s', 's.id', 'ss.site_id')
    .innerJoin('organizations as so', 'so.id', 's.organization_id').where('s.state', '=', 'active')
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('so.path', 'like', subtreePattern(p)))))
  const total = Number((await query.select((eb) => eb.fn.count('sv.id').distinct().as('n')).executeTakeFirstOrThrow()).n)
  const rows = await query.select(['sv.id', 'sv.name', 'o.name as organization_name']).select((eb) => eb.fn.count('s.id').as('sites'))
    .groupBy(['sv.id', 'sv.name', 'o.name']).orderBy('sv.name').orderBy('sv.id').limit(pageSize).offset((page - 1) * pageSize).execute()
  return { items: rows.map((r) => ({ id: r.id, name: r.name, organizationName: r.organization_name, sites: Number(r.sites) })), total }
}
