/**
 * Retention: responses moved to the trash are deleted for good after 30 days (their answers, tags, recovery case and
 * case notes go with them through the foreign keys' ON DELETE CASCADE). Runs daily as a scheduled job.
 */
import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import { systemActor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'

export const TRASH_RETENTION_DAYS = 30
const CHUNK = 500

/**
 * Deletes trashed responses whose `trashed_at` is more than 30 days before `now`; returns how many went. One audit
 * entry summarises the purge (written only when something was deleted).
 * @example const purged = await purgeTrash(db, new Date())
 */
export async function purgeTrash(db: Kysely<Database>, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - TRASH_RETENTION_DAYS * 86_400_000).toISOString()
  let purged = 0
  // Chunks keep each statement's IN list and each transaction small on a large trash.
  for (;;) {
    const deleted = await db.transaction().execute(async (trx) => {
      const ids = (await trx.selectFrom('responses').select('id').where('status', '=', 'trash').where('trashed_at', '<', cutoff).orderBy('id').limit(CHUNK).execute()).map((r) => r.id)
      if (ids.length === 0) return 0
      await trx.deleteFrom('responses').where('id', 'in', ids).execute()
      return ids.length
    })
    purged += deleted
    if (deleted < CHUNK) break
  }
  if (purged > 0) {
    await recordAudit(db, systemActor('trash-purge'), { action: 'response.purge', entityType: 'response', entityId: 'trash', after: { purged, trashedBefore: cutoff } })
  }
  return purged
}
