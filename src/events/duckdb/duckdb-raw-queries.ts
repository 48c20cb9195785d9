/** Questions DuckDB answers from raw events: exact-range totals, value statistics, funnels and funnel progress. */
import type { DuckDBConnection } from '@duckdb/node-api'
import type { EventScope, FunnelQuery, FunnelResult, FunnelStep, Totals, ValueStats } from '../event-store.ts'
import { assertFunnelQuery, funnelResult } from '../funnel-shape.ts'
import { pagePatternToLike } from '../patterns.ts'
import { ZERO_TOTALS } from '../rollup-ranges.ts'
import { readRows, SqlParams, toNumber, toNumberOrNull } from './duckdb-sql.ts'

export const isEmpty = (scope: EventScope): boolean => scope.siteIds.length === 0 || !(scope.range.from.getTime() < scope.range.to.getTime())

export function scopeFilter(scope: EventScope, p: SqlParams): string {
  return `${p.sites(scope.siteIds)} and ts >= ${p.timestamp(scope.range.from.getTime())} and ts < ${p.timestamp(scope.range.to.getTime())}`
}

/** Visitors and sessions are distinct per site and UTC day, then summed, like the rollups. */
export async function rawTotals(connection: DuckDBConnection, scope: EventScope): Promise<Totals> {
  if (isEmpty(scope)) return ZERO_TOTALS
  const p = new SqlParams()
  const rows = await readRows(connection,
    `select coalesce(sum(pageviews), 0)::bigint as pageviews, coalesce(sum(visitors), 0)::bigint as visitors, coalesce(sum(sessions), 0)::bigint as sessions,
       coalesce(sum(actions), 0)::bigint as actions, coalesce(sum(events), 0)::bigint as events
     from (
       select count(*) filter (where event_type = 'pageview') as pageviews, count(distinct visitor_id) as visitors, count(distinct session_id) as sessions,
         count(*) filter (where event_type = 'action') as actions, count(*) as events
       from events where ${scopeFilter(scope, p)} group by site_id, date_trunc('day', ts)
     )`, p)
  const row = rows[0] ?? {}
  return { pageviews: toNumber(row.pageviews), visitors: toNumber(row.visitors), sessions: toNumber(row.sessions), actions: toNumber(row.actions), events: toNumber(row.events) }
}

const NO_VALUES: ValueStats = { count: 0, sum: 0, mean: null, median: null, min: null, max: null, p95: null }

export async function valueStats(connection: DuckDBConnection, scope: EventScope, actionName: string): Promise<ValueStats> {
  if (isEmpty(scope)) return NO_VALUES
  const p = new SqlParams()
  const rows = await readRows(connection,
    `select count(value) as count, coalesce(sum(value), 0) as sum, avg(value) as mean, quantile_cont(value, 0.5) as median,
       min(value) as min, max(value) as max, quantile_cont(value, 0.95) as p95
     from events where ${scopeFilter(scope, p)} and event_type = 'action' and name = ${p.add(actionName)} and value is not null`, p)
  const row = rows[0] ?? {}
  return {
    count: toNumber(row.count), sum: toNumber(row.sum), mean: toNumberOrNull(row.mean), median: toNumberOrNull(row.median),
    min: toNumberOrNull(row.min), max: toNumberOrNull(row.max), p95: toNumberOrNull(row.p95),
  }
}

function stepCondition(step: FunnelStep, p: SqlParams): string {
  return step.kind === 'page'
    ? `(event_type = 'pageview' and path like ${p.add(pagePatternToLike(step.pattern))} escape '\\')`
    : `(event_type = 'action' and name = ${p.add(step.name)})`
}

/**
 * The funnel as a chain of per-visitor aggregations, one per step (cost linear in steps): s0 is each visitor's first
 * step-1 event in the range; s_k is their first step-k event strictly after s_{k-1} and within the window of s0.
 * Each s_k row carries t (this step), prev (the previous step) and t0 (step 1). `visitor` is the visitor key: the
 * 64-bit hash of the id for counting (joins on integers cost ~20% less than on text; a collision among a million
 * visitors has odds of about 1 in 30 million), the id itself where ids are returned.
 *
 * With `perDay`, s0 holds each visitor's first step-1 event of every UTC day instead (those before `perDay.before`),
 * and each later step is keyed by (vid, t0): the funnel-days cache stores one chain per visitor and day.
 */
