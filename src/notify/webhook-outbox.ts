/**
 * Webhook events are written to an outbox (`webhook_deliveries`) in the same transaction as the change they announce,
 * so an acknowledged change never loses its notification; a worker delivers them with retries (webhook-delivery.ts).
 */
import type { Transaction } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { Database } from '../db/schema.ts'
import { newId, nowIso } from '../db/values.ts'

export const WEBHOOK_EVENTS = [
  'response.created', 'recovery_case.opened', 'recovery_case.updated', 'survey.published', 'survey.closed',
  'collection.submitted', 'collection.change_requested', 'collection.published', 'collection.archived', 'collection.not_reported', 'collection.rated',
  'monitor.alert_opened', 'monitor.alert_resolved',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

// Every response looks up its organization's webhooks; they change rarely. Changes made through this process forget
// the list at once (forgetWebhookSubscribers); other app nodes see them within the second.
const subscribers = new LRUCache<string, { id: string; events: string[] }[]>({ max: 1000, ttl: 1000 })

export function forgetWebhookSubscribers(): void {
  subscribers.clear()
}

/** Queues one delivery per active webhook of the organization or an ancestor that subscribes to the event. */
export async function enqueueWebhookEvent(trx: Transaction<Database>, organizationPath: string, event: WebhookEvent, data: Readonly<Record<string, unknown>>): Promise<number> {
  const ancestors = organizationPath.split('/').filter(Boolean).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}/`)
  if (ancestors.length === 0) return 0
  let hooks = subscribers.get(organizationPath)
  if (!hooks) {
    const rows = await trx.selectFrom('webhooks').innerJoin('organizations as o', 'o.id', 'webhooks.organization_id')
      .select(['webhooks.id', 'webhooks.events']).where('webhooks.active', '=', 1).where('o.path', 'in', ancestors).execute()
    hooks = rows.map((h) => ({ id: h.id, events: JSON.parse(h.events) as string[] }))
    subscribers.set(organizationPath, hooks)
  }
  const now = nowIso()
  const due = hooks.filter((h) => h.events.includes(event))
  if (due.length === 0) return 0
  const payload = JSON.stringify({ event, occurredAt: now, data })
  await trx.insertInto('webhook_deliveries').values(due.map((h) => ({
    id: newId(), webhook_id: h.id, event, payload, status: 'pending', attempts: 0, next_attempt_at: now, last_status: null, last_error: null, created_at: now, delivered_at: null,
  }))).execute()
  return due.length
}
