/**
 * The event store: append-only analytics events (page views, key actions, journey steps). One interface, one folder
 * per engine (`duckdb/`, later `clickhouse/`), chosen once from EVENTS_URL. Writes arrive in batches (group commit,
 * write-buffer.ts); queries arrive with the analytics work.
 */
export type EventEngine = 'duckdb' | 'clickhouse'

export interface EventStoreHealth {
  readonly ok: boolean
  readonly engine: EventEngine
  readonly detail: string
}

/** One stored event. No IP address and no cookie exist anywhere in it (the visitor id is a salted daily hash). */
export interface EventRow {
  readonly ts: Date
  readonly siteId: string
  readonly visitorId: string
  readonly sessionId: string
  /** pageview | action | outbound | form_submit | … */
  readonly eventType: string
  readonly name: string | null
  readonly path: string | null
  readonly referrer: string | null
  readonly value: number | null
  /** Redacted, flat JSON text. */
  readonly properties: string | null
}

export interface EventStore {
  readonly engine: EventEngine
  /** Applies pending event-store migrations; returns their names. */
  migrate(): Promise<string[]>
  health(): Promise<EventStoreHealth>
  /** Appends rows in one committed batch; resolves only after the commit. Callers batch through WriteBuffer. */
  append(rows: readonly EventRow[]): Promise<void>
  /** A site's most recent events, newest first (realtime views and tests). */
  recentEvents(siteId: string, limit: number): Promise<EventRow[]>
  /** Number of stored events (used by health output and tests). */
  countEvents(): Promise<number>
  close(): Promise<void>
}
