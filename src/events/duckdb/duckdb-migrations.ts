/** DuckDB schema for events. Timestamps are UTC; properties are JSON text; there is no IP or cookie column by design. */
export const DUCKDB_MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: '0001-events',
    sql: `create table if not exists events (
      ts timestamp not null,
      site_id varchar not null,
      visitor_id varchar not null,
      session_id varchar not null,
      event_type varchar not null,
      name varchar,
      path varchar,
      referrer varchar,
      value double,
      properties varchar
    )`,
  },
  {
    // Rows stored before this migration came from the browser tracker, whose device class was not kept.
    name: '0002-analytics',
    sql: `alter table events add column query varchar;
      alter table events add column device varchar default 'other';
      alter table events add column channel varchar default 'web';
      create table rollup_hourly (
        hour timestamp not null,
        site_id varchar not null,
        pageviews bigint not null,
        visitors bigint not null,
        sessions bigint not null,
        actions bigint not null,
        events bigint not null
      );
      create table rollup_daily (
        day timestamp not null,
        site_id varchar not null,
        dimension varchar not null,
        key varchar not null,
        pageviews bigint not null,
        visitors bigint not null,
        sessions bigint not null,
        actions bigint not null,
        events bigint not null
      )`,
  },
  {
    // Values of key actions, on the daily 'action' rows only (other rows keep 0 and NULL): count, sum, minimum and
    // maximum combine across days; medians do not, so they stay with raw events. migrate() recomputes every day that
    // still has raw events once this is applied.
    name: '0003-rollup-values',
    sql: `alter table rollup_daily add column value_count bigint default 0;
      alter table rollup_daily add column value_sum double default 0;
      alter table rollup_daily add column value_min double;
      alter table rollup_daily add column value_max double`,
  },
  {
    // How far the event journal (event-journal.ts) has been moved into this file: its segments up to this number are
    // in `events`. Updated in the same transaction as the rows it describes.
    name: '0004-event-journal',
    sql: `create table event_journal (id integer primary key, moved_through bigint not null);
      insert into event_journal values (1, 0)`,
  },
]
