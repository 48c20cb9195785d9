/**
 * The funnel-days cache. Journeys ask the same funnel again and again (the journey page, its CSV, the completion
 * monitor), and a funnel from raw events pays per-visitor aggregations over every event of the period (1.2–1.7 s at
 * 10 M events). For each funnel definition (sites, steps, window) this cache keeps one row per visitor and UTC day:
 * the chain that starts at the visitor's first step-1 event of that day, as the offset of each later step. A funnel
 * over whole UTC days reads those rows instead, and gets the raw answer, because:
 *  - a visitor's first step-1 event in the period is the first one of their first day in it (the rows of a visitor
 *    seen on several days are marked `multi_day`, and only their earliest row in the period counts);
 *  - each later step is the first matching event after the previous one, so leaving out events at or after the
 *    period's end only cuts a chain where a step falls at or after it.
 *
 * Freshness: every committed append (and retention's delete) notes the UTC days its events fall on, with a generation
 * number. A day's rows are reused only if nothing touched that day, or the days its chains can reach within the
 * window, since they were built; otherwise they are rebuilt before the read. Asks of different definitions run side
 * by side; asks of one definition one after another.
 *
 * The rows live in a DuckDB file of their own beside the events file (`<events file>.funnel-days`), attached to the
 * same instance, for as long as the process: the file is deleted when the store closes and, after a crash, when it is
 * next used, since changes made while no process was noting them cannot be known. The events file never holds them,
 * so its size is the events' and the rollups' alone.
 */
import { rmSync } from 'node:fs'
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { MAX_FUNNEL_STEPS, type FunnelQuery, type FunnelResult } from '../event-store.ts'
import { assertFunnelQuery, funnelResult } from '../funnel-shape.ts'
import { funnelChain, isEmpty } from './duckdb-raw-queries.ts'
import { readRows, SqlParams, toNumber, toNumberOrNull, withConnection } from './duckdb-sql.ts'

const DAY_MS = 86_400_000
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS)

/** Funnel definitions kept at once by default; the least recently used one is dropped beyond that. */
export const DEFAULT_FUNNEL_DEFINITIONS = 16

interface Definition {
  readonly id: number
  /** UTC day number → the generation the day's rows were built at. */
  readonly built: Map<number, number>
  /** The definition's work runs one piece at a time, so two asks never build the same days twice. */
  queue: Promise<unknown>
}

export class FunnelDays {
  #generation = 0
  /** UTC day number → generation of the last change to its events. */
  readonly #touched = new Map<number, number>()
  /** By definition key, least recently used first. */
  readonly #definitions = new Map<string, Definition>()
  #nextId = 1
  #attaching: Promise<void> | null = null
  /** Work on every definition at once (retention, close) waits for all work in progress, and later work waits for it. */
  #exclusive: Promise<unknown> = Promise.resolve()
  readonly #inProgress = new Set<Promise<unknown>>()

  /** `location` is the events file, or `:memory:` (the rows are then kept in memory too). */
  constructor(private readonly instance: DuckDBInstance, private readonly location: string, private readonly maxDefinitions: number = DEFAULT_FUNNEL_DEFINITIONS) {}

