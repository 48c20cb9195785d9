/**
 * In-process scheduled jobs (croner), started by `cx280 serve` unless CX280_JOBS=off. Each job is a function of `now`
 * (tests call it directly with any time), never overlaps itself (`protect`), and logs its errors instead of throwing.
 * Times are UTC. Several app nodes sharing a database may all run the jobs: each job claims its work with guarded
 * updates, so nothing is delivered or sent twice; an operator may still turn jobs off on all nodes but one.
 */
import { Cron } from 'croner'
import type { Runtime } from '../runtime.ts'
import { sendDailyDigests, sendInstantNotifications } from '../notify/survey-notifications.ts'
import { deliverDueWebhooks } from '../notify/webhook-delivery.ts'
import { runClearanceDuties } from '../surveys/clearance-jobs.ts'
import { purgeTrash } from '../surveys/retention.ts'
import { refreshStatistics } from '../db/connect.ts'
import { purgeOldSalts } from '../analytics/salts.ts'
import { deliverCollectionEmails, openQuarterCollections, sendCollectionReminders } from '../reporting/index.ts'
import { applyEventRetention, refreshRecentRollups } from '../analytics/rollup-job.ts'
import { evaluateDueMonitors } from '../analytics/monitor-evaluation.ts'
import { prepareJourneyFunnels } from '../analytics/journeys.ts'

export interface JobLogger {
  debug(data: object, message: string): void
  info(data: object, message: string): void
  error(data: object, message: string): void
}

export interface ScheduledJob {
  readonly name: string
  /** Croner pattern with seconds, in UTC. */
  readonly pattern: string
  /** Also run once as soon as the scheduler starts. */
  readonly atStart?: boolean
  run(now: Date): Promise<unknown>
}

export interface Scheduler {
  readonly jobs: readonly { readonly name: string; readonly pattern: string; nextRun(): Date | null }[]
  /** Stops every schedule and waits for runs in progress to finish. */
  stop(): Promise<void>
}

/** The product's schedule. */
export function scheduledJobs(runtime: Pick<Runtime, 'db' | 'mailer' | 'config' | 'events'>): ScheduledJob[] {
  const { db, mailer, events } = runtime
  const context = (now: Date) => ({ now, publicUrl: runtime.config.publicUrl, mailer })
  return [
    { name: 'webhook-delivery', pattern: '*/15 * * * * *', run: (now) => deliverDueWebhooks(db, { now }) },
    { name: 'instant-notifications', pattern: '0 * * * * *', run: (now) => sendInstantNotifications(db, context(now)) },
    { name: 'daily-digest', pattern: '0 0 13 * * *', run: (now) => sendDailyDigests(db, context(now)) },
    { name: 'pra-clearance', pattern: '0 0 12 * * *', run: (now) => runClearanceDuties(db, context(now)) },
    { name: 'trash-purge', pattern: '0 30 3 * * *', run: (now) => purgeTrash(db, now) },
    { name: 'planner-statistics', pattern: '0 45 3 * * *', run: () => refreshStatistics(db) },
    { name: 'visitor-salts', pattern: '0 5 0 * * *', run: (now) => purgeOldSalts(db, 2, now) },
    // Daily, so a quarter's first day (midnight Eastern is 04:00–05:00 UTC), a late designation or a missed run are caught.
    { name: 'collections-open', pattern: '0 10 5 * * *', run: (now) => openQuarterCollections(db, { now, deadlineDays: runtime.config.collectionDeadlineDays }) },
    { name: 'collection-reminders', pattern: '0 30 13 * * *', run: (now) => sendCollectionReminders(db, { now, publicUrl: runtime.config.publicUrl }) },
    { name: 'collection-mail', pattern: '45 * * * * *', run: (now) => deliverCollectionEmails(db, { now, mailer }) },
    { name: 'analytics-rollups', pattern: '30 * * * * *', run: (now) => refreshRecentRollups(events, now) },
    { name: 'event-retention', pattern: '0 15 4 * * *', run: (now) => applyEventRetention(events, runtime.config.eventsRetentionDays, now) },
    { name: 'monitors', pattern: '0 */5 * * * *', run: (now) => evaluateDueMonitors(runtime, context(now)) },
    { name: 'journey-funnels', pattern: '20 */10 * * * *', atStart: true, run: (now) => prepareJourneyFunnels(runtime, now) },
  ]
}

/** Runs one job now, logging the outcome; never throws. */
export async function runJob(job: ScheduledJob, now: Date, log: JobLogger): Promise<void> {
  const started = performance.now()
  try {
    const result = await job.run(now)
    log.debug({ job: job.name, result, ms: Math.round(performance.now() - started) }, 'job finished')
  } catch (error) {
    log.error({ job: job.name, err: error }, 'job failed')
  }
}

export function startScheduler(jobs: readonly ScheduledJob[], log: JobLogger): Scheduler {
  const running = new Set<Promise<void>>()
  const crons = jobs.map((job) => new Cron(job.pattern, {
    timezone: 'UTC', unref: true, protect: (blocked) => log.info({ job: job.name, since: blocked.currentRun() }, 'job still running; skipped this run'),
  }, async () => {
    const run = runJob(job, new Date(), log)
    running.add(run)
    try {
      await run
    } finally {
      running.delete(run)
    }
  }))
  jobs.forEach((job, i) => {
    if (job.atStart) void crons[i]?.trigger()
  })
  return {
    jobs: jobs.map((job, i) => ({ name: job.name, pattern: job.pattern, nextRun: () => crons[i]?.nextRun() ?? null })),
    async stop() {
      for (const cron of crons) cron.stop()
      await Promise.all([...running])
    },
  }
}
