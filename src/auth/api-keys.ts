/**
 * API keys: created by a user for themselves, shown once, stored as a SHA-256 digest, revocable. A key acts with
 * its owner's roles: `Authorization: Bearer cx280_<prefix>_<secret>`.
 */
import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Database } from '../db/schema.ts'
import { newId, nowIso } from '../db/values.ts'
import { NotFound, Unauthorized } from '../errors.ts'
import type { Actor } from './actor.ts'
import { isAdmin } from './permissions.ts'
import { digest, randomHex, randomToken } from './tokens.ts'
import { loadUserActor } from './users.ts'

export interface ApiKeyView {
  readonly id: string
  readonly userId: string
  readonly name: string
  readonly prefix: string
  readonly createdAt: string
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

const KEY_PATTERN = /^cx280_([a-f0-9]{12})_([A-Za-z0-9_-]{32,64})$/

function toView(row: Database['api_keys']): ApiKeyView {
  return { id: row.id, userId: row.user_id, name: row.name, prefix: row.prefix, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at }
}

/** Creates a key for the acting user; the returned `secret` is the only time the full key exists in clear. */
export async function createApiKey(db: Kysely<Database>, actor: Actor, name: string): Promise<{ key: ApiKeyView; secret: string }> {
  if (!actor.userId) throw new Unauthorized('API keys belong to a person; sign in first.')
  const prefix = randomHex(6)
  const secret = `cx280_${prefix}_${randomToken(32)}`
  const row = { id: newId(), user_id: actor.userId, name: name.trim(), prefix, key_hash: digest(secret), created_at: nowIso(), last_used_at: null, revoked_at: null }
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('api_keys').values(row).execute()
    await recordAudit(trx, actor, { action: 'api_key.create', entityType: 'api_key', entityId: row.id, after: toView(row) })
  })
  return { key: toView(row), secret }
}

export async function listApiKeys(db: Kysely<Database>, actor: Actor): Promise<ApiKeyView[]> {
  if (!actor.userId) return []
  const rows = await db.selectFrom('api_keys').selectAll().where('user_id', '=', actor.userId).orderBy('created_at', 'desc').execute()
  return rows.map(toView)
}

/** Revokes one of the actor's keys (admins may revoke anyone's). Revoking twice is harmless. */
export async function revokeApiKey(db: Kysely<Database>, actor: Actor, keyId: string): Promise<ApiKeyView> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirst()
    if (!row || (row.user_id !== actor.userId && !isAdmin(actor))) throw new NotFound('API key')
    if (row.revoked_at) return toView(row)
    const revoked = { ...row, revoked_at: nowIso() }
    await trx.updateTable('api_keys').set({ revoked_at: revoked.revoked_at }).where('id', '=', keyId).execute()
    await recordAudit(trx, actor, { action: 'api_key.revoke', entityType: 'api_key', entityId: keyId, before: toView(row), after: toView(revoked) })
    return toView(revoked)
  })
}

/** The actor behind a bearer key, or null for a malformed, unknown or revoked key. */
export async function authenticateApiKey(db: Kysely<Database>, presented: string): Promise<Actor | null> {
  const match = KEY_PATTERN.exec(presented)
  if (!match) return null
  const row = await db.selectFrom('api_keys').select(['id', 'user_id', 'key_hash', 'revoked_at', 'last_used_at']).where('prefix', '=', match[1] as string).executeTakeFirst()
  if (!row || row.revoked_at || row.key_hash !== digest(presented)) return null
  // Touch at most once a minute, so heavy API use does not turn every read into a write.
  if (!row.last_used_at || Date.now() - Date.parse(row.last_used_at) > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: nowIso() }).where('id', '=', row.id).execute()
  }
  return loadUserActor(db, row.user_id, row.id)
}
