/**
 * ClickHouse implementation of the event store, over the HTTP interface, on one node or on a cluster of shards
 * (a Distributed table over local tables, events sharded by visitor). The SQL keeps to what ClickHouse 18.16 and
 * current releases both accept (see docs/analytics.md and clickhouse-queries.ts).
 */
import { randomInt } from 'node:crypto'
import { BREAKDOWN_DIMENSIONS, DEVICE_CLASSES, EVENT_CHANNELS, type BreakdownDimension, type BreakdownRow, type DeviceClass, type EventChannel, type EventRow, type EventScope, type EventStore, type EventStoreHealth, type FunnelQuery, type FunnelResult, type Granularity, type SeriesPoint, type TimeRange, type Totals, type ValueStats, type ValueSummaryRow } from '../event-store.ts'
import { Invalid } from '../../errors.ts'
import { assertFunnelQuery, funnelResult } from '../funnel-shape.ts'
import { bucketBounds, bucketStarts, DAY_MS, granularityMs, totalsPlan, touchedDays, zeroFilledSeries } from '../rollup-ranges.ts'
import { ClickHouseNode, clusterNodeUrls } from './clickhouse-connection.ts'
import { CLICKHOUSE_MIGRATIONS, localTable, queryTable, type ClickHouseLayout } from './clickhouse-migrations.ts'
import { funnelVisitorsSql, isEmptyScope, rawScopeFilter, sqlDate, sqlDateTime, type7Quantile } from './clickhouse-queries.ts'
import { sqlIdentifier, sqlInteger, sqlString, sqlStringList } from './clickhouse-sql.ts'
import { parseClickHouseUrl, type ClickHouseLocation } from './clickhouse-url.ts'

const ZERO: Totals = { pageviews: 0, visitors: 0, sessions: 0, actions: 0, events: 0 }
/** ClickHouse's default max_query_size is 256 KiB; inline visitor lists are sent in chunks well below it. */
const VISITOR_CHUNK = 2_000
/** How long deleteEventsBefore waits for its mutation to finish before returning anyway. */
const MUTATION_WAIT_MS = 300_000
/** Superseded rollup generations are purged at most this often per process (each purge is a mutation). */
const PURGE_INTERVAL_MS = 3_600_000
const REFRESH_DAYS_PER_BATCH = 7
/** As DuckDB: a breakdown answers 1 to 1,000 rows. */
const MAX_BREAKDOWN_ROWS = 1000

/**
 * The referrer's lower-cased host without user info or port ('' when there is none). Written as a regular
 * expression because domain() on older servers mishandles user info.
 */
const REFERRER_HOST_SQL = `lower(extract(ifNull(referrer, ''), ${sqlString(String.raw`^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)`)}))`

type Count = number | string
interface TotalsRecord { pageviews: Count; visitors: Count; sessions: Count; actions: Count; events: Count }
interface EventRecord {
  ms: Count; site_id: string; visitor_id: string; session_id: string; event_type: string; name: string | null; path: string | null
  query: string | null; referrer: string | null; device: string; channel: string; value: number | null; properties: string | null
}

const toTotals = (r: TotalsRecord | undefined): Totals => r === undefined ? ZERO : {
  pageviews: Number(r.pageviews), visitors: Number(r.visitors), sessions: Number(r.sessions), actions: Number(r.actions), events: Number(r.events),
}
const addTotals = (a: Totals, b: Totals): Totals => ({
  pageviews: a.pageviews + b.pageviews, visitors: a.visitors + b.visitors, sessions: a.sessions + b.sessions, actions: a.actions + b.actions, events: a.events + b.events,
})
const SUM_TOTALS = 'sum(pageviews) as pageviews, sum(visitors) as visitors, sum(sessions) as sessions, sum(actions) as actions, sum(events) as events'
const isDevice = (value: string): value is DeviceClass => (DEVICE_CLASSES as readonly string[]).includes(value)
const isChannel = (value: string): value is EventChannel => (EVENT_CHANNELS as readonly string[]).includes(value)

