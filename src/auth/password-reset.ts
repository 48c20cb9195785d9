/**
 * Password reset by emailed link. Requests answer the same way whether or not the email exists (no enumeration);
 * links are single-use and expire after an hour.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { fromFlag, nowIso } from '../db/values.ts'
import { Invalid } from '../errors.ts'
import type { Mailer } from '../notify/mailer.ts'
import { systemActor } from './actor.ts'
import { digest, randomToken } from './tokens.ts'
import { setPassword } from './users.ts'

const LINK_LIFETIME_MS = 60 * 60_000

export async function requestPasswordReset(db: Kysely<Database>, mailer: Mailer, publicUrl: string, email: string): Promise<void> {
  const user = await db.selectFrom('users').select(['id', 'email', 'active']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst()
  if (!user || !fromFlag(user.active)) return
  const token = randomToken()
  await db.insertInto('password_resets').values({ token_hash: digest(token), user_id: user.id, expires_at: new Date(Date.now() + LINK_LIFETIME_MS).toISOString(), used_at: null, created_at: nowIso() }).execute()
  await mailer.send({
    to: user.email,
    subject: 'Reset your cx280 password',
    text: `Someone asked to reset the password for this cx280 account.\n\nTo choose a new password, open this link within one hour:\n${publicUrl}/password/reset/${token}\n\nIf you did not ask for this, ignore this message; your password stays the same.\n`,
  })
}

/** Whether a reset link is still usable (for showing the form). */
export async function isResetTokenValid(db: Kysely<Database>, token: string): Promise<boolean> {
  const row = await db.selectFrom('password_resets').select(['expires_at', 'used_at']).where('token_hash', '=', digest(token)).executeTakeFirst()
  return !!row && !row.used_at && Date.parse(row.expires_at) > Date.now()
}

export async function completePasswordReset(db: Kysely<Database>, token: string, password: string): Promise<void> {
  const tokenHash = digest(token)
  const row = await db.selectFrom('password_resets').select(['user_id', 'expires_at', 'used_at']).where('token_hash', '=', tokenHash).executeTakeFirst()
  if (!row || row.used_at || Date.parse(row.expires_at) <= Date.now()) throw new Invalid('This reset link has expired or was already used. Ask for a new one.', { token: 'is expired or used' })
  await setPassword(db, systemActor('password-reset'), row.user_id, password)
  await db.updateTable('password_resets').set({ used_at: nowIso() }).where('token_hash', '=', tokenHash).execute()
}
