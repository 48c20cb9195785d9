/**
 * Journeys (A-11 §280.5): a service's customer journey measured on its organization's sites, as versions of ordered
 * steps that are active, deprecated or replaced. Also links survey responses to the analytics visitor who answered
 * (a daily-salted hash, nothing personal) so trust can be read by journey step.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('journeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // The latest version (the only one that may be active or deprecated; earlier ones are all replaced).
    .addColumn('current_version_id', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('journeys_service').on('journeys').columns(['service_id', 'name']).execute()

  await db.schema.createTable('journey_sites')
    .addColumn('journey_id', 'text', (c) => c.notNull().references('journeys.id').onDelete('cascade'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addPrimaryKeyConstraint('journey_sites_pk', ['journey_id', 'site_id'])
    .execute()
  await db.schema.createIndex('journey_sites_site').on('journey_sites').columns(['site_id']).execute()

  await db.schema.createTable('journey_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('journey_id', 'text', (c) => c.notNull().references('journeys.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('window_seconds', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('replaced_by_version_id', 'text')
    .addColumn('replaced_by_journey_id', 'text', (c) => c.references('journeys.id'))
    .addColumn('note', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .addUniqueConstraint('journey_versions_number', ['journey_id', 'version'])
    .execute()
  // At most one active version per journey, held by the database as well as by journeys.ts.
  await db.schema.createIndex('journey_versions_one_active').unique().on('journey_versions').column('journey_id')
    .where(sql.ref('state'), '=', sql.lit('active')).execute()

  await db.schema.alterTable('responses').addColumn('visitor_id', 'text').execute()
  await db.schema.alterTable('responses').addColumn('site_id', 'text', (c) => c.references('sites.id')).execute()
  await db.schema.createIndex('responses_site_time').on('responses').columns(['site_id', 'submitted_at']).execute()
}