  get #file(): string | null {
    return this.location === ':memory:' ? null : `${this.location}.funnel-days`
  }

  /** Called once events from `fromMs` to `toMs` (inclusive) are committed or deleted. */
  noteChanged(fromMs: number, toMs: number): void {
    this.#generation++
    for (let day = dayOf(fromMs); day <= dayOf(toMs); day++) this.#touched.set(day, this.#generation)
  }

  /** The funnel from the cache, or null when it cannot answer (the period is not whole UTC days, or caching is off). */
  funnel(query: FunnelQuery): Promise<FunnelResult> | null {
    if (!this.#answers(query)) return null
    const definition = this.#definition(query)
    return this.#onDefinition(definition, (connection) => this.#fresh(connection, definition, query).then(() => this.#read(connection, definition, query)))
  }

  /** Builds whatever the funnel would need rebuilt now, without reading it; nothing when the cache cannot answer it. */
  async prepare(query: FunnelQuery): Promise<void> {
    if (!this.#answers(query)) return
    const definition = this.#definition(query)
    await this.#onDefinition(definition, (connection) => this.#fresh(connection, definition, query))
  }

  /** Retention deleted events before `cutoff`: rows of the days before its day go, and its own day is rebuilt when asked. */
  forgetBefore(cutoff: Date): Promise<void> {
    const cutoffDay = dayOf(cutoff.getTime())
    this.noteChanged(cutoffDay * DAY_MS, cutoffDay * DAY_MS)
    return this.#onAll(async () => {
      if (this.#attaching === null) return
      const p = new SqlParams()
      await withConnection(this.instance, (connection) => connection.run(`delete from funnel_cache.funnel_days where day < ${p.timestamp(cutoffDay * DAY_MS)}`, p.values))
      for (const definition of this.#definitions.values()) for (const day of definition.built.keys()) if (day < cutoffDay) definition.built.delete(day)
    })
  }

  /** Waits for the work in progress, then detaches the cache and deletes its file. */
  close(): Promise<void> {
    return this.#onAll(async () => {
      if (this.#attaching === null) return
      await this.#attaching.catch(() => undefined)
      this.#attaching = null
      this.#definitions.clear()
      await withConnection(this.instance, (connection) => connection.run('detach funnel_cache')).catch(() => undefined)
      this.#removeFile()
    })
  }

  #answers(query: FunnelQuery): boolean {
    if (this.maxDefinitions <= 0 || isEmpty(query) || query.range.from.getTime() % DAY_MS !== 0 || query.range.to.getTime() % DAY_MS !== 0) return false
    assertFunnelQuery(query)
    return true
  }

  /** Runs after the definition's earlier work and any work on all definitions, on a connection of its own. */
  #onDefinition<T>(definition: Definition, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = Promise.all([this.#exclusive, definition.queue]).then(() => withConnection(this.instance, async (connection) => {
      await this.#attach(connection)
      return work(connection)
    }))
    const settled = run.catch(() => undefined)
    definition.queue = settled
    this.#inProgress.add(settled)
    void settled.then(() => this.#inProgress.delete(settled))
    return run
  }

  #onAll(work: () => Promise<void>): Promise<void> {
    const run = Promise.allSettled([this.#exclusive, ...this.#inProgress]).then(work)
    this.#exclusive = run.catch(() => undefined)
    return run
  }

  #removeFile(): void {
    const file = this.#file
    if (file !== null) for (const path of [file, `${file}.wal`]) rmSync(path, { force: true })
  }

  /** Attaches a new, empty cache file on first use. */
  #attach(connection: DuckDBConnection): Promise<void> {
    this.#attaching ??= (async () => {
      this.#removeFile()
      // ATTACH takes no parameters; the path is the configured data folder's, quoted as a SQL string.
      await connection.run(`attach '${(this.#file ?? ':memory:').replaceAll("'", "''")}' as funnel_cache`)
      await connection.run(`create table funnel_cache.funnel_days (
        def ubigint not null, day timestamp not null, vid ubigint not null, multi_day boolean not null default false,
        t0 timestamp not null, reached utinyint not null, t_last timestamp not null,
        ${Array.from({ length: MAX_FUNNEL_STEPS - 1 }, (_, i) => `o${i + 1} bigint`).join(', ')}
      )`)
    })()
    // A failed attach is tried again by the next ask.
    this.#attaching.catch(() => {
      this.#attaching = null
    })
    return this.#attaching
  }

  /** The definition for the query's sites, steps and window, most recently used now; the least recently used beyond the limit go. */
  #definition(query: FunnelQuery): Definition {
    const key = JSON.stringify({ sites: [...new Set(query.siteIds)].sort(), steps: query.steps, windowSeconds: query.windowSeconds })
    const known = this.#definitions.get(key)
    if (known) {
      this.#definitions.delete(key)
      this.#definitions.set(key, known)
      return known
    }
    while (this.#definitions.size >= this.maxDefinitions) {
      const [oldestKey, oldest] = this.#definitions.entries().next().value as [string, Definition]
      this.#definitions.delete(oldestKey)
      void this.#onDefinition(oldest, (connection) => connection.run('delete from funnel_cache.funnel_days where def = $1', [oldest.id])).catch(() => undefined)
    }
    const definition: Definition = { id: this.#nextId++, built: new Map(), queue: Promise.resolve() }
    this.#definitions.set(key, definition)
    return definition
  }

  /**
   * Rebuilds the days of the query's period whose rows may be out of date: a day never built, or changed since, or
   * whose chains can reach a later day that changed. In that last case the rows can only change if one of the day's
   * visitors has events on such a later day; with visitor ids that rotate daily none has, so one query that looks for
   * such a visitor usually spares the rebuild (with live traffic, of yesterday at every ask).
   */
  async #fresh(connection: DuckDBConnection, definition: Definition, query: FunnelQuery): Promise<void> {
    const generation = this.#generation
    const reach = Math.ceil((query.windowSeconds * 1000) / DAY_MS)
    const stale: number[] = []
    const reachedChanges = new Map<number, { first: number; last: number }>()
    for (let day = dayOf(query.range.from.getTime()); day < dayOf(query.range.to.getTime()); day++) {
      const builtAt = definition.built.get(day)
      if (builtAt === undefined || (this.#touched.get(day) ?? 0) > builtAt) {
        stale.push(day)
        continue
      }
      const changed = Array.from({ length: reach }, (_, i) => day + 1 + i).filter((later) => (this.#touched.get(later) ?? 0) > builtAt)
      if (changed.length > 0) reachedChanges.set(day, { first: changed[0] as number, last: changed.at(-1) as number })
    }
    if (reachedChanges.size > 0) {
      const reaching = await this.#daysWithVisitorsOn(connection, definition, query, reachedChanges)
      for (const day of reachedChanges.keys()) {
        if (reaching.has(day)) stale.push(day)
        else definition.built.set(day, generation)
      }
    }
    if (stale.length === 0) return
    stale.sort((a, b) => a - b)
    await this.#build(connection, definition, query, stale[0] as number, (stale.at(-1) as number) + 1)
  }

  /** Of the given days, those with a visitor who has events (on the funnel's sites) on the later days that changed. */
  async #daysWithVisitorsOn(connection: DuckDBConnection, definition: Definition, query: FunnelQuery, changes: ReadonlyMap<number, { first: number; last: number }>): Promise<Set<number>> {
    const spans = [...changes.values()]
    const p = new SqlParams()
    const days = [...changes.keys()].map((day) => p.timestamp(day * DAY_MS))
    const rows = await readRows(connection,
      `select distinct epoch_ms(day) as day from funnel_cache.funnel_days
       where def = ${p.add(definition.id)} and day in (${days.join(', ')})
         and vid in (select hash(visitor_id) from events where ${p.sites(query.siteIds)}
           and ts >= ${p.timestamp(Math.min(...spans.map((s) => s.first)) * DAY_MS)} and ts < ${p.timestamp((Math.max(...spans.map((s) => s.last)) + 1) * DAY_MS)})`, p)
    return new Set(rows.map((row) => dayOf(Number(row.day))))
  }

  /** Replaces the rows of days [first, last) in one transaction. */
  async #build(connection: DuckDBConnection, definition: Definition, query: FunnelQuery, first: number, last: number): Promise<void> {
    const generation = this.#generation
    const steps = query.steps.length
    const windowMs = Math.round(query.windowSeconds * 1000)
    const p = new SqlParams()
    const def = p.add(definition.id)
    const from = p.timestamp(first * DAY_MS)
    const to = p.timestamp(last * DAY_MS)
    const chain = funnelChain(query, p, 'hash(visitor_id)', `events where ${p.sites(query.siteIds)} and ts >= ${from} and ts < ${p.timestamp(last * DAY_MS + windowMs)}`, { before: to })
    const later = Array.from({ length: steps - 1 }, (_, i) => i + 1)
    const insert = `insert into funnel_cache.funnel_days (def, day, vid, t0, reached, t_last${later.map((k) => `, o${k}`).join('')})
      ${chain}
      select ${def}, date_trunc('day', s0.t0), s0.vid, s0.t0, (1${later.map((k) => ` + (s${k}.t is not null)::int`).join('')})::utinyint,
        coalesce(${[...later].reverse().map((k) => `s${k}.t, `).join('')}s0.t0)${later.map((k) => `, epoch_ms(s${k}.t) - epoch_ms(s0.t0)`).join('')}
      from s0${later.map((k) => ` left join s${k} on s${k}.vid = s0.vid and s${k}.t0 = s0.t0`).join('')}`
    await connection.run('begin transaction')
    try {
      const q = new SqlParams()
      await connection.run(`delete from funnel_cache.funnel_days where def = ${q.add(definition.id)} and day >= ${q.timestamp(first * DAY_MS)} and day < ${q.timestamp(last * DAY_MS)}`, q.values)
      await connection.run(insert, p.values)
      // A visitor with rows on several days: only their first day in a period counts, so the read looks for those rows.
      const r = new SqlParams()
      const rDef = r.add(definition.id)
      await connection.run(
        `update funnel_cache.funnel_days set multi_day = true where def = ${rDef} and not multi_day and vid in (
           select vid from funnel_cache.funnel_days where def = ${rDef}
             and vid in (select vid from funnel_cache.funnel_days where def = ${rDef} and day >= ${r.timestamp(first * DAY_MS)} and day < ${r.timestamp(last * DAY_MS)})
           group by vid having count(*) > 1)`, r.values)
      await connection.run('commit')
    } catch (error) {
      await connection.run('rollback').catch(() => undefined)
      for (let day = first; day < last; day++) definition.built.delete(day)
      throw error
    }
    for (let day = first; day < last; day++) definition.built.set(day, generation)
  }

  async #read(connection: DuckDBConnection, definition: Definition, query: FunnelQuery): Promise<FunnelResult> {
    const steps = query.steps.length
    const later = Array.from({ length: steps - 1 }, (_, i) => i + 1)
    const p = new SqlParams()
    const def = p.add(definition.id)
    const from = p.timestamp(query.range.from.getTime())
    const to = p.timestamp(query.range.to.getTime())
    const inPeriod = `def = ${def} and day >= ${from} and day < ${to}`
    const reachedBeforeEnd = `case when t_last < ${to} then reached else 1${later.map((k) => ` + coalesce((t0 + to_milliseconds(o${k}) < ${to})::int, 0)`).join('')} end`
    const rows = await readRows(connection,
      `select ${Array.from({ length: steps }, (_, k) => `count(*) filter (where r > ${k}) as v${k}`).join(', ')}
         ${later.map((k) => `, quantile_cont(case when r > ${k} then o${k} - ${k === 1 ? '0' : `o${k - 1}`} end, 0.5) / 1000.0 as g${k}`).join('')}
       from (
         select *, ${reachedBeforeEnd} as r from (
           select * from funnel_cache.funnel_days where ${inPeriod} and not multi_day
           union all
           select * from funnel_cache.funnel_days where ${inPeriod} and multi_day qualify row_number() over (partition by vid order by day) = 1
         )
       )`, p)
    const row = rows[0] ?? {}
    return funnelResult(steps, new Map(Array.from({ length: steps }, (_, k) => [k, { visitors: toNumber(row[`v${k}`]), medianSeconds: k === 0 ? null : toNumberOrNull(row[`g${k}`]) }])))
  }
}
