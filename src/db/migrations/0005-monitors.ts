/**
 * Monitors and regression alerts (A-11 §280.5): a rule watched over a site's or a journey's metric, its evaluation
 * state (one row per monitor, claimed by the evaluation job with guarded updates), and the alerts it opened.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('monitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('site_id', 'text', (c) => c.references('sites.id'))
    .addColumn('journey_id', 'text', (c) => c.references('journeys.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('action_name', 'text')
    .addColumn('rule', 'text', (c) => c.notNull())
    // JSON: the rule's parameters (see src/analytics/alert-rules.ts).
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('interval_minutes', 'integer', (c) => c.notNull())
    .addColumn('consecutive', 'integer', (c) => c.notNull())
    .addColumn('cooldown_minutes', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    // JSON array of email addresses.
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('send_webhook', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('monitors_organization').on('monitors').columns(['organization_id', 'name']).execute()
  await db.schema.createIndex('monitors_site').on('monitors').columns(['site_id']).execute()
  await db.schema.createIndex('monitors_journey').on('monitors').columns(['journey_id']).execute()

  await db.schema.createTable('monitor_states')
    .addColumn('monitor_id', 'text', (c) => c.primaryKey().references('monitors.id').onDelete('cascade'))
    // The job evaluates monitors whose next_evaluation_at has passed, claiming each by moving it forward.
    .addColumn('next_evaluation_at', 'text', (c) => c.notNull())
    .addColumn('streak', 'integer', (c) => c.notNull())
    .addColumn('open_alert_id', 'text')
    .addColumn('cooldown_until', 'text')
    .addColumn('last_evaluated_at', 'text')
    // Start of the last judged bucket: a bucket is judged once, however often the monitor runs.
    .addColumn('last_bucket', 'text')
    // breach | ok | insufficient | suppressed | error
    .addColumn('last_outcome', 'text')
    .addColumn('last_value', 'double precision')
    .addColumn('last_expected', 'double precision')
    .addColumn('last_message', 'text')
    .execute()
  await db.schema.createIndex('monitor_states_due').on('monitor_states').columns(['next_evaluation_at']).execute()

  await db.schema.createTable('monitor_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('monitor_id', 'text', (c) => c.notNull().references('monitors.id').onDelete('cascade'))
    // Start of the bucket that opened the alert.
    .addColumn('bucket', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('expected', 'double precision')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_value', 'double precision')
    .addColumn('resolve_message', 'text')
    // Email claims: null while the notification is due; set (then sent) by one job run.
    .addColumn('open_notified_at', 'text')
    .addColumn('resolve_notified_at', 'text')
    .execute()
  await db.schema.createIndex('monitor_alerts_monitor').on('monitor_alerts').columns(['monitor_id', 'opened_at']).execute()
  await db.schema.createIndex('monitor_alerts_opened').on('monitor_alerts').columns(['opened_at']).execute()
}