class ClickHouseEventStore implements EventStore {
  readonly engine = 'clickhouse' as const
  private readonly layout: ClickHouseLayout
  private readonly entry: ClickHouseNode
  private nodesPromise: Promise<ClickHouseNode[]> | null = null
  private lastPurge = 0
  /** Day → the newest generation this process recorded for it since the last purge. */
  private readonly recorded = new Map<string, string>()

  constructor(private readonly location: ClickHouseLocation, private readonly purgeIntervalMs: number) {
    this.layout = { database: location.database, cluster: location.cluster }
    this.entry = new ClickHouseNode(location.url, location)
  }

  private table(name: string): string {
    return queryTable(this.layout, name)
  }

  /** Inserts through a Distributed table return only once every shard has the rows, so reads right after see them. */
  private get writeSettings(): { insert_distributed_sync?: 1 } {
    return this.layout.cluster === null ? {} : { insert_distributed_sync: 1 }
  }

  /** Every node that holds tables: the entry node alone, or each host of the cluster. */
  private nodes(): Promise<ClickHouseNode[]> {
    if (this.layout.cluster === null) return Promise.resolve([this.entry])
    if (this.nodesPromise === null) {
      const pending = clusterNodeUrls(this.entry, this.location, this.layout.cluster).then((urls) =>
        urls.map((url) => (url === this.location.url ? this.entry : new ClickHouseNode(url, this.location))))
      // A failed lookup (server down, cluster undefined) is retried on the next call rather than remembered.
      pending.catch(() => { if (this.nodesPromise === pending) this.nodesPromise = null })
      this.nodesPromise = pending
    }
    return this.nodesPromise
  }

  async migrate(): Promise<string[]> {
    const applied = new Set<string>()
    const db = sqlIdentifier(this.layout.database)
    for (const node of await this.nodes()) {
      await node.command(`create database if not exists ${db}`)
      await node.command(`create table if not exists ${db}.event_migrations (name String, applied_at DateTime('UTC')) engine = MergeTree() order by name`)
      const done = new Set((await node.rows<{ name: string }>(`select name from ${db}.event_migrations`)).map((r) => r.name))
      for (const migration of CLICKHOUSE_MIGRATIONS) {
        if (done.has(migration.name)) continue
        try {
          for (const statement of migration.statements(this.layout)) await node.command(statement)
        } catch (error) {
          throw new Error(`event migration ${migration.name} failed on ${node.label}: ${(error as Error).message}`, { cause: error })
        }
        await node.insert(`${db}.event_migrations`, [{ name: migration.name, applied_at: Math.floor(Date.now() / 1000) }])
        applied.add(migration.name)
      }
    }
    // Rollups written before their value columns existed are recomputed once, so value summaries cover history too.
    if (applied.has('0003-rollup-values')) await this.refreshAllRollups()
    return CLICKHOUSE_MIGRATIONS.map((m) => m.name).filter((name) => applied.has(name))
  }

  private async refreshAllRollups(): Promise<void> {
    const [span] = await this.entry.rows<{ n: Count; first: Count; last: Count }>(
      `select count() as n, min(ts_ms) as first, max(ts_ms) as last from ${this.table('events')}`)
    if (span === undefined || Number(span.n) === 0) return
    await this.refreshRollups({ from: new Date(Number(span.first)), to: new Date(Number(span.last) + 1) })
  }

  async health(): Promise<EventStoreHealth> {
    try {
      const db = sqlIdentifier(this.layout.database)
      const problems: string[] = []
      for (const node of await this.nodes()) {
        const exists = await node.rows<{ n: Count }>(
          `select count() as n from system.tables where database = ${sqlString(this.layout.database)} and name = 'event_migrations'`)
        const applied = Number(exists[0]?.n ?? 0) === 0 ? 0 : Number((await node.rows<{ n: Count }>(`select uniqExact(name) as n from ${db}.event_migrations`))[0]?.n ?? 0)
        if (applied !== CLICKHOUSE_MIGRATIONS.length) problems.push(`${node.label}: ${applied} of ${CLICKHOUSE_MIGRATIONS.length} migrations applied`)
      }
      return { ok: problems.length === 0, engine: 'clickhouse', detail: problems.length === 0 ? 'ok' : problems.join('; ') }
    } catch (error) {
      return { ok: false, engine: 'clickhouse', detail: (error as Error).message }
    }
  }

