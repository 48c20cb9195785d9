/**
 * Webhooks an organization registers to hear about feedback: new responses, recovery cases opened and updated,
 * survey lifecycle. Events are queued in the outbox by the change itself (webhook-outbox.ts) and delivered, signed,
 * by the worker (webhook-delivery.ts). Each webhook has a signing secret, generated here and shown once at creation.
 * Agency leads and admins manage them (`canManageWebhooks`); another organization's webhooks answer 404.
 */
import { randomBytes } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import Type, { type Static } from 'typebox'
import { recordAudit } from '../audit/audit-log.ts'
import { afterCommit } from '../db/after-commit.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageWebhooks, canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database } from '../db/schema.ts'
import { fromFlag, newId, nowIso, subtreePattern, toFlag } from '../db/values.ts'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts'
import { forgetWebhookSubscribers, WEBHOOK_EVENTS, type WebhookEvent } from './webhook-outbox.ts'

type Db = Kysely<Database> | Transaction<Database>

/** Deliveries of this event are queued by `pingWebhook` only; receivers should answer it with any 2xx. */
export const PING_EVENT = 'ping'
const URL_MAX = 2000
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export const WebhookCreateInput = Type.Object({
  organizationId: Type.String({ format: 'uuid' }),
  url: Type.String({ minLength: 1, maxLength: URL_MAX }),
  events: Type.Array(Type.Enum([...WEBHOOK_EVENTS]), { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }),
  active: Type.Optional(Type.Boolean()),
}, { additionalProperties: false })
export type WebhookCreateInput = Static<typeof WebhookCreateInput>

export const WebhookUpdateInput = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1, maxLength: URL_MAX })),
  events: Type.Optional(Type.Array(Type.Enum([...WEBHOOK_EVENTS]), { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true })),
  active: Type.Optional(Type.Boolean()),
  rotateSecret: Type.Optional(Type.Boolean({ description: 'Issue a new signing secret (returned once in `secret`).' })),
}, { additionalProperties: false })
export type WebhookUpdateInput = Static<typeof WebhookUpdateInput>

export interface WebhookView {
  readonly id: string
  readonly organizationId: string
  readonly organizationName: string
  readonly url: string
  readonly events: readonly WebhookEvent[]
  readonly active: boolean
  readonly createdAt: string
  readonly updatedAt: string
}

/** A webhook as created (or with a rotated secret): the secret appears here and nowhere else, ever. */
export interface WebhookWithSecret extends WebhookView {
  readonly secret: string
}

