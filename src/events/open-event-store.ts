/** Chooses the event-store engine from EVENTS_URL, once. */
import { openDuckDbEventStore } from './duckdb/duckdb-event-store.ts'
import type { EventStore } from './event-store.ts'

export async function openEventStore(url: string): Promise<EventStore> {
  if (url.startsWith('duckdb:')) return openDuckDbEventStore(url.slice('duckdb:'.length))
  if (url.startsWith('clickhouse://')) throw new Error('EVENTS_URL=clickhouse:// arrives with the analytics work; use duckdb:<file> for now')
  throw new Error(`EVENTS_URL must start with duckdb: or clickhouse://, got "${url}"`)
}
