/**
 * The audit log: every change by a person, key or the system, with before/after snapshots. Writers pass their
 * transaction so the change and its audit row commit together (DESIGN §4).
 */
import type { Kysely, Transaction } from 'kysely'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../db/values.ts'

export interface AuditChange {
  readonly action: string
  readonly entityType: string
  readonly entityId: string
  readonly organizationId?: string | null
  readonly before?: unknown
  readonly after?: unknown
}

export async function recordAudit(trx: Transaction<Database> | Kysely<Database>, actor: Actor, change: AuditChange): Promise<void> {
  await trx.insertInto('audit_log').values({
    at: nowIso(),
    actor_user_id: actor.userId,
    actor_api_key_id: actor.apiKeyId,
    actor_label: actor.label,
    action: change.action,
    entity_type: change.entityType,
    entity_id: change.entityId,
    organization_id: change.organizationId ?? null,
    before_json: change.before === undefined ? null : JSON.stringify(change.before),
    after_json: change.after === undefined ? null : JSON.stringify(change.after),
  }).execute()
}

export interface AuditEntry {
  readonly id: number
  readonly at: string
  readonly actorUserId: string | null
  readonly actorApiKeyId: string | null
  readonly actorLabel: string
  readonly action: string
  readonly entityType: string
  readonly entityId: string
  readonly organizationId: string | null
  readonly before: unknown
  readonly after: unknown
}

export interface AuditFilter {
  readonly entityType?: string | undefined
  readonly entityId?: string | undefined
  readonly actorUserId?: string | undefined
  /** Return entries with id lower than this (keyset pagination, newest first). */
  readonly before?: number | undefined
  readonly limit: number
}

export async function listAudit(db: Kysely<Database>, filter: AuditFilter): Promise<{ entries: AuditEntry[]; next: number | null }> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit + 1)
  if (filter.entityType) query = query.where('entity_type', '=', filter.entityType)
  if (filter.entityId) query = query.where('entity_id', '=', filter.entityId)
  if (filter.actorUserId) query = query.where('actor_user_id', '=', filter.actorUserId)
  if (filter.before !== undefined) query = query.where('id', '<', filter.before)
  const rows = await query.execute()
  const page = rows.slice(0, filter.limit)
  return {
    entries: page.map((r) => ({
      id: Number(r.id), at: r.at, actorUserId: r.actor_user_id, actorApiKeyId: r.actor_api_key_id, actorLabel: r.actor_label,
      action: r.action, entityType: r.entity_type, entityId: r.entity_id, organizationId: r.organization_id,
      before: r.before_json ? JSON.parse(r.before_json) : null, after: r.after_json ? JSON.parse(r.after_json) : null,
    })),
    next: rows.length > filter.limit ? Number(page[page.length - 1]?.id) : null,
  }
}