  async append(rows: readonly EventRow[]): Promise<void> {
    if (rows.length === 0) return
    // DateTime takes epoch seconds (milliseconds would be stored as a wrong date without an error); ts_ms keeps them.
    await this.entry.insert(this.table('events'), rows.map((row) => {
      const ms = row.ts.getTime()
      return {
        ts: Math.floor(ms / 1000), ts_ms: ms, site_id: row.siteId, visitor_id: row.visitorId, session_id: row.sessionId,
        event_type: row.eventType, name: row.name, path: row.path, query: row.query, referrer: row.referrer,
        device: row.device, channel: row.channel, value: row.value, properties: row.properties,
      }
    }), this.writeSettings)
  }

  async recentEvents(siteId: string, limit: number, since?: Date): Promise<EventRow[]> {
    const n = Math.max(1, Math.min(Math.floor(limit) || 1, 10_000))
    // The bound on ts (seconds) prunes monthly partitions and index ranges; ts_ms makes it exact to the millisecond.
    let recent = ''
    if (since !== undefined) {
      const ms = since.getTime()
      if (!Number.isFinite(ms)) throw new Invalid('The start of the recent events is not a valid date.', { since: 'invalid date' })
      const from = Math.max(0, ms)
      recent = ` and ts >= ${sqlDateTime(from)} and ts_ms >= ${sqlInteger(from)}`
    }
    const records = await this.entry.rows<EventRecord>(
      `select ts_ms as ms, site_id, visitor_id, session_id, event_type, name, path, query, referrer, device, channel, value, properties` +
      ` from ${this.table('events')} where site_id = ${sqlString(siteId)}${recent} order by ts_ms desc limit ${sqlInteger(n)}`)
    return records.map((r) => ({
      ts: new Date(Number(r.ms)), siteId: r.site_id, visitorId: r.visitor_id, sessionId: r.session_id, eventType: r.event_type,
      name: r.name, path: r.path, query: r.query, referrer: r.referrer,
      device: isDevice(r.device) ? r.device : 'other', channel: isChannel(r.channel) ? r.channel : 'other',
      value: r.value === null ? null : Number(r.value), properties: r.properties,
    }))
  }

  async countEvents(): Promise<number> {
    const rows = await this.entry.rows<{ n: Count }>(`select count() as n from ${this.table('events')}`)
    return Number(rows[0]?.n ?? 0)
  }

  async refreshRollups(range: TimeRange): Promise<void> {
    const { from: firstDay, to: endDay } = touchedDays(range)
    if (firstDay >= endDay) return
    // Generations grow with time (assigned at the start, so of two overlapping refreshes the later one wins).
    const generation = `${BigInt(Date.now()) * 1_000_000n + BigInt(randomInt(1_000_000))}`
    const events = this.table('events')
    // Only days that still have raw events: a day emptied by retention keeps its rollups.
    const days = (await this.entry.rows<{ day: string }>(
      `select distinct toString(toDate(ts)) as day from ${events} where ts >= ${sqlDateTime(firstDay)} and ts < ${sqlDateTime(endDay)} order by day`,
    )).map((r) => r.day)
    // A week at a time bounds the memory of the exact distinct counts; each day is recorded once its rows are in.
    for (let start = 0; start < days.length; start += REFRESH_DAYS_PER_BATCH) {
      await this.refreshDays(days.slice(start, start + REFRESH_DAYS_PER_BATCH), generation)
    }
    await this.purgeSupersededGenerations()
  }

