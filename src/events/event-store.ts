/**
 * The event store: append-only analytics events (page views, key actions, journey steps). One interface, one folder
 * per engine (`duckdb/`, later `clickhouse/`), chosen once from EVENTS_URL. Ingest and queries arrive with the
 * analytics work; the foundation opens the store, migrates it and checks its health.
 */
export type EventEngine = 'duckdb' | 'clickhouse'

export interface EventStoreHealth {
  readonly ok: boolean
  readonly engine: EventEngine
  readonly detail: string
}

export interface EventStore {
  readonly engine: EventEngine
  /** Applies pending event-store migrations; returns their names. */
  migrate(): Promise<string[]>
  health(): Promise<EventStoreHealth>
  /** Number of stored events (used by health output and tests). */
  countEvents(): Promise<number>
  close(): Promise<void>
}
