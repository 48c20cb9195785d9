/**
 * Paperwork Reduction Act duties (reference §5), run daily: a published survey whose OMB clearance has expired is
 * closed (it already refuses responses at intake; closing makes the state say so), and the service owner and the
 * survey's creator are emailed 7 days before expiry, once per expiration date (`surveys.pra_warned_for`).
 */
import type { Kysely } from 'kysely'
import { PRA_WARNING_DAYS } from '../a11/pra.ts'
import { systemActor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import type { JobContext } from '../notify/survey-notifications.ts'
import { closeSurveyAsSystem } from './surveys.ts'

export interface ClearanceRun {
  readonly closed: number
  readonly warned: number
  readonly emails: number
}

interface ExpiringSurvey {
  id: string
  name: string
  omb_control_number: string | null
  pra_expires_on: string | null
  pra_warned_for: string | null
  created_by: string | null
  owner_user_id: string | null
  service_name: string
}

const addDays = (isoDate: string, days: number) => new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

function publishedWithClearance(db: Kysely<Database>) {
  return db.selectFrom('surveys as s').innerJoin('services as svc', 'svc.id', 's.service_id')
    .select(['s.id', 's.name', 's.omb_control_number', 's.pra_expires_on', 's.pra_warned_for', 's.created_by', 'svc.owner_user_id', 'svc.name as service_name'])
    .where('s.state', '=', 'published').where('s.pra_expires_on', 'is not', null)
}

/** The service owner and the survey's creator, once each, if their accounts are active. */
async function recipientsOf(db: Kysely<Database>, survey: ExpiringSurvey): Promise<string[]> {
  const ids = [...new Set([survey.owner_user_id, survey.created_by].filter((id): id is string => id !== null))]
  if (ids.length === 0) return []
  const users = await db.selectFrom('users').select('email').where('id', 'in', ids).where('active', '=', 1).orderBy('email').execute()
  return users.map((u) => u.email)
}

async function sendAll(context: JobContext, to: readonly string[], subject: string, text: string): Promise<number> {
  for (const address of to) await context.mailer.send({ to: address, subject, text })
  return to.length
}

/**
 * Closes expired surveys and sends the 7-day warnings.
 * @example await runClearanceDuties(db, { now: new Date(), publicUrl, mailer })
 */
export async function runClearanceDuties(db: Kysely<Database>, context: JobContext): Promise<ClearanceRun> {
  const today = context.now.toISOString().slice(0, 10)
  let closed = 0
  let warned = 0
  let emails = 0
  const expired = await publishedWithClearance(db).where('s.pra_expires_on', '<', today).execute()
  for (const survey of expired) {
    await closeSurveyAsSystem(db, systemActor('pra-expiry'), survey.id, `PRA clearance expired on ${survey.pra_expires_on}`)
    closed += 1
    emails += await sendAll(context, await recipientsOf(db, survey), `Survey closed: PRA clearance expired for “${survey.name}”`, [
      `The PRA clearance (OMB control number ${survey.omb_control_number ?? 'not recorded'}) of “${survey.name}” (${survey.service_name}) expired on ${survey.pra_expires_on}.`,
      'cx280 closed the survey; it no longer accepts responses.',
      `Once the clearance is renewed, record the new expiration date and reopen the survey: ${context.publicUrl}/surveys/${survey.id}`,
    ].join('\n'))
  }
  const expiring = await publishedWithClearance(db).where('s.pra_expires_on', '>=', today).where('s.pra_expires_on', '<=', addDays(today, PRA_WARNING_DAYS)).execute()
  for (const survey of expiring) {
    const expiresOn = survey.pra_expires_on as string
    if (survey.pra_warned_for === expiresOn) continue
    // Claim the warning first so a second run (or node) cannot send it again; give it back if sending fails.
    let claim = db.updateTable('surveys').set({ pra_warned_for: expiresOn }).where('id', '=', survey.id)
    claim = survey.pra_warned_for === null ? claim.where('pra_warned_for', 'is', null) : claim.where('pra_warned_for', '=', survey.pra_warned_for)
    if (Number((await claim.executeTakeFirst()).numUpdatedRows) !== 1) continue
    try {
      emails += await sendAll(context, await recipientsOf(db, survey), `PRA clearance expires on ${expiresOn}: “${survey.name}”`, [
        `The PRA clearance (OMB control number ${survey.omb_control_number ?? 'not recorded'}) of “${survey.name}” (${survey.service_name}) expires on ${expiresOn}.`,
        `From ${addDays(expiresOn, 1)} the survey stops accepting responses and cx280 closes it.`,
        `If the clearance has been renewed, record the new expiration date: ${context.publicUrl}/surveys/${survey.id}/settings`,
      ].join('\n'))
      warned += 1
    } catch (error) {
      await db.updateTable('surveys').set({ pra_warned_for: survey.pra_warned_for }).where('id', '=', survey.id).where('pra_warned_for', '=', expiresOn).execute()
      throw error
    }
  }
  return { closed, warned, emails }
}
