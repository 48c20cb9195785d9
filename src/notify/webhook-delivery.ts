/**
 * The webhook delivery worker: claims due `pending` outbox rows, POSTs each payload, signed, to its webhook, and
 * records the outcome. A failure is retried after 1 min, 5 min, 30 min, 2 h and 12 h; after the sixth failed
 * attempt the delivery is `failed`. Every function takes `now`, so tests drive retries without waiting.
 *
 * Signature (docs/webhooks.md): `x-cx280-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
 * `x-cx280-timestamp` in Unix seconds; receivers check it with `verifyWebhookSignature` or its equivalent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

/** Waits after the 1st, 2nd, … failed attempt; one more failure after the last wait marks the delivery failed. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000] as const
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1
export const DELIVERY_TIMEOUT_MS = 10_000
/** How long a claimed row stays invisible to other workers (longer than the request timeout). */
const CLAIM_LEASE_MS = 60_000
const ERROR_MAX = 500

export interface DeliveryOptions {
  readonly now: Date
  /** Rows claimed per run. */
  readonly limit?: number
  /** Requests in flight at once. */
  readonly concurrency?: number
  readonly timeoutMs?: number
  readonly fetch?: typeof fetch
}

export interface DeliveryRun {
  readonly delivered: number
  readonly retrying: number
  readonly failed: number
}

/** `sha256=<hex>` for a body sent at `timestamp` (Unix seconds). */
export function signWebhookPayload(secret: string, timestamp: string | number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * Checks a delivery's signature in constant time, and (with `toleranceSeconds`) that its timestamp is recent.
 * @example verifyWebhookSignature({ secret, body: rawBody, timestamp: req.headers['x-cx280-timestamp'], signature: req.headers['x-cx280-signature'], toleranceSeconds: 300 })
 */
export function verifyWebhookSignature(input: {
  readonly secret: string
  readonly body: string
  readonly timestamp: string | undefined
  readonly signature: string | undefined
  readonly toleranceSeconds?: number
  readonly now?: Date
}): boolean {
  const { timestamp, signature } = input
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false
  if (input.toleranceSeconds !== undefined) {
    const age = Math.abs((input.now ?? new Date()).getTime() / 1000 - Number(timestamp))
    if (age > input.toleranceSeconds) return false
  }
  const expected = Buffer.from(signWebhookPayload(input.secret, timestamp, input.body))
  const presented = Buffer.from(signature)
  return expected.length === presented.length && timingSafeEqual(expected, presented)
}

interface Claimed {
  id: string
  event: string
  payload: string
  attempts: number
  url: string
  secret: string
  active: number
}

/** Claims due rows by pushing their next attempt past the lease; a row another worker claimed first is skipped. */
async function claimDue(db: Kysely<Database>, now: Date, limit: number): Promise<Claimed[]> {
  const due = await db.selectFrom('webhook_deliveries as d').innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.id', 'd.event', 'd.payload', 'd.attempts', 'd.next_attempt_at', 'w.url', 'w.secret', 'w.active'])
    .where('d.status', '=', 'pending').where('d.next_attempt_at', '<=', now.toISOString())
    .orderBy('d.next_attempt_at').orderBy('d.id').limit(limit).execute()
  const lease = new Date(now.getTime() + CLAIM_LEASE_MS).toISOString()
  const claimed: Claimed[] = []
  for (const row of due) {
    const result = await db.updateTable('webhook_deliveries').set({ next_attempt_at: lease })
      .where('id', '=', row.id).where('status', '=', 'pending').where('next_attempt_at', '=', row.next_attempt_at).executeTakeFirst()
    if (Number(result.numUpdatedRows) === 1) claimed.push(row)
  }
  return claimed
}

async function post(row: Claimed, now: Date, options: DeliveryOptions): Promise<{ status: number | null; error: string | null }> {
  const timestamp = String(Math.floor(now.getTime() / 1000))
  try {
    const response = await (options.fetch ?? fetch)(row.url, {
      method: 'POST',
      body: row.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'cx280-webhooks/1',
        'x-cx280-event': row.event,
        'x-cx280-delivery': row.id,
        'x-cx280-timestamp': timestamp,
        'x-cx280-signature': signWebhookPayload(row.secret, timestamp, row.payload),
      },
    })
    await response.body?.cancel().catch(() => undefined)
    return { status: response.status, error: response.ok ? null : `HTTP ${response.status}` }
  } catch (error) {
    const reason = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`) : String(error)
    return { status: null, error: reason.slice(0, ERROR_MAX) }
  }
}

type Outcome = 'delivered' | 'retrying' | 'failed'

async function deliverOne(db: Kysely<Database>, row: Claimed, options: DeliveryOptions): Promise<Outcome> {
  const { now } = options
  const attempts = row.attempts + 1
  const result = row.active === 1 ? await post(row, now, options) : { status: null, error: 'the webhook is deactivated' }
  const done = result.status !== null && result.status >= 200 && result.status < 300
  const outcome: Outcome = done ? 'delivered' : attempts >= MAX_ATTEMPTS || row.active !== 1 ? 'failed' : 'retrying'
  const delay = RETRY_DELAYS_MS[attempts - 1] ?? 0
  await db.updateTable('webhook_deliveries').set({
    status: outcome === 'retrying' ? 'pending' : outcome,
    attempts,
    next_attempt_at: outcome === 'retrying' ? new Date(now.getTime() + delay).toISOString() : now.toISOString(),
    last_status: result.status,
    last_error: result.error,
    delivered_at: done ? now.toISOString() : null,
  }).where('id', '=', row.id).execute()
  return outcome
}

/**
 * Delivers every due delivery (up to `limit`), a few at a time.
 * @example await deliverDueWebhooks(runtime.db, { now: new Date() })
 */
export async function deliverDueWebhooks(db: Kysely<Database>, options: DeliveryOptions): Promise<DeliveryRun> {
  const claimed = await claimDue(db, options.now, options.limit ?? 100)
  const counts = { delivered: 0, retrying: 0, failed: 0 }
  const queue = [...claimed]
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) counts[await deliverOne(db, row, options)] += 1
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, worker))
  return counts
}
