/**
 * SQL builders shared by the ClickHouse store's readers: scope filters, exact type-7 quantiles, funnel chains.
 * Everything here must run on ClickHouse 18.16 as well as current releases (no CTEs, no window functions, no
 * query parameters): values enter only through clickhouse-sql.ts.
 */
import type { EventScope, FunnelQuery, FunnelStep } from '../event-store.ts'
import { pagePatternToLike } from '../patterns.ts'
import { sqlInteger, sqlNumber, sqlString, sqlStringList } from './clickhouse-sql.ts'

/** Clamps to what DateTime holds (1970 to 2105), so extreme ranges give empty answers rather than bad SQL. */
const LAST_MS = 4_291_747_199_000
const clampMs = (ms: number): number => Math.min(Math.max(ms, 0), LAST_MS)

/** `YYYY-MM-DD` of the UTC day starting at or containing `ms`. */
export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
export const sqlDate = (ms: number): string => `toDate(${sqlString(isoDay(clampMs(ms)))})`
export const sqlDateTime = (ms: number): string => `toDateTime(${sqlInteger(Math.floor(clampMs(ms) / 1000))}, 'UTC')`

/** Raw events of the scope's sites in the exact half-open range; the `ts` bounds let partitions and the index prune. */
export function rawScopeFilter(scope: EventScope): string {
  const from = scope.range.from.getTime()
  const to = scope.range.to.getTime()
  return `site_id in ${sqlStringList(scope.siteIds)}` +
    ` and ts >= ${sqlDateTime(from)} and ts <= ${sqlDateTime(to)}` +
    ` and ts_ms >= ${sqlInteger(clampMs(from))} and ts_ms < ${sqlInteger(clampMs(to))}`
}

/** True when the scope can hold no event (no site, or an empty or inverted range). */
export function isEmptyScope(scope: EventScope): boolean {
  return scope.siteIds.length === 0 || !(scope.range.from.getTime() < scope.range.to.getTime())
}

/**
 * Exact type-7 quantile (DuckDB's quantile_cont) of an already sorted array expression: h = (n − 1)·p, then
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]) with 1-based ClickHouse arrays; NULL for an empty array.
 * (quantileExact picks an element without interpolating, so it cannot give these numbers.)
 */
export function type7Quantile(sortedArray: string, p: number): string {
  const h = `((length(${sortedArray}) - 1) * toFloat64(${sqlNumber(p)}))`
  const lo = `${sortedArray}[toUInt64(floor(${h})) + 1]`
  const hi = `${sortedArray}[toUInt64(ceil(${h})) + 1]`
  return `if(length(${sortedArray}) = 0, NULL, ${lo} + (${h} - floor(${h})) * (${hi} - ${lo}))`
}

function stepCondition(step: FunnelStep): string {
  if (step.kind === 'page') {
    return `(event_type = 'pageview' and isNotNull(path) and assumeNotNull(path) like ${sqlString(pagePatternToLike(step.pattern))})`
  }
  return `(event_type = 'action' and isNotNull(name) and assumeNotNull(name) = ${sqlString(step.name)})`
}

/** "Not reached": larger than any time, so no later step can follow it. */
const NOT_REACHED = '18446744073709551615'

/**
 * One row per visitor who reached step 1, with t1…tN: the epoch-ms time each step was reached, 0 if not.
 * Step 1 is the visitor's first matching event in the scope; step k+1 is the first matching event strictly after
 * step k and at most the window after step 1. Per visitor, each step's candidate times are gathered once and
 * filtered once against the previous step's time, so the cost grows linearly with the number of steps.
 * (Each step mentions the previous one exactly once: ClickHouse expands aliases inline, so a second mention, e.g.
 * to test for "not reached", would double the query at every step; the NOT_REACHED sentinel avoids that. Nested
 * subqueries avoid it too, but older servers take seconds to analyse twenty levels of them.)
 */
export function funnelVisitorsSql(query: FunnelQuery, eventsTable: string, visitorFilter: string | null): string {
  const windowMs = sqlInteger(Math.round(query.windowSeconds * 1000))
  const conditions = query.steps.map(stepCondition)
  const reached = conditions.map((condition, i) => {
    if (i === 0) return `minIf(ts_ms, ${condition}) as u1`
    const x = `x${i + 1}`
    return `arrayReduce('min', arrayPushBack(arrayFilter(${x} -> ${x} > u${i} and ${x} <= u1 + ${windowMs}, groupArrayIf(ts_ms, ${condition})), toUInt64(${NOT_REACHED}))) as u${i + 1}`
  })
  const inner = `select visitor_id, ${reached.join(', ')} from ${eventsTable}` +
    ` where ${rawScopeFilter(query)}${visitorFilter === null ? '' : ` and ${visitorFilter}`} and (${conditions.join(' or ')})` +
    ` group by visitor_id having countIf(${conditions[0]}) > 0`
  const outer = conditions.map((_, i) => i === 0 ? 'u1 as t1' : `if(u${i + 1} = toUInt64(${NOT_REACHED}), toUInt64(0), u${i + 1}) as t${i + 1}`)
  return `select visitor_id, ${outer.join(', ')} from (${inner})`
}
