/**
 * The daily salts behind cookieless visitor ids (analytics/visitor-id.ts). One random salt per UTC day, created by
 * whichever server process needs it first (insert-or-ignore, then read, so concurrent processes agree on both
 * engines), cached in memory, and deleted after `keepDays` so earlier days' visitor ids cannot be re-derived.
 */
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { dailySaltKey } from './visitor-id.ts'

const DAY = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/
const DAY_MS = 24 * 60 * 60 * 1000

// Per database handle: a day's salt never changes once stored, so it can be cached until that day is purged.
const cache = new WeakMap<Kysely<Database>, Map<string, string>>()

/** The salt for a UTC day (`YYYY-MM-DD`), created if missing. */
export async function saltFor(db: Kysely<Database>, day: string): Promise<string> {
  if (!DAY.test(day)) throw new RangeError(`not a day: ${day}`)
  const cached = cache.get(db)?.get(day)
  if (cached) return cached
  await db.insertInto('visitor_salts')
    .values({ day, salt: randomBytes(32).toString('hex'), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('day').doNothing())
    .execute()
  const salt = await existingSalt(db, day)
  if (!salt) throw new Error(`visitor salt for ${day} vanished after insert`)
  remember(db, day, salt)
  return salt
}

/** The salt for a day if one exists, without creating it (for matching yesterday's visitors across midnight). */
export async function existingSalt(db: Kysely<Database>, day: string): Promise<string | null> {
  const row = await db.selectFrom('visitor_salts').select('salt').where('day', '=', day).executeTakeFirst()
  return row?.salt ?? null
}

/** Deletes salts older than the last `keepDays` UTC days (default: today and yesterday); returns how many. */
export async function purgeOldSalts(db: Kysely<Database>, keepDays = 2, now: Date = new Date()): Promise<number> {
  if (!Number.isInteger(keepDays) || keepDays < 1) throw new RangeError('keepDays must be a whole number ≥ 1')
  const oldestKept = dailySaltKey(new Date(now.getTime() - (keepDays - 1) * DAY_MS))
  const result = await db.deleteFrom('visitor_salts').where('day', '<', oldestKept).executeTakeFirst()
  const days = cache.get(db)
  if (days) for (const day of [...days.keys()]) if (day < oldestKept) days.delete(day)
  return Number(result.numDeletedRows)
}

function remember(db: Kysely<Database>, day: string, salt: string): void {
  let days = cache.get(db)
  if (!days) cache.set(db, (days = new Map()))
  days.set(day, salt)
  // Only the current and previous day are ever asked for in practice; keep the cache from growing regardless.
  if (days.size > 3) days.delete([...days.keys()].sort()[0] as string)
}
