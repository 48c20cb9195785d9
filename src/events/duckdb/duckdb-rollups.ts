/**
 * Rollups in DuckDB: `rollup_hourly` (per hour and site) and `rollup_daily` (per UTC day, site, dimension and key;
 * dimension 'site' with key = site id is the site's total row). Visitors and sessions are distinct within each row's
 * hour or day; readers sum rows, so a period's visitors are the sum of its days' (ids rotate daily). Breakdowns have
 * no sessions, so daily rows of the other dimensions store 0 there. The 'action' rows also hold the count, sum,
 * minimum and maximum of the action's values (value_*), which combine across days for `valueSummary`.
 */
import type { DuckDBConnection } from '@duckdb/node-api'
import { Invalid } from '../../errors.ts'
import {
  BREAKDOWN_DIMENSIONS, type BreakdownDimension, type BreakdownRow, type EventScope, type Granularity, type SeriesPoint, type TimeRange, type Totals, type ValueSummaryRow,
} from '../event-store.ts'
import { bucketBounds, bucketStarts, DAY_MS, granularityMs, totalsPlan, touchedDays, ZERO_TOTALS, zeroFilledSeries } from '../rollup-ranges.ts'
import { readRows, SqlParams, toNumber, toNumberOrNull } from './duckdb-sql.ts'

const COUNTS = `count(*) filter (where event_type = 'pageview') as pageviews, count(distinct visitor_id) as visitors,
  count(distinct session_id) as sessions, count(*) filter (where event_type = 'action') as actions, count(*) as events`
const SUMS = `coalesce(sum(pageviews), 0)::bigint as pageviews, coalesce(sum(visitors), 0)::bigint as visitors,
  coalesce(sum(sessions), 0)::bigint as sessions, coalesce(sum(actions), 0)::bigint as actions, coalesce(sum(events), 0)::bigint as events`
/**
 * The referrer URL's host, lower-cased, without user info or port ('' when it is not an absolute URL). An IPv6
 * literal keeps its brackets (`[::1]`), like the ClickHouse store.
 */
const REFERRER_HOST = `lower(regexp_extract(referrer, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\\[[^\\]]*\\]|[^/?#:]*)', 1))`
const orNone = (expression: string): string => `coalesce(nullif(${expression}, ''), '(none)')`
const DAILY_COUNT_COLUMNS = 'day, site_id, dimension, key, pageviews, visitors, sessions, actions, events'
const DAILY_VALUE_COLUMNS = 'value_count, value_sum, value_min, value_max'

/** Recomputes the UTC days touching the range in one transaction; days without raw events keep their rollups. */
export async function refreshRollups(connection: DuckDBConnection, range: TimeRange): Promise<void> {
  const days = touchedDays(range)
  if (days.from >= days.to) return
  const p = new SqlParams()
  const from = p.timestamp(days.from)
  const to = p.timestamp(days.to)
  const inDays = `ts >= ${from} and ts < ${to}`
  await connection.run('begin transaction')
  try {
    // Retention deletes raw events but not rollups: a day without raw events is left as it was.
    await connection.run(`create or replace temp table refresh_days as select distinct date_trunc('day', ts) as day from events where ${inDays}`, p.values)
    await connection.run(`delete from rollup_hourly where hour >= ${from} and hour < ${to} and date_trunc('day', hour) in (select day from refresh_days)`, p.values)
    await connection.run(`delete from rollup_daily where day >= ${from} and day < ${to} and day in (select day from refresh_days)`, p.values)
    await connection.run(`insert into rollup_hourly select date_trunc('hour', ts) as hour, site_id, ${COUNTS} from events where ${inDays} group by all`, p.values)
    await connection.run(`insert into rollup_daily (${DAILY_COUNT_COLUMNS}) select date_trunc('day', ts) as day, site_id, 'site', site_id, ${COUNTS} from events where ${inDays} group by all`, p.values)
    // Distinct visitors per key in two phases (visitor-level rows first): ~35% less work than GROUPING SETS with
    // count(distinct) over the same events. Values count on the 'action' rows only.
    await connection.run(
      `insert into rollup_daily (${DAILY_COUNT_COLUMNS}, ${DAILY_VALUE_COLUMNS})
       with keyed as (
         select date_trunc('day', ts) as day, site_id, visitor_id, event_type,
           unnest(['path', 'referrer_host', 'device', 'channel', 'action']) as dimension,
           unnest([${orNone('path')}, ${orNone(REFERRER_HOST)}, ${orNone('device')}, ${orNone('channel')},
             case when event_type = 'action' then ${orNone('name')} end]) as key,
           unnest([null::double, null, null, null, value]) as v
         from events where ${inDays}
       ),
       per_visitor as (
         select day, site_id, dimension, key, visitor_id, count(*) filter (where event_type = 'pageview') as pageviews,
           count(*) filter (where event_type = 'action') as actions, count(*) as events,
           count(v) as value_count, sum(v) as value_sum, min(v) as value_min, max(v) as value_max
         from keyed where key is not null group by all
       )
       select day, site_id, dimension, key, sum(pageviews), count(*), 0, sum(actions), sum(events),
         sum(value_count), coalesce(sum(value_sum), 0), min(value_min), max(value_max)
       from per_visitor group by all`,
      p.values,
    )
    await connection.run('drop table refresh_days')
    await connection.run('commit')
  } catch (error) {
    await connection.run('rollback')
    throw error
  }
}

