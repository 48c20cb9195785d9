/**
 * ClickHouse schema for events and their rollups. Every statement is idempotent (IF NOT EXISTS) and runs on each
 * node by itself: on a cluster, `ON CLUSTER` would need ZooKeeper, so the store creates the local tables on every
 * host and a Distributed table over them, named like the single-node table, so queries read the same either way.
 *
 * Timestamps: `ts` is DateTime('UTC') (seconds; partitions, ordering and UTC hour/day functions whatever the server's
 * time zone) and `ts_ms` keeps epoch milliseconds, so ordering within a second and funnel gaps are exact.
 * There is no IP or cookie column by design.
 */
import { sqlIdentifier } from './clickhouse-sql.ts'

export interface ClickHouseLayout {
  readonly database: string
  /** null on a single node. */
  readonly cluster: string | null
}

export interface ClickHouseMigration {
  readonly name: string
  /** Statements for one node, in order. */
  statements(layout: ClickHouseLayout): string[]
}

/** The physical table holding rows on a node: the table itself on a single node, `<name>_local` on a cluster. */
export function localTable(layout: ClickHouseLayout, name: string): string {
  return `${sqlIdentifier(layout.database)}.${sqlIdentifier(layout.cluster === null ? name : `${name}_local`)}`
}

/** The table queries read and write: on a cluster, the Distributed table over every node's local table. */
export function queryTable(layout: ClickHouseLayout, name: string): string {
  return `${sqlIdentifier(layout.database)}.${sqlIdentifier(name)}`
}

function table(layout: ClickHouseLayout, name: string, columns: string, engine: string, shardingKey: string): string[] {
  const local = `create table if not exists ${localTable(layout, name)} (${columns}) engine = ${engine}`
  if (layout.cluster === null) return [local]
  const db = sqlIdentifier(layout.database)
  const distributed = `create table if not exists ${queryTable(layout, name)} (${columns}) ` +
    `engine = Distributed(${sqlIdentifier(layout.cluster)}, ${db}, ${sqlIdentifier(`${name}_local`)}, ${shardingKey})`
  return [local, distributed]
}

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    name: '0001-events',
    statements: (layout) => table(layout, 'events', `
      ts DateTime('UTC'),
      ts_ms UInt64,
      site_id String,
      visitor_id String,
      session_id String,
      event_type String,
      name Nullable(String),
      path Nullable(String),
      query Nullable(String),
      referrer Nullable(String),
      device String,
      channel String,
      value Nullable(Float64),
      properties Nullable(String)`,
    'MergeTree() partition by toYYYYMM(ts) order by (site_id, visitor_id, ts)',
    // One visitor's events on one shard: funnels and distinct counts never straddle shards.
    'cityHash64(visitor_id)'),
  },
  {
    // Rollups are written in generations: refreshRollups inserts a day's recomputed rows under a new generation
    // number, then records (day, generation) in rollup_generations; readers take, per day, only the rows of the
    // latest recorded generation. A reader therefore sees a day's old rollup or its complete new one, never a mix
    // and never a gap, right after refreshRollups resolves; no DELETE is needed for correctness. (ALTER … DELETE is
    // an asynchronous mutation on older servers, and a ReplacingMergeTree could let a half-written newer generation
    // replace the rows readers still select.) Superseded generations are purged later by an occasional mutation.
    name: '0002-rollups',
    statements: (layout) => [
      ...table(layout, 'rollup_hourly', `
        generation UInt64,
        day Date,
        hour DateTime('UTC'),
        site_id String,
        pageviews UInt64,
        visitors UInt64,
        sessions UInt64,
        actions UInt64,
        events UInt64`,
      'MergeTree() partition by toYYYYMM(day) order by (site_id, day, generation, hour)',
      'cityHash64(site_id)'),
      // One row per site, day and dimension key; dimension 'total' (key '') holds the site's whole day.
      ...table(layout, 'rollup_daily', `
        generation UInt64,
        day Date,
        site_id String,
        dimension String,
        key String,
        pageviews UInt64,
        visitors UInt64,
        sessions UInt64,
        actions UInt64,
        events UInt64`,
      'MergeTree() partition by toYYYYMM(day) order by (site_id, dimension, day, generation, key)',
      'cityHash64(site_id)'),
      // Readers take max(generation) per day, so merging duplicates away (ReplacingMergeTree) never changes answers.
      ...table(layout, 'rollup_generations', `
        day Date,
        generation UInt64,
        refreshed_at DateTime('UTC')`,
      'ReplacingMergeTree(generation) order by day',
      'cityHash64(day)'),
    ],
  },
  {
    // Values of key actions on the daily 'action' rows (other rows keep 0 and NULL): count, sum, minimum and maximum
    // combine across days; medians do not, so they stay with raw events. Older servers know no ADD COLUMN IF NOT
    // EXISTS, so each table gets its four columns in one ALTER. Rows written before have 0 values until recomputed:
    // migrate() refreshes every day that still has raw events once this is applied.
    name: '0003-rollup-values',
    statements: (layout) => {
      const columns = 'add column value_count UInt64, add column value_sum Float64, add column value_min Nullable(Float64), add column value_max Nullable(Float64)'
      const local = `alter table ${localTable(layout, 'rollup_daily')} ${columns}`
      return layout.cluster === null ? [local] : [local, `alter table ${queryTable(layout, 'rollup_daily')} ${columns}`]
    },
  },
]