export function funnelChain(query: FunnelQuery, p: SqlParams, visitor: 'hash(visitor_id)' | 'visitor_id', source: string, perDay?: { readonly before: string }): string {
  const conditions = query.steps.map((step) => stepCondition(step, p))
  const flags = conditions.map((_, i) => `m${i}`)
  // Bound only when used: DuckDB refuses a parameter the statement does not mention.
  const windowMs = conditions.length > 1 ? p.add(Math.round(query.windowSeconds * 1000)) : ''
  const ctes = [
    // Flags are computed once per row, in the inner query; the outer filter reuses them.
    `e as materialized (
       select * from (
         select ${visitor} as vid, ts, ${conditions.map((c, i) => `${c} as m${i}`).join(', ')}
         from ${source}
       ) where ${flags.join(' or ')}
     )`,
    perDay
      ? `s0 as (select vid, min(ts) as t, min(ts) as t0, min(ts) as prev from e where m0 and ts < ${perDay.before} group by vid, date_trunc('day', ts))`
      : 's0 as (select vid, min(ts) as t, min(ts) as t0, min(ts) as prev from e where m0 group by vid)',
  ]
  for (let k = 1; k < conditions.length; k++) {
    ctes.push(perDay
      ? `s${k} as (
      select e.vid, s.t0, min(e.ts) as t, any_value(s.t) as prev
      from e join s${k - 1} s on e.vid = s.vid
      where e.m${k} and e.ts > s.t and e.ts <= s.t0 + to_milliseconds(${windowMs})
      group by e.vid, s.t0
    )`
      : `s${k} as (
      select e.vid, min(e.ts) as t, any_value(s.t0) as t0, any_value(s.t) as prev
      from e join s${k - 1} s on e.vid = s.vid
      where e.m${k} and e.ts > s.t and e.ts <= s.t0 + to_milliseconds(${windowMs})
      group by e.vid
    )`)
  }
  return `with ${ctes.join(',\n')}`
}

export async function rawFunnel(connection: DuckDBConnection, query: FunnelQuery): Promise<FunnelResult> {
  assertFunnelQuery(query)
  if (isEmpty(query)) return funnelResult(query.steps.length, new Map())
  const p = new SqlParams()
  const summary = query.steps
    .map((_, k) => `select ${k} as step, count(*) as visitors, quantile_cont(epoch_ms(t) - epoch_ms(prev), 0.5) / 1000.0 as median from s${k}`)
    .join(' union all ')
  const rows = await readRows(connection, `${funnelChain(query, p, 'hash(visitor_id)', `events where ${scopeFilter(query, p)}`)}\n${summary}`, p)
  return funnelResult(query.steps.length, new Map(rows.map((row) => [Number(row.step), { visitors: toNumber(row.visitors), medianSeconds: toNumberOrNull(row.median) }])))
}

export async function funnelProgress(connection: DuckDBConnection, query: FunnelQuery, visitorIds: readonly string[]): Promise<Map<string, number>> {
  assertFunnelQuery(query)
  if (isEmpty(query) || visitorIds.length === 0) return new Map()
  // The given visitors' events first, in their own statement: in one query the planner evaluated the step
  // conditions on every event in scope before the semi-join (5× slower).
  const few = new SqlParams()
  await connection.run(
    `create temp table funnel_visitor_events as select visitor_id, ts, event_type, name, path
     from events where ${scopeFilter(query, few)} and visitor_id in (select unnest(${few.textList(visitorIds)}))`, few.values)
  const p = new SqlParams()
  const reached = query.steps.map((_, k) => `select vid, ${k} as step from s${k}`).join(' union all ')
  const rows = await readRows(connection, `${funnelChain(query, p, 'visitor_id', 'funnel_visitor_events')}\nselect vid, max(step) as step from (${reached}) group by vid`, p)
  return new Map(rows.map((row) => [String(row.vid), Number(row.step)]))
}
