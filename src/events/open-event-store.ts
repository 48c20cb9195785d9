/** Chooses the event-store engine from EVENTS_URL, once. */
import { openClickHouseEventStore } from './clickhouse/clickhouse-event-store.ts'
import { openDuckDbEventStore } from './duckdb/duckdb-event-store.ts'
import type { EventStore } from './event-store.ts'

export async function openEventStore(url: string): Promise<EventStore> {
  if (url.startsWith('duckdb:')) return openDuckDbEventStore(url.slice('duckdb:'.length))
  if (url.startsWith('clickhouse://')) return openClickHouseEventStore(url)
  // Only the scheme is echoed: the rest may hold a password.
  throw new Error(`EVENTS_URL must start with duckdb: or clickhouse://, got "${url.split(':')[0]}:…"`)
}
