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
]