function totalsFrom(row: Record<string, unknown> | undefined): Totals {
  if (!row) return ZERO_TOTALS
  return { pageviews: toNumber(row.pageviews), visitors: toNumber(row.visitors), sessions: toNumber(row.sessions), actions: toNumber(row.actions), events: toNumber(row.events) }
}

export async function rollupTotals(connection: DuckDBConnection, scope: EventScope): Promise<Totals> {
  const { days, hours } = totalsPlan(scope.range)
  if (scope.siteIds.length === 0 || hours.from >= hours.to) return ZERO_TOTALS
  const p = new SqlParams()
  const sites = p.sites(scope.siteIds)
  const dayFrom = p.timestamp(days.from)
  const dayTo = p.timestamp(days.to)
  const rows = await readRows(connection,
    `select ${SUMS} from (
       select pageviews, visitors, sessions, actions, events from rollup_daily
       where dimension = 'site' and ${sites} and day >= ${dayFrom} and day < ${dayTo}
       union all
       select pageviews, visitors, sessions, actions, events from rollup_hourly
       where ${sites} and hour >= ${p.timestamp(hours.from)} and hour < ${p.timestamp(hours.to)} and (hour < ${dayFrom} or hour >= ${dayTo})
     )`, p)
  return totalsFrom(rows[0])
}

export async function rollupSeries(connection: DuckDBConnection, scope: EventScope, granularity: Granularity): Promise<SeriesPoint[]> {
  const buckets = bucketStarts(scope.range, granularity)
  if (scope.siteIds.length === 0 || buckets.length === 0) return zeroFilledSeries(scope.range, granularity, new Map())
  const { from, to } = bucketBounds(scope.range, granularityMs(granularity))
  const p = new SqlParams()
  const sql = granularity === 'hour'
    ? `select epoch_ms(hour) as ms, ${SUMS} from rollup_hourly
       where ${p.sites(scope.siteIds)} and hour >= ${p.timestamp(from)} and hour < ${p.timestamp(to)} group by hour`
    : `select epoch_ms(day) as ms, ${SUMS} from rollup_daily
       where dimension = 'site' and ${p.sites(scope.siteIds)} and day >= ${p.timestamp(from)} and day < ${p.timestamp(to)} group by day`
  const rows = await readRows(connection, sql, p)
  return zeroFilledSeries(scope.range, granularity, new Map(rows.map((row) => [Number(row.ms), totalsFrom(row)])))
}

export const MAX_BREAKDOWN_ROWS = 1000

export async function rollupBreakdown(connection: DuckDBConnection, scope: EventScope, dimension: BreakdownDimension, limit: number): Promise<BreakdownRow[]> {
  if (!BREAKDOWN_DIMENSIONS.includes(dimension)) throw new Invalid(`Unknown breakdown "${String(dimension)}".`, { dimension: 'unknown' })
  const { from, to } = bucketBounds(scope.range, DAY_MS)
  if (scope.siteIds.length === 0 || from >= to) return []
  const p = new SqlParams()
  const rows = await readRows(connection,
    `select key, ${SUMS} from rollup_daily
     where dimension = ${p.add(dimension)} and ${p.sites(scope.siteIds)} and day >= ${p.timestamp(from)} and day < ${p.timestamp(to)}
     group by key order by pageviews desc, events desc, key asc limit ${p.add(clampLimit(limit))}`, p)
  return rows.map((row) => ({ key: String(row.key), pageviews: toNumber(row.pageviews), visitors: toNumber(row.visitors), actions: toNumber(row.actions), events: toNumber(row.events) }))
}

const clampLimit = (limit: number): number => (Number.isFinite(limit) ? Math.max(1, Math.min(Math.floor(limit), MAX_BREAKDOWN_ROWS)) : MAX_BREAKDOWN_ROWS)

export async function rollupValueSummary(connection: DuckDBConnection, scope: EventScope, limit: number): Promise<ValueSummaryRow[]> {
  const { from, to } = bucketBounds(scope.range, DAY_MS)
  if (scope.siteIds.length === 0 || from >= to) return []
  const p = new SqlParams()
  const rows = await readRows(connection,
    `select key, sum(actions)::bigint as actions, sum(value_count)::bigint as count, coalesce(sum(value_sum), 0) as sum,
       min(value_min) as min, max(value_max) as max
     from rollup_daily
     where dimension = 'action' and ${p.sites(scope.siteIds)} and day >= ${p.timestamp(from)} and day < ${p.timestamp(to)}
     group by key order by count desc, key asc limit ${p.add(clampLimit(limit))}`, p)
  return rows.map((row) => {
    const count = toNumber(row.count)
    const sum = toNumber(row.sum)
    return {
      key: String(row.key), actions: toNumber(row.actions), count, sum, mean: count === 0 ? null : sum / count,
      min: count === 0 ? null : toNumberOrNull(row.min), max: count === 0 ? null : toNumberOrNull(row.max),
    }
  })
}