  private async refreshDays(days: readonly string[], generation: string): Promise<void> {
    const events = this.table('events')
    const first = Date.parse(`${days[0]}T00:00:00Z`)
    const end = Date.parse(`${days[days.length - 1]}T00:00:00Z`) + DAY_MS
    const dayFilter = `ts >= ${sqlDateTime(first)} and ts < ${sqlDateTime(end)} and toDate(ts) in (${days.map((d) => `toDate(${sqlString(d)})`).join(', ')})`
    const settings = this.writeSettings
    await this.entry.command(
      `insert into ${this.table('rollup_hourly')} (generation, day, hour, site_id, pageviews, visitors, sessions, actions, events)` +
      ` select ${generation}, toDate(ts) as d, toStartOfHour(ts) as h, site_id, countIf(event_type = 'pageview'), uniqExact(visitor_id),` +
      ` uniqExact(session_id), countIf(event_type = 'action'), count() from ${events} where ${dayFilter} group by d, h, site_id`, settings)
    // Each event contributes one row per dimension (and one to its action name when it is an action).
    await this.entry.command(
      `insert into ${this.table('rollup_daily')} (generation, day, site_id, dimension, key, pageviews, visitors, sessions, actions, events,` +
      ` value_count, value_sum, value_min, value_max)` +
      ` select ${generation}, d, site_id, dk.1 as dim, dk.2 as k, countIf(event_type = 'pageview'), uniqExact(visitor_id), uniqExact(session_id),` +
      ` countIf(event_type = 'action'), count(), count(v), ifNull(sum(v), 0), min(v), max(v) from (` +
      `select toDate(ts) as d, site_id, visitor_id, session_id, event_type, arrayJoin(arrayConcat(` +
      `[('total', ''), ('path', ifNull(path, '')), ('referrer_host', ${REFERRER_HOST_SQL}), ('device', device), ('channel', channel)],` +
      ` if(event_type = 'action', [('action', ifNull(name, ''))], [('', '')]))) as dk,` +
      // Values count on the action rows only.
      ` if(dk.1 = 'action', value, NULL) as v from ${events} where ${dayFilter}` +
      `) where dim != '' group by d, site_id, dim, k`, settings)
    await this.entry.insert(this.table('rollup_generations'),
      days.map((day) => ({ day, generation, refreshed_at: Math.floor(Date.now() / 1000) })), settings)
    for (const day of days) if (BigInt(this.recorded.get(day) ?? '0') < BigInt(generation)) this.recorded.set(day, generation)
  }

  /**
   * The rows of each day's latest recorded generation, for the days overlapping [from, to) in ms. GLOBAL: on a
   * cluster the generations are read once, on this node, and sent to the shards.
   */
  private latestGeneration(from: number, to: number): string {
    return `(day, generation) global in (select day, max(generation) from ${this.table('rollup_generations')}` +
      ` where day >= ${sqlDate(from)} and day <= ${sqlDate(to - 1)} group by day)`
  }

  /**
   * Deletes rollup rows older than the generation this process last recorded for their day. Safe at any time:
   * those rows are never read again, and a generation still being written is newer, so it stays. Each purge is a
   * background mutation, hence at most one per interval.
   */
  private async purgeSupersededGenerations(): Promise<void> {
    if (this.recorded.size === 0 || Date.now() - this.lastPurge < this.purgeIntervalMs) return
    this.lastPurge = Date.now()
    const days = [...this.recorded.keys()]
    const generations = days.map((day) => this.recorded.get(day) ?? '0')
    this.recorded.clear()
    const latest = `transform(toString(day), [${days.map(sqlString).join(', ')}], [${generations.map((g) => `toUInt64(${sqlString(g)})`).join(', ')}], toUInt64(0))`
    try {
      for (const node of await this.nodes()) {
        for (const name of ['rollup_hourly', 'rollup_daily']) {
          await node.command(`alter table ${localTable(this.layout, name)} delete where generation < ${latest}`)
        }
      }
    } catch {
      // The refresh itself has succeeded; superseded rows only cost space, so the purge is simply retried later.
      days.forEach((day, i) => { if (!this.recorded.has(day)) this.recorded.set(day, generations[i] ?? '0') })
    }
  }

  async totals(scope: EventScope): Promise<Totals> {
    // Whole UTC days use the day's distinct counts; hours of partly covered days add their hourly counts.
    const { days, hours } = totalsPlan(scope.range)
    if (scope.siteIds.length === 0 || hours.from >= hours.to) return ZERO
    const sites = sqlStringList(scope.siteIds)
    const hasDays = days.from < days.to
    const [daily, hourly] = await Promise.all([
      hasDays
        ? this.entry.rows<TotalsRecord>(`select ${SUM_TOTALS} from ${this.table('rollup_daily')} where dimension = 'total' and site_id in ${sites}` +
          ` and day >= ${sqlDate(days.from)} and day < ${sqlDate(days.to)} and ${this.latestGeneration(days.from, days.to)}`)
        : Promise.resolve([]),
      this.entry.rows<TotalsRecord>(`select ${SUM_TOTALS} from ${this.table('rollup_hourly')} where site_id in ${sites}` +
        ` and hour >= ${sqlDateTime(hours.from)} and hour < ${sqlDateTime(hours.to)}` +
        `${hasDays ? ` and (hour < ${sqlDateTime(days.from)} or hour >= ${sqlDateTime(days.to)})` : ''}` +
        ` and ${this.latestGeneration(hours.from, hours.to)}`),
    ])
    return addTotals(toTotals(daily[0]), toTotals(hourly[0]))
  }

