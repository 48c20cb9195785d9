/**
 * Email about collections goes through an outbox (`collection_emails`) written in the same transaction as the change
 * it announces, so a committed transition or reminder never loses its message and a rolled-back one sends nothing.
 * A job sends what is due, claiming each message with a guarded update (several nodes never send one twice) and
 * retrying failures with backoff. Messages name the collection and link to it; they never carry respondents' text.
 */
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { newId, nowIso } from '../db/values.ts'
import type { Mailer } from '../notify/mailer.ts'

type Db = Kysely<Database> | Transaction<Database>

export const MAIL_KINDS = ['submitted', 'change_requested', 'published', 'archived', 'not_reported', 'rated', 'reminder'] as const
export type MailKind = (typeof MAIL_KINDS)[number]

const MAX_ATTEMPTS = 6
const BATCH = 100

/** The organization path and each ancestor's, e.g. `/a/b/` → [`/a/`, `/a/b/`]. */
export function ancestorPaths(path: string): string[] {
  return path.split('/').filter(Boolean).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}/`)
}

/**
 * A HISP's leads for a collection: active agency leads over the service's organization or the HISP's organization.
 * With `owner`, also the service's owner (the person who keeps its data).
 */
export async function hispLeadEmails(db: Db, scope: { servicePath: string; hispOrganizationId: string | null; serviceOwnerId: string | null }, owner: boolean): Promise<string[]> {
  const paths = ancestorPaths(scope.servicePath)
  if (scope.hispOrganizationId) {
    const hispOrg = await db.selectFrom('organizations').select('path').where('id', '=', scope.hispOrganizationId).executeTakeFirst()
    if (hispOrg) paths.push(...ancestorPaths(hispOrg.path))
  }
  const leads = paths.length === 0 ? [] : await db.selectFrom('role_assignments as ra').innerJoin('users as u', 'u.id', 'ra.user_id').innerJoin('organizations as o', 'o.id', 'ra.organization_id')
    .select('u.email').where('ra.role', '=', 'agency_lead').where('u.active', '=', 1).where('o.path', 'in', [...new Set(paths)]).execute()
  const emails = leads.map((l) => l.email)
  if (owner && scope.serviceOwnerId) {
    const user = await db.selectFrom('users').select('email').where('id', '=', scope.serviceOwnerId).where('active', '=', 1).executeTakeFirst()
    if (user) emails.push(user.email)
  }
  return [...new Set(emails)].sort()
}

/** OMB's side: every active OMB reviewer and the HISP's OMB portfolio manager. */
export async function ombEmails(db: Db, portfolioManagerEmail: string | null): Promise<string[]> {
  const reviewers = await db.selectFrom('role_assignments as ra').innerJoin('users as u', 'u.id', 'ra.user_id')
    .select('u.email').where('ra.role', '=', 'omb_reviewer').where('u.active', '=', 1).execute()
  return [...new Set([...reviewers.map((r) => r.email), ...(portfolioManagerEmail ? [portfolioManagerEmail] : [])])].sort()
}

/** Queues one message per recipient; returns how many. */
export async function queueCollectionEmail(trx: Db, message: { collectionId: string; kind: MailKind; to: readonly string[]; subject: string; body: string }): Promise<number> {
  if (message.to.length === 0) return 0
  const now = nowIso()
  await trx.insertInto('collection_emails').values(message.to.map((to) => ({
    id: newId(), collection_id: message.collectionId, kind: message.kind, to_email: to, subject: message.subject, body: message.body,
    status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, sent_at: null,
  }))).execute()
  return message.to.length
}

export interface MailRun {
  readonly sent: number
  readonly failed: number
}

/** Minutes to wait after the n-th failed attempt: 1, 4, 16, 64, 256. */
const backoffMinutes = (attempts: number): number => 4 ** (attempts - 1)

/**
 * Sends the collection email that is due.
 * @example await deliverCollectionEmails(db, { now: new Date(), mailer })
 */
export async function deliverCollectionEmails(db: Kysely<Database>, context: { now: Date; mailer: Pick<Mailer, 'send'> }): Promise<MailRun> {
  const now = context.now.toISOString()
  const due = await db.selectFrom('collection_emails').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at').orderBy('id').limit(BATCH).execute()
  let sent = 0
  let failed = 0
  for (const message of due) {
    const attempts = message.attempts + 1
    // Claim: push the next attempt out first, so another run skips it while this one sends.
    const claim = await db.updateTable('collection_emails')
      .set({ attempts, next_attempt_at: new Date(context.now.getTime() + backoffMinutes(attempts) * 60_000).toISOString() })
      .where('id', '=', message.id).where('status', '=', 'pending').where('attempts', '=', message.attempts).executeTakeFirst()
    if (Number(claim.numUpdatedRows) !== 1) continue
    try {
      await context.mailer.send({ to: message.to_email, subject: message.subject, text: message.body })
      await db.updateTable('collection_emails').set({ status: 'sent', sent_at: nowIso(), last_error: null }).where('id', '=', message.id).execute()
      sent++
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      await db.updateTable('collection_emails').set({ last_error: reason.slice(0, 500), ...(attempts >= MAX_ATTEMPTS ? { status: 'failed' } : {}) }).where('id', '=', message.id).execute()
      failed++
    }
  }
  return { sent, failed }
}
