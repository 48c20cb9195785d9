/**
 * DuckDB (embedded, columnar) implementation of the event store. One file under the data folder; its own
 * migration table. DuckDB runs its work off the JavaScript thread, so long aggregates do not block requests.
 * Small batches are acknowledged once they are in the event journal (event-journal.ts) and moved into the file in
 * large ones; larger batches, and the moves, go through one long-lived writer connection and appender, committed
 * asynchronously. Every read and rollup refresh opens its own connection, so a slow funnel never holds up ingest.
 * Rollup refreshes run one at a time, each in one transaction.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api'
import type {
  BreakdownDimension, BreakdownRow, DeviceClass, EventChannel, EventRow, EventScope, EventStore, EventStoreHealth, FunnelQuery, FunnelResult,
  Granularity, SeriesPoint, TimeRange, Totals, ValueStats, ValueSummaryRow,
} from '../event-store.ts'
import { Invalid } from '../../errors.ts'
import { DUCKDB_MIGRATIONS } from './duckdb-migrations.ts'
import { DEFAULT_FUNNEL_DEFINITIONS, FunnelDays } from './duckdb-funnel-days.ts'
import { EventJournal } from './event-journal.ts'
import { rawFunnel, funnelProgress, rawTotals, valueStats } from './duckdb-raw-queries.ts'
import { refreshRollups, rollupBreakdown, rollupSeries, rollupTotals, rollupValueSummary } from './duckdb-rollups.ts'
import { SqlParams, withConnection } from './duckdb-sql.ts'

/** Batches up to this many rows are made durable in the journal; larger ones go straight to DuckDB (see #commitRows). */
const JOURNAL_MAX_ROWS = 1_000
/** Journaled rows move into DuckDB once this many wait, or this long after one arrives, and before any read. */
const MOVE_ROWS = 20_000
const MOVE_DELAY_MS = 100

class DuckDbEventStore implements EventStore {
  readonly engine = 'duckdb' as const
  #refreshing: Promise<void> = Promise.resolve()
  #appending: Promise<void> = Promise.resolve()
  #appender: DuckDBAppender | null = null
  #inTransaction = false
  /** Opened by migrate(); null before, and for an in-memory store. */
  #journal: EventJournal | null = null
  #moveTimer: NodeJS.Timeout | null = null
  readonly #funnelDays: FunnelDays
  /** `connection` serves migrations and small reads; `writer` only appends, so no read ever runs inside a write transaction. */
  constructor(
    private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection, private readonly writer: DuckDBConnection,
    private readonly location: string, funnelDefinitions: number,
  ) {
    this.#funnelDays = new FunnelDays(instance, location, funnelDefinitions)
  }

  async migrate(): Promise<string[]> {
    await this.connection.run('create table if not exists event_migrations (name varchar primary key, applied_at timestamp not null)')
    const done = new Set((await this.connection.runAndReadAll('select name from event_migrations')).getRowObjects().map((r) => String(r.name)))
    const applied: string[] = []
    for (const migration of DUCKDB_MIGRATIONS) {
      if (done.has(migration.name)) continue
      await this.connection.run('begin transaction')
      try {
        await this.connection.run(migration.sql)
        await this.connection.run('insert into event_migrations values ($1, now())', [migration.name])
        await this.connection.run('commit')
      } catch (error) {
        await this.connection.run('rollback')
        throw new Error(`event migration ${migration.name} failed: ${(error as Error).message}`)
      }
      applied.push(migration.name)
    }
    // Events stored before the rollups (or their value columns) existed are rolled up once, so dashboards show their history too.
    if (applied.includes('0002-analytics') || applied.includes('0003-rollup-values')) await this.refreshAllRollups()
    if (this.location !== ':memory:' && this.#journal === null) {
      const row = (await this.connection.runAndReadAll('select moved_through from event_journal')).getRowObjects()[0]
      // Rows acknowledged before a crash and not yet moved are moved now, before anything reads.
      this.#journal = EventJournal.open(this.location, Number(row?.moved_through ?? 0))
      await this.#move()
    }
    return applied
  }

  private async refreshAllRollups(): Promise<void> {
    const row = (await this.connection.runAndReadAll('select epoch_ms(min(ts)) as first, epoch_ms(max(ts)) as last from events')).getRowObjects()[0]
    if (row?.first === null || row?.first === undefined) return
    await this.refreshRollups({ from: new Date(Number(row.first)), to: new Date(Number(row.last) + 1) })
  }

  async health(): Promise<EventStoreHealth> {
    try {
      const rows = (await this.connection.runAndReadAll('select count(*) as n from event_migrations')).getRowObjects()
      const applied = Number(rows[0]?.n ?? 0)
      const ok = applied === DUCKDB_MIGRATIONS.length
      return { ok, engine: 'duckdb', detail: ok ? 'ok' : `${applied} of ${DUCKDB_MIGRATIONS.length} migrations applied` }
    } catch (error) {
      return { ok: false, engine: 'duckdb', detail: (error as Error).message }
    }
  }

