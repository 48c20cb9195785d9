/**
 * Frozen figures of a submitted collection: each detail keeps the score tally (counts behind trust, Likert, drivers,
 * offers) it was submitted with, as JSON. Views of submitted and published collections read it instead of
 * recomputing from responses, so published figures stay what OMB received even if responses change later.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('collection_details').addColumn('tally', 'text').execute()
}