  async series(scope: EventScope, granularity: Granularity): Promise<SeriesPoint[]> {
    const buckets = bucketStarts(scope.range, granularity)
    if (scope.siteIds.length === 0 || buckets.length === 0) return zeroFilledSeries(scope.range, granularity, new Map())
    const { from, to } = bucketBounds(scope.range, granularityMs(granularity))
    const sites = sqlStringList(scope.siteIds)
    const sql = granularity === 'hour'
      ? `select toUnixTimestamp(hour) as b, ${SUM_TOTALS} from ${this.table('rollup_hourly')} where site_id in ${sites}` +
        ` and hour >= ${sqlDateTime(from)} and hour < ${sqlDateTime(to)} and ${this.latestGeneration(from, to)} group by b`
      : `select toString(day) as b, ${SUM_TOTALS} from ${this.table('rollup_daily')} where dimension = 'total' and site_id in ${sites}` +
        ` and day >= ${sqlDate(from)} and day < ${sqlDate(to)} and ${this.latestGeneration(from, to)} group by b`
    const found = new Map<number, Totals>()
    for (const record of await this.entry.rows<TotalsRecord & { b: string | number }>(sql)) {
      // Days come back as 'YYYY-MM-DD' (a Date has no time zone), hours as epoch seconds.
      found.set(typeof record.b === 'string' && record.b.includes('-') ? Date.parse(`${record.b}T00:00:00Z`) : Number(record.b) * 1000, toTotals(record))
    }
    return zeroFilledSeries(scope.range, granularity, found)
  }

  async breakdown(scope: EventScope, dimension: BreakdownDimension, limit: number): Promise<BreakdownRow[]> {
    if (!BREAKDOWN_DIMENSIONS.includes(dimension)) throw new Invalid(`Unknown breakdown "${String(dimension)}".`, { dimension: 'unknown' })
    const { from, to } = bucketBounds(scope.range, DAY_MS)
    if (scope.siteIds.length === 0 || from >= to) return []
    const n = Number.isFinite(limit) ? Math.max(1, Math.min(Math.floor(limit), MAX_BREAKDOWN_ROWS)) : MAX_BREAKDOWN_ROWS
    const keyExpr = dimension === 'site' ? 'site_id' : `if(key = '', '(none)', key)`
    const dimensionName = dimension === 'site' ? 'total' : dimension
    const records = await this.entry.rows<{ k: string; pageviews: Count; visitors: Count; actions: Count; events: Count }>(
      `select ${keyExpr} as k, sum(pageviews) as pageviews, sum(visitors) as visitors, sum(actions) as actions, sum(events) as events` +
      ` from ${this.table('rollup_daily')} where dimension = ${sqlString(dimensionName)} and site_id in ${sqlStringList(scope.siteIds)}` +
      ` and day >= ${sqlDate(from)} and day < ${sqlDate(to)} and ${this.latestGeneration(from, to)}` +
      ` group by k order by pageviews desc, events desc, k asc limit ${sqlInteger(n)}`)
    return records.map((r) => ({ key: r.k, pageviews: Number(r.pageviews), visitors: Number(r.visitors), actions: Number(r.actions), events: Number(r.events) }))
  }