  append(rows: readonly EventRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    if (this.#journal !== null && rows.length <= JOURNAL_MAX_ROWS) return this.#journaled(this.#journal, rows)
    return this.#serially(() => this.#commitRows(rows, ''))
  }

  /** One write transaction at a time on the writer connection; a failed one does not block the next. */
  #serially(work: () => Promise<void>): Promise<void> {
    const run = this.#appending.then(work)
    this.#appending = run.catch(() => undefined)
    return run
  }

  /** Durable once the journal's fdatasync returns; the rows reach DuckDB with the next move. */
  async #journaled(journal: EventJournal, rows: readonly EventRow[]): Promise<void> {
    await journal.append(rows)
    if (journal.waitingRows >= MOVE_ROWS) void this.#move().catch(() => undefined)
    else this.#moveTimer ??= setTimeout(() => {
      this.#moveTimer = null
      // A failed move leaves the rows in the journal; the next move or read takes them again.
      void this.#move().catch(() => undefined)
    }, MOVE_DELAY_MS).unref()
  }

  /** Moves every journaled row into DuckDB in one transaction that also records how far the journal is moved. */
  #move(): Promise<void> {
    return this.#serially(async () => {
      const journal = this.#journal
      if (journal === null || journal.waitingRows === 0) return
      const { through, rows } = await journal.rotate()
      if (rows.length > 0) await this.#commitRows(rows, `update event_journal set moved_through = ${through}; `)
      journal.moved(through)
    })
  }

  /** Every acknowledged row is in DuckDB before a read. */
  async #visible(): Promise<void> {
    if ((this.#journal?.waitingRows ?? 0) > 0) await this.#move()
  }

  /** Appends and commits `rows`, running `alsoSql` in the same transaction. */
  async #commitRows(rows: readonly EventRow[], alsoSql: string): Promise<void> {
    const appender = await this.#openWrite()
    let first = Infinity
    let last = -Infinity
    try {
      for (const row of rows) {
        const ms = row.ts.getTime()
        if (ms < first) first = ms
        if (ms > last) last = ms
        appender.appendTimestamp(new DuckDBTimestampValue(BigInt(ms) * 1000n))
        appender.appendVarchar(row.siteId)
        appender.appendVarchar(row.visitorId)
        appender.appendVarchar(row.sessionId)
        appender.appendVarchar(row.eventType)
        appendText(appender, row.name)
        appendText(appender, row.path)
        appendText(appender, row.referrer)
        if (row.value === null) appender.appendNull()
        else appender.appendDouble(row.value)
        appendText(appender, row.properties)
        appendText(appender, row.query)
        appender.appendVarchar(row.device)
        appender.appendVarchar(row.channel)
        appender.endRow()
      }
      appender.flushSync()
      // One round trip, off the JavaScript thread: the commit with its WAL fsync, and the next batch's transaction.
      await this.writer.run(`${alsoSql}commit; begin transaction`)
    } catch (error) {
      await this.#abandonWrite()
      throw error
    }
    this.#funnelDays.noteChanged(first, last)
  }

  /**
   * The appender is DuckDB's fast path (SQL INSERTs are ~15x slower). It is kept open inside a transaction that is always
   * open on the writer connection, so its flush only stages rows and the commit runs asynchronously: appender.flushSync
   * alone would commit and fsync on the JavaScript thread, and every await in a write stretches the group commit
   * while the event loop serves requests. An idle open transaction holds no locks and does not stop checkpoints.
   */
  async #openWrite(): Promise<DuckDBAppender> {
    if (!this.#inTransaction) {
      await this.writer.run('begin transaction')
      this.#inTransaction = true
    }
    this.#appender ??= await this.writer.createAppender('events')
    return this.#appender
  }

  /** After a failed write: nothing of the batch is kept, and the next write starts afresh. */
  async #abandonWrite(): Promise<void> {
    const appender = this.#appender
    this.#appender = null
    try {
      appender?.clear()
      appender?.closeSync()
    } catch {
      // The appender may be what failed; it is dropped either way.
    }
    this.#inTransaction = false
    await this.writer.run('rollback').catch(() => undefined)
  }

  async recentEvents(siteId: string, limit: number, since?: Date): Promise<EventRow[]> {
    await this.#visible()
    const p = new SqlParams()
    const site = p.add(siteId)
    const n = p.add(Math.max(1, Math.min(Math.floor(limit) || 1, 10_000)))
    // A bound on ts lets DuckDB skip every row group (zone map) older than `since` instead of scanning the site's history.
    const recent = since === undefined ? '' : ` and ts >= ${p.timestamp(validSince(since))}`
    const reader = await this.connection.runAndReadAll(
      `select epoch_ms(ts) as ms, site_id, visitor_id, session_id, event_type, name, path, query, referrer, device, channel, value, properties
       from events where site_id = ${site}${recent} order by ts desc limit ${n}`,
      p.values,
    )
    return reader.getRowObjects().map((r) => ({
      ts: new Date(Number(r.ms)), siteId: String(r.site_id), visitorId: String(r.visitor_id), sessionId: String(r.session_id), eventType: String(r.event_type),
      name: textOrNull(r.name), path: textOrNull(r.path), query: textOrNull(r.query), referrer: textOrNull(r.referrer),
      device: String(r.device) as DeviceClass, channel: String(r.channel) as EventChannel,
      value: r.value === null ? null : Number(r.value), properties: textOrNull(r.properties),
    }))
  }

  async countEvents(): Promise<number> {
    await this.#visible()
    const rows = (await this.connection.runAndReadAll('select count(*) as n from events')).getRowObjects()
    return Number(rows[0]?.n ?? 0)
  }

  refreshRollups(range: TimeRange): Promise<void> {
    // Two overlapping refreshes would conflict on the same rollup rows; one at a time, and a failure does not block the next.
    const run = this.#refreshing.then(() => this.#visible()).then(() => withConnection(this.instance, (c) => refreshRollups(c, range)))
    this.#refreshing = run.catch(() => undefined)
    return run
  }

  totals(scope: EventScope): Promise<Totals> {
    return withConnection(this.instance, (c) => rollupTotals(c, scope))
  }

  series(scope: EventScope, granularity: Granularity): Promise<SeriesPoint[]> {
    return withConnection(this.instance, (c) => rollupSeries(c, scope, granularity))
  }

  breakdown(scope: EventScope, dimension: BreakdownDimension, limit: number): Promise<BreakdownRow[]> {
    return withConnection(this.instance, (c) => rollupBreakdown(c, scope, dimension, limit))
  }

  valueSummary(scope: EventScope, limit: number): Promise<ValueSummaryRow[]> {
    return withConnection(this.instance, (c) => rollupValueSummary(c, scope, limit))
  }

  async rawTotals(scope: EventScope): Promise<Totals> {
    await this.#visible()
    return withConnection(this.instance, (c) => rawTotals(c, scope))
  }

  async valueStats(scope: EventScope, actionName: string): Promise<ValueStats> {
    await this.#visible()
    return withConnection(this.instance, (c) => valueStats(c, scope, actionName))
  }

  /** Over whole UTC days from the funnel-days cache (built or refreshed as needed); otherwise from raw events. */
  async funnel(query: FunnelQuery): Promise<FunnelResult> {
    await this.#visible()
    return this.#funnelDays.funnel(query) ?? withConnection(this.instance, (c) => rawFunnel(c, query))
  }

  async prepareFunnel(query: FunnelQuery): Promise<void> {
    await this.#visible()
    await this.#funnelDays.prepare(query)
  }

  async funnelProgress(query: FunnelQuery, visitorIds: readonly string[]): Promise<Map<string, number>> {
    await this.#visible()
    return withConnection(this.instance, (c) => funnelProgress(c, query, visitorIds))
  }

  async deleteEventsBefore(cutoff: Date): Promise<number | null> {
    await this.#visible()
    return withConnection(this.instance, async (c) => {
      const p = new SqlParams()
      const deleted = (await c.run(`delete from events where ts < ${p.timestamp(cutoff.getTime())}`, p.values)).rowsChanged
      await this.#funnelDays.forgetBefore(cutoff)
      return deleted
    })
  }

  async close(): Promise<void> {
    if (this.#moveTimer !== null) clearTimeout(this.#moveTimer)
    await this.#refreshing
    await this.#move()
    await this.#journal?.close()
    await this.#funnelDays.close()
    if (this.#inTransaction) await this.writer.run('commit')
    this.#appender?.closeSync()
    this.writer.closeSync()
    this.connection.closeSync()
    this.instance.closeSync()
  }
}

const textOrNull = (value: unknown): string | null => (value === null ? null : String(value))

function appendText(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull()
  else appender.appendVarchar(value)
}

function validSince(since: Date): number {
  const ms = since.getTime()
  if (!Number.isFinite(ms)) throw new Invalid('The start of the recent events is not a valid date.', { since: 'invalid date' })
  return ms
}


export interface DuckDbEventStoreOptions {
  /** Funnel definitions the funnel-days cache keeps (0 turns it off: every funnel reads raw events). */
  readonly funnelDefinitions?: number
}

/** Opens `duckdb:<file>` (or `duckdb::memory:`). */
export async function openDuckDbEventStore(location: string, options: DuckDbEventStoreOptions = {}): Promise<EventStore> {
  if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true })
  const instance = await DuckDBInstance.create(location)
  return new DuckDbEventStore(instance, await instance.connect(), await instance.connect(), location, options.funnelDefinitions ?? DEFAULT_FUNNEL_DEFINITIONS)
}
