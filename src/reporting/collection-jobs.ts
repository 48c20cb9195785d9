/**
 * The collections' scheduled duties: open each quarter's collections (daily, so a quarter start, a newly designated
 * service or a missed run are all caught; making collections is idempotent), and remind HISP leads of open
 * collections 14, 7 and 1 days before the deadline, each reminder once per collection (claimed by its row in
 * `collection_reminders`, in the same transaction as its email).
 */
import type { Kysely } from 'kysely'
import { fiscalQuarterOf, formatFiscalQuarter } from '../a11/fiscal-year.ts'
import { systemActor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../db/values.ts'
import { hispLeadEmails, queueCollectionEmail } from './collection-mail.ts'
import { addDays, dateIn, daysBetween, FISCAL_TIME_ZONE, OPEN_STATES, previousQuarter, REMINDER_DAYS, reminderDue } from './collection-model.ts'
import { ensureCollections, type EnsureResult, type ReportingContext } from './collections.ts'

/** Makes the current and the previous quarter's missing collections (the previous one catches late designations). */
export async function openQuarterCollections(db: Kysely<Database>, context: Pick<ReportingContext, 'deadlineDays'> & { now: Date }): Promise<EnsureResult[]> {
  const actor = systemActor('collections')
  const current = fiscalQuarterOf(context.now, FISCAL_TIME_ZONE)
  const results: EnsureResult[] = []
  for (const quarter of [previousQuarter(current), current]) {
    results.push(await ensureCollections(db, actor, { fiscalYear: quarter.fiscalYear, quarter: quarter.quarter }, context, context.now))
  }
  return results
}

export interface ReminderRun {
  readonly reminders: number
  readonly emails: number
}

/**
 * Sends the deadline reminders due today (in the fiscal time zone) for open collections.
 * @example await sendCollectionReminders(db, { now: new Date(), publicUrl })
 */
export async function sendCollectionReminders(db: Kysely<Database>, context: Pick<ReportingContext, 'publicUrl'> & { now: Date }): Promise<ReminderRun> {
  const today = dateIn(context.now)
  const horizon = addDays(today, Math.max(...REMINDER_DAYS))
  const open = await db.selectFrom('collections as c')
    .innerJoin('services as sv', 'sv.id', 'c.service_id').innerJoin('organizations as o', 'o.id', 'sv.organization_id').innerJoin('hisps as h', 'h.id', 'c.hisp_id')
    .select(['c.id', 'c.fiscal_year', 'c.quarter', 'c.state', 'c.due_on', 'sv.name as service_name', 'sv.owner_user_id', 'o.path as organization_path', 'h.name as hisp_name', 'h.organization_id as hisp_organization_id'])
    .where('c.state', 'in', [...OPEN_STATES]).where('c.due_on', '>=', today).where('c.due_on', '<=', horizon)
    .orderBy('c.due_on').orderBy('c.id').execute()
  if (open.length === 0) return { reminders: 0, emails: 0 }
  const sentRows = await db.selectFrom('collection_reminders').select(['collection_id', 'days_before']).where('collection_id', 'in', open.map((c) => c.id)).execute()
  let reminders = 0
  let emails = 0
  for (const c of open) {
    const daysLeft = daysBetween(today, c.due_on)
    const due = reminderDue(daysLeft, new Set(sentRows.filter((s) => s.collection_id === c.id).map((s) => s.days_before)))
    if (due === null) continue
    const queued = await db.transaction().execute(async (trx) => {
      const claim = await trx.insertInto('collection_reminders').values({ collection_id: c.id, days_before: due, sent_at: nowIso() })
        .onConflict((oc) => oc.columns(['collection_id', 'days_before']).doNothing()).returning('collection_id').execute()
      if (claim.length !== 1) return null
      const to = await hispLeadEmails(trx, { servicePath: c.organization_path, hispOrganizationId: c.hisp_organization_id, serviceOwnerId: c.owner_user_id }, false)
      const label = `${formatFiscalQuarter({ fiscalYear: c.fiscal_year, quarter: c.quarter as 1 | 2 | 3 | 4 })} collection for “${c.service_name}” (${c.hisp_name})`
      const when = daysLeft === 0 ? 'today' : daysLeft === 1 ? 'tomorrow' : `in ${daysLeft} days`
      return queueCollectionEmail(trx, {
        collectionId: c.id, kind: 'reminder', to,
        subject: `Due ${when} (${c.due_on}): ${label}`,
        body: `The ${label} is due ${when}, on ${c.due_on}, and has not been submitted to OMB.\n\nCheck its details and volumes and submit it: ${context.publicUrl}/collections/${c.id}\n`,
      })
    })
    if (queued === null) continue
    reminders++
    emails += queued
  }
  return { reminders, emails }
}