export interface DeliveryView {
  readonly id: string
  readonly webhookId: string
  readonly url: string
  readonly event: string
  readonly status: string
  readonly attempts: number
  readonly nextAttemptAt: string
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly createdAt: string
  readonly deliveredAt: string | null
}

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`

/** Webhook URLs must be https; plain http only reaches the local machine (development, tests). */
export function checkWebhookUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new Invalid('Some fields need attention.', { url: 'must be a full URL such as https://example.gov/hooks/cx280' })
  }
  const local = LOCAL_HOSTS.has(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new Invalid('Some fields need attention.', { url: 'must use https:// (http:// is allowed only for localhost)' })
  }
  if (url.username || url.password) throw new Invalid('Some fields need attention.', { url: 'must not contain a user name or password' })
  return url.toString()
}

interface WebhookRow {
  id: string; organization_id: string; organization_name: string; organization_path: string; url: string; events: string; active: number
  created_at: string; updated_at: string
}

function baseWebhooks(db: Db) {
  return db.selectFrom('webhooks as w').innerJoin('organizations as o', 'o.id', 'w.organization_id')
    .select(['w.id', 'w.organization_id', 'o.name as organization_name', 'o.path as organization_path', 'w.url', 'w.events', 'w.active', 'w.created_at', 'w.updated_at'])
}

function toView(row: WebhookRow): WebhookView {
  return {
    id: row.id, organizationId: row.organization_id, organizationName: row.organization_name, url: row.url,
    events: JSON.parse(row.events) as WebhookEvent[], active: fromFlag(row.active), createdAt: row.created_at, updatedAt: row.updated_at,
  }
}

/** A webhook the actor may manage; 404 when its organization is out of sight, 403 when visible but not theirs to manage. */
async function loadManaged(db: Db, actor: Actor, id: string): Promise<WebhookRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Webhook')
  const row = await baseWebhooks(db).where('w.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Webhook')
  if (!canManageWebhooks(actor, row.organization_path)) throw new Forbidden('Your role does not allow managing webhooks.')
  return row
}

/** Webhooks the actor may manage (admins: all; agency leads: their subtree; others: none). */
export async function listWebhooks(db: Kysely<Database>, actor: Actor): Promise<WebhookView[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  let query = baseWebhooks(db)
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  const rows = await query.orderBy('o.name').orderBy('w.created_at').orderBy('w.id').execute()
  return rows.filter((r) => canManageWebhooks(actor, r.organization_path)).map(toView)
}

export async function getWebhook(db: Kysely<Database>, actor: Actor, id: string): Promise<WebhookView> {
  return toView(await loadManaged(db, actor, id))
}

/**
 * Registers a webhook and returns it with its signing secret (shown once).
 * @example createWebhook(db, actor, { organizationId, url: 'https://crm.agency.gov/cx280', events: ['recovery_case.opened'] })
 */
export async function createWebhook(db: Kysely<Database>, actor: Actor, input: WebhookCreateInput): Promise<WebhookWithSecret> {
  const url = checkWebhookUrl(input.url)
  return afterCommit(db.transaction().execute(async (trx) => {
    const organization = await trx.selectFrom('organizations').select(['id', 'path']).where('id', '=', input.organizationId).executeTakeFirst()
    if (!organization || !canReadOrganization(actor, organization.path)) throw new NotFound('Organization')
    if (!canManageWebhooks(actor, organization.path)) throw new Forbidden('Your role does not allow managing webhooks here.')
    const id = newId()
    const secret = newSecret()
    const now = nowIso()
    const events = WEBHOOK_EVENTS.filter((e) => input.events.includes(e))
    await trx.insertInto('webhooks').values({
      id, organization_id: organization.id, url, secret, events: JSON.stringify(events), active: toFlag(input.active ?? true), created_by: actor.userId, created_at: now, updated_at: now,
    }).execute()
    const view = toView((await baseWebhooks(trx).where('w.id', '=', id).executeTakeFirstOrThrow()))
    await recordAudit(trx, actor, { action: 'webhook.create', entityType: 'webhook', entityId: id, organizationId: organization.id, after: view })
    return { ...view, secret }
  }), forgetWebhookSubscribers)
}

/** Changes the URL, events or active flag; `rotateSecret` issues a new secret, returned once. */
export async function updateWebhook(db: Kysely<Database>, actor: Actor, id: string, input: WebhookUpdateInput): Promise<WebhookView & { secret?: string }> {
  const url = input.url === undefined ? undefined : checkWebhookUrl(input.url)
  return afterCommit(db.transaction().execute(async (trx) => {
    const row = await loadManaged(trx, actor, id)
    const before = toView(row)
    const secret = input.rotateSecret ? newSecret() : undefined
    await trx.updateTable('webhooks').set({
      ...(url !== undefined ? { url } : {}),
      ...(input.events !== undefined ? { events: JSON.stringify(WEBHOOK_EVENTS.filter((e) => input.events?.includes(e))) } : {}),
      ...(input.active !== undefined ? { active: toFlag(input.active) } : {}),
      ...(secret !== undefined ? { secret } : {}),
      updated_at: nowIso(),
    }).where('id', '=', id).execute()
    const after = toView(await baseWebhooks(trx).where('w.id', '=', id).executeTakeFirstOrThrow())
    await recordAudit(trx, actor, { action: 'webhook.update', entityType: 'webhook', entityId: id, organizationId: row.organization_id, before, after: { ...after, secretRotated: secret !== undefined } })
    return secret !== undefined ? { ...after, secret } : after
  }), forgetWebhookSubscribers)
}

/** Removes a webhook and its delivery history. */
export async function deleteWebhook(db: Kysely<Database>, actor: Actor, id: string): Promise<void> {
  await afterCommit(db.transaction().execute(async (trx) => {
    const row = await loadManaged(trx, actor, id)
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute()
    await trx.deleteFrom('webhooks').where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'webhook.delete', entityType: 'webhook', entityId: id, organizationId: row.organization_id, before: toView(row) })
  }), forgetWebhookSubscribers)
}

/** Queues a `ping` delivery so an operator can check the receiver and its signature check. */
export async function pingWebhook(db: Kysely<Database>, actor: Actor, id: string): Promise<DeliveryView> {
  return db.transaction().execute(async (trx) => {
    const row = await loadManaged(trx, actor, id)
    if (!fromFlag(row.active)) throw new Conflict('This webhook is inactive; activate it before sending a test.')
    const now = nowIso()
    const deliveryId = newId()
    const payload = JSON.stringify({ event: PING_EVENT, occurredAt: now, data: { webhookId: id, organizationId: row.organization_id } })
    await trx.insertInto('webhook_deliveries').values({
      id: deliveryId, webhook_id: id, event: PING_EVENT, payload, status: 'pending', attempts: 0, next_attempt_at: now, last_status: null, last_error: null, created_at: now, delivered_at: null,
    }).execute()
    await recordAudit(trx, actor, { action: 'webhook.ping', entityType: 'webhook', entityId: id, organizationId: row.organization_id, after: { deliveryId } })
    return { id: deliveryId, webhookId: id, url: row.url, event: PING_EVENT, status: 'pending', attempts: 0, nextAttemptAt: now, lastStatus: null, lastError: null, createdAt: now, deliveredAt: null }
  })
}

function deliveriesQuery(db: Db) {
  return db.selectFrom('webhook_deliveries as d').innerJoin('webhooks as w', 'w.id', 'd.webhook_id').innerJoin('organizations as o', 'o.id', 'w.organization_id')
    .select(['d.id', 'd.webhook_id', 'w.url', 'd.event', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_status', 'd.last_error', 'd.created_at', 'd.delivered_at', 'o.path'])
}

type DeliveryRow = Awaited<ReturnType<ReturnType<typeof deliveriesQuery>['execute']>>[number]

const toDelivery = (r: DeliveryRow): DeliveryView => ({
  id: r.id, webhookId: r.webhook_id, url: r.url, event: r.event, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status, lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at,
})

/** A webhook's deliveries, newest first. */
export async function listDeliveries(db: Kysely<Database>, actor: Actor, id: string, page: { page: number; pageSize: number }): Promise<{ items: DeliveryView[]; total: number }> {
  await loadManaged(db, actor, id)
  const total = Number((await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('webhook_id', '=', id).executeTakeFirstOrThrow()).n)
  const rows = await deliveriesQuery(db).where('d.webhook_id', '=', id).orderBy('d.created_at', 'desc').orderBy('d.id', 'desc')
    .limit(page.pageSize).offset((page.page - 1) * page.pageSize).execute()
  return { total, items: rows.map(toDelivery) }
}

/** The latest deliveries across every webhook the actor manages (for the webhooks page). */
export async function listRecentDeliveries(db: Kysely<Database>, actor: Actor, limit = 20): Promise<DeliveryView[]> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return []
  let query = deliveriesQuery(db)
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  const rows = await query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(limit * 2).execute()
  return rows.filter((r) => canManageWebhooks(actor, r.path)).slice(0, limit).map(toDelivery)
}