  async valueSummary(scope: EventScope, limit: number): Promise<ValueSummaryRow[]> {
    const { from, to } = bucketBounds(scope.range, DAY_MS)
    if (scope.siteIds.length === 0 || from >= to) return []
    const n = Number.isFinite(limit) ? Math.max(1, Math.min(Math.floor(limit), MAX_BREAKDOWN_ROWS)) : MAX_BREAKDOWN_ROWS
    // min/max skip the NULLs of rows without values (and return NULL when every row has none).
    const records = await this.entry.rows<{ k: string; actions: Count; n: Count; total: number; lo: number | null; hi: number | null }>(
      `select if(key = '', '(none)', key) as k, sum(actions) as actions, sum(value_count) as n, sum(value_sum) as total,` +
      ` min(value_min) as lo, max(value_max) as hi from ${this.table('rollup_daily')}` +
      ` where dimension = 'action' and site_id in ${sqlStringList(scope.siteIds)}` +
      ` and day >= ${sqlDate(from)} and day < ${sqlDate(to)} and ${this.latestGeneration(from, to)}` +
      ` group by k order by n desc, k asc limit ${sqlInteger(n)}`)
    return records.map((r) => {
      const count = Number(r.n)
      const sum = Number(r.total)
      return {
        key: r.k, actions: Number(r.actions), count, sum, mean: count === 0 ? null : sum / count,
        min: count === 0 || r.lo === null ? null : Number(r.lo), max: count === 0 || r.hi === null ? null : Number(r.hi),
      }
    })
  }

  async rawTotals(scope: EventScope): Promise<Totals> {
    if (isEmptyScope(scope)) return ZERO
    // Visitor and session ids are distinct per UTC day (ids rotate daily) and summed over the days.
    const rows = await this.entry.rows<TotalsRecord>(
      `select countIf(event_type = 'pageview') as pageviews, uniqExact(toDate(ts), site_id, visitor_id) as visitors,` +
      ` uniqExact(toDate(ts), site_id, session_id) as sessions, countIf(event_type = 'action') as actions, count() as events` +
      ` from ${this.table('events')} where ${rawScopeFilter(scope)}`)
    return toTotals(rows[0])
  }

  async valueStats(scope: EventScope, actionName: string): Promise<ValueStats> {
    const none: ValueStats = { count: 0, sum: 0, mean: null, median: null, min: null, max: null, p95: null }
    if (isEmptyScope(scope)) return none
    const rows = await this.entry.rows<{ n: Count; total: number; mean: number; lo: number; hi: number; median: number | null; p95: number | null }>(
      `select count() as n, sum(v) as total, if(n = 0, 0, avg(v)) as mean, min(v) as lo, max(v) as hi, arraySort(groupArray(v)) as sorted,` +
      ` ${type7Quantile('sorted', 0.5)} as median, ${type7Quantile('sorted', 0.95)} as p95 from (` +
      `select assumeNotNull(value) as v from ${this.table('events')} where ${rawScopeFilter(scope)}` +
      ` and event_type = 'action' and isNotNull(name) and assumeNotNull(name) = ${sqlString(actionName)} and isNotNull(value))`)
    const r = rows[0]
    if (r === undefined || Number(r.n) === 0) return none
    return {
      count: Number(r.n), sum: Number(r.total), mean: Number(r.mean), median: r.median === null ? null : Number(r.median),
      min: Number(r.lo), max: Number(r.hi), p95: r.p95 === null ? null : Number(r.p95),
    }
  }

  async funnel(query: FunnelQuery): Promise<FunnelResult> {
    assertFunnelQuery(query)
    const k = query.steps.length
    if (isEmptyScope(query)) return funnelResult(k, new Map())
    const columns: string[] = ['count() as r1']
    for (let i = 2; i <= k; i++) {
      columns.push(`countIf(t${i} > 0) as r${i}`)
      columns.push(`${type7Quantile(`arraySort(groupArrayIf(t${i} - t${i - 1}, t${i} > 0))`, 0.5)} as m${i}`)
    }
    const rows = await this.entry.rows<Record<string, Count | null>>(
      `select ${columns.join(', ')} from (${funnelVisitorsSql(query, this.table('events'), null)})`)
    const r = rows[0] ?? {}
    const reached = new Map(query.steps.map((_, i) => {
      const median = r[`m${i + 1}`] ?? null
      return [i, { visitors: Number(r[`r${i + 1}`] ?? 0), medianSeconds: median === null ? null : Number(median) / 1000 }] as const
    }))
    return funnelResult(k, reached)
  }

