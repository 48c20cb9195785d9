/**
 * Server-side sessions. The cookie carries a random token; the table keeps its SHA-256, the user, the CSRF token
 * for forms, and when it was last used. Sessions expire after the configured idle time (default 30 minutes).
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../db/values.ts'
import { digest, randomToken } from './tokens.ts'

export interface SessionRecord {
  readonly idHash: string
  readonly userId: string
  readonly csrfToken: string
}

/** Writing last_seen_at on every request would turn reads into writes; once a minute is precise enough. */
const TOUCH_INTERVAL_MS = 60_000

export async function createSession(db: Kysely<Database>, userId: string): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken()
  const csrfToken = randomToken()
  const now = nowIso()
  await db.insertInto('sessions').values({ id_hash: digest(token), user_id: userId, csrf_token: csrfToken, created_at: now, last_seen_at: now }).execute()
  return { token, csrfToken }
}

export async function resolveSession(db: Kysely<Database>, token: string, idleMinutes: number): Promise<SessionRecord | null> {
  const idHash = digest(token)
  const row = await db.selectFrom('sessions').select(['user_id', 'csrf_token', 'last_seen_at']).where('id_hash', '=', idHash).executeTakeFirst()
  if (!row) return null
  const idleMs = Date.now() - Date.parse(row.last_seen_at)
  if (idleMs > idleMinutes * 60_000) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute()
    return null
  }
  if (idleMs > TOUCH_INTERVAL_MS) await db.updateTable('sessions').set({ last_seen_at: nowIso() }).where('id_hash', '=', idHash).execute()
  return { idHash, userId: row.user_id, csrfToken: row.csrf_token }
}

export async function endSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', digest(token)).execute()
}

export async function endSessionsOfUser(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute()
}

export async function purgeIdleSessions(db: Kysely<Database>, idleMinutes: number): Promise<number> {
  const cutoff = new Date(Date.now() - idleMinutes * 60_000).toISOString()
  const result = await db.deleteFrom('sessions').where('last_seen_at', '<', cutoff).executeTakeFirst()
  return Number(result.numDeletedRows)
}