  /** ClickHouse keeps nothing per funnel: every funnel reads raw events. */
  async prepareFunnel(): Promise<void> {}

  async funnelProgress(query: FunnelQuery, visitorIds: readonly string[]): Promise<Map<string, number>> {
    assertFunnelQuery(query)
    const progress = new Map<string, number>()
    if (visitorIds.length === 0 || isEmptyScope(query)) return progress
    const k = query.steps.length
    const unique = [...new Set(visitorIds)]
    for (let start = 0; start < unique.length; start += VISITOR_CHUNK) {
      const chunk = unique.slice(start, start + VISITOR_CHUNK)
      const sql = funnelVisitorsSql(query, this.table('events'), `visitor_id in ${sqlStringList(chunk)}`)
      for (const row of await this.entry.rows<Record<string, Count>>(sql)) {
        let furthest = 0
        for (let i = 2; i <= k; i++) if (Number(row[`t${i}`]) > 0) furthest = i - 1
        progress.set(String(row.visitor_id), furthest)
      }
    }
    return progress
  }

  async deleteEventsBefore(cutoff: Date): Promise<number | null> {
    const ms = cutoff.getTime()
    if (!Number.isFinite(ms)) throw new Invalid('The retention cutoff is not a valid date.')
    if (ms <= 0) return 0
    const where = `ts < ${sqlDateTime(Math.ceil(ms / 1000) * 1000)} and ts_ms < ${sqlInteger(ms)}`
    const counted = await this.entry.rows<{ n: Count }>(`select count() as n from ${this.table('events')} where ${where}`)
    const count = Number(counted[0]?.n ?? 0)
    if (count === 0) return 0
    const nodes = await this.nodes()
    const local = localTable(this.layout, 'events')
    const localName = this.layout.cluster === null ? 'events' : 'events_local'
    const cutoffMonth = Number(new Date(ms).toISOString().slice(0, 7).replace('-', ''))
    for (const node of nodes) {
      // Whole months before the cutoff go at once (dropping a partition is immediate and rewrites nothing) …
      const months = await node.rows<{ partition: string }>(`select distinct partition from system.parts where database = ${sqlString(this.layout.database)}` +
        ` and table = ${sqlString(localName)} and active and toUInt32OrZero(partition) < ${sqlInteger(cutoffMonth)}`)
      for (const { partition } of months) {
        if (/^\d{6}$/.test(partition)) await node.command(`alter table ${local} drop partition ${sqlInteger(Number(partition))}`)
      }
      // … and the rest of the cutoff's month with ALTER … DELETE, an asynchronous mutation: wait for it, so that
      // callers (and the next refresh) see the result.
      const [left] = await node.rows<{ n: Count }>(`select count() as n from ${local} where ${where}`)
      if (Number(left?.n ?? 0) > 0) await node.command(`alter table ${local} delete where ${where}`)
    }
    await this.waitForMutations(nodes, 'events')
    return count
  }

  private async waitForMutations(nodes: readonly ClickHouseNode[], name: string): Promise<void> {
    const table = this.layout.cluster === null ? name : `${name}_local`
    const deadline = Date.now() + MUTATION_WAIT_MS
    for (const node of nodes) {
      for (;;) {
        const rows = await node.rows<{ n: Count }>(`select count() as n from system.mutations where database = ${sqlString(this.layout.database)}` +
          ` and table = ${sqlString(table)} and is_done = 0`)
        if (Number(rows[0]?.n ?? 0) === 0 || Date.now() > deadline) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }

  async close(): Promise<void> {
    const nodes = this.nodesPromise === null ? [this.entry] : await this.nodesPromise.catch(() => [this.entry])
    await Promise.all([...new Set([this.entry, ...nodes])].map((node) => node.close()))
  }
}

/** Opens `clickhouse://…` (see clickhouse-url.ts). Connects lazily: errors surface from migrate() and health(). */
export function openClickHouseEventStore(url: string, options: { rollupPurgeIntervalMs?: number } = {}): EventStore {
  return new ClickHouseEventStore(parseClickHouseUrl(url), options.rollupPurgeIntervalMs ?? PURGE_INTERVAL_MS)
}

