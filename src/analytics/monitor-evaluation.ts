/**
 * Evaluating monitors: the job (every five minutes) judges each due monitor's latest complete bucket, moves its state
 * (breach streak, open alert, cool-down), opens or resolves alerts, queues the signed webhook in the same transaction
 * (outbox) and then emails the recipients.
 *
 * - Buckets: site metrics are UTC hours, a journey's completion rate is a UTC day. A bucket is judged once it ended
 *   SETTLE_MS ago (late beacons and the write buffer get time to land) and only once, however often the monitor runs.
 * - Series: page views, events and all key actions come from the hourly rollups; the job refreshes the rollups of
 *   the judged hour itself before reading (the rollup job refreshes every minute, but a stale rollup would look like a
 *   drop). Older hours are read as the rollup job left them. One named key action is counted from raw events as the
 *   visitors who performed it (one query per hour read); a journey's completion rate is one funnel per day read.
 * - Several nodes may run the job: each monitor is claimed by moving its `next_evaluation_at` with a guarded update,
 *   and each email is claimed the same way on the alert row (put back when sending fails, retried for a day).
 */
import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import type { Database } from '../db/schema.ts'
import { newId } from '../db/values.ts'
import { Conflict } from '../errors.ts'
import type { TimeRange } from '../events/event-store.ts'
import type { Mailer } from '../notify/mailer.ts'
import { enqueueWebhookEvent } from '../notify/webhook-outbox.ts'
import type { Runtime } from '../runtime.ts'
import { bucketsNeeded, evaluateRule, formatNumber, nextState, type Bucket, type Transition, type Verdict } from './alert-rules.ts'
import { journeyCompletion } from './journeys.ts'
import type { MonitorMetric } from './monitor-schema.ts'
import { baseMonitors, loadManagedMonitor, METRIC_LABELS, toMonitorView, type MonitorView } from './monitors.ts'

export const SETTLE_MS = 2 * 60_000
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
/** An evaluation that failed (event store down) is tried again this soon rather than at the next interval. */
const ERROR_RETRY_MS = 5 * 60_000
/** Monitors judged per job run at most; the rest wait for the next run. */
const MAX_PER_RUN = 500
/** Unsent alert emails are retried for this long, then given up. */
const NOTIFY_FOR_MS = DAY_MS
const RAW_QUERY_CONCURRENCY = 8

/** What evaluation reads: the two stores. */
export type MonitorRuntime = Pick<Runtime, 'db' | 'events'>

/** `journeyCompletion` reads only the two stores, though it is typed for the whole runtime. */
const completionRate = (runtime: MonitorRuntime, journeyId: string, range: TimeRange) => journeyCompletion(runtime, journeyId, range)

export interface MonitorJobContext {
  readonly now: Date
  readonly publicUrl: string
  readonly mailer: Pick<Mailer, 'send'>
}

export interface MonitorRun {
  readonly evaluated: number
  readonly opened: number
  readonly resolved: number
  readonly errors: number
  readonly emails: number
  readonly emailFailures: number
}

export interface EvaluationResult {
  readonly monitorId: string
  /** The judged bucket. */
  readonly bucket: TimeRange
  readonly verdict: Verdict
  readonly transition: Transition
  /** The bucket had already been judged: nothing changed (state, alerts). */
  readonly alreadyJudged: boolean
  readonly message: string
}

export const bucketSizeMs = (metric: MonitorMetric): number => (metric === 'journey_completion' ? DAY_MS : HOUR_MS)

/** The latest bucket that ended at least SETTLE_MS before `now`. */
export function judgedBucket(metric: MonitorMetric, now: Date): TimeRange {
  const size = bucketSizeMs(metric)
  const end = Math.floor((now.getTime() - SETTLE_MS) / size) * size
  return { from: new Date(end - size), to: new Date(end) }
}

/** The next evaluation on the monitor's interval grid (UTC-aligned), just after that slot's buckets settle. */
export function nextEvaluationAt(intervalMinutes: number, now: Date): Date {
  const interval = intervalMinutes * 60_000
  return new Date((Math.floor((now.getTime() - SETTLE_MS) / interval) + 1) * interval + SETTLE_MS)
}

async function mapLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await run(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

type Watched = Pick<MonitorView, 'target' | 'metric' | 'actionName'>

/** The metric's buckets over the range (which is a whole number of buckets), oldest first. */
export async function metricBuckets(runtime: MonitorRuntime, monitor: Watched, range: TimeRange): Promise<Bucket[]> {
  const size = bucketSizeMs(monitor.metric)
  const starts = Array.from({ length: Math.round((range.to.getTime() - range.from.getTime()) / size) }, (_, i) => new Date(range.from.getTime() + i * size))
  if (monitor.metric === 'journey_completion') {
    return mapLimit(starts, RAW_QUERY_CONCURRENCY, async (from) => {
      const result = await completionRate(runtime, monitor.target.id, { from, to: new Date(from.getTime() + size) })
      return { value: result.rate === null ? null : result.rate * 100, volume: result.began }
    })
  }
  const siteIds = [monitor.target.id]
  if (monitor.metric === 'actions' && monitor.actionName !== null) {
    const name = monitor.actionName
    // The store counts a named action per visitor (a one-step funnel): a double submit does not look like traffic.
    return mapLimit(starts, RAW_QUERY_CONCURRENCY, async (from) => {
      const { began } = await runtime.events.funnel({ siteIds, range: { from, to: new Date(from.getTime() + size) }, steps: [{ kind: 'action', name }], windowSeconds: size / 1000 })
      return { value: began, volume: began }
    })
  }
  const points = await runtime.events.series({ siteIds, range }, 'hour')
  const byStart = new Map(points.map((p) => [p.bucket.getTime(), p]))
  return starts.map((from) => {
    const point = byStart.get(from.getTime())
    const value = point ? (monitor.metric === 'pageviews' ? point.pageviews : monitor.metric === 'actions' ? point.actions : point.events) : 0
    return { value, volume: value }
  })
}

const usesRollups = (monitor: Pick<MonitorView, 'metric' | 'actionName'>): boolean =>
  monitor.metric !== 'journey_completion' && !(monitor.metric === 'actions' && monitor.actionName !== null)

const utc = (date: Date): string => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`

export function describeBucket(metric: MonitorMetric, bucket: TimeRange): string {
  return metric === 'journey_completion' ? `on ${bucket.from.toISOString().slice(0, 10)} (UTC)` : `${utc(bucket.from)}–${bucket.to.toISOString().slice(11, 16)}`
}

function metricName(monitor: Pick<MonitorView, 'metric' | 'actionName'>): string {
  const base = METRIC_LABELS[monitor.metric].replace(/ per (hour|day)( \(%\))?$/, '')
  return monitor.actionName ? `${base} “${monitor.actionName}”` : base
}

const composeMessage = (monitor: MonitorView, bucket: TimeRange, verdict: Verdict): string =>
  `${metricName(monitor)} on ${monitor.target.name}, ${describeBucket(monitor.metric, bucket)}: ${verdict.reason}`

function webhookData(monitor: MonitorView, alert: { id: string; bucket: string; openedAt: string; resolvedAt?: string }, verdict: Verdict, message: string, publicUrl: string) {
  return {
    monitorId: monitor.id, alertId: alert.id, name: monitor.name, organizationId: monitor.organizationId,
    siteId: monitor.target.kind === 'site' ? monitor.target.id : null, journeyId: monitor.target.kind === 'journey' ? monitor.target.id : null,
    metric: monitor.metric, actionName: monitor.actionName, rule: monitor.rule.kind, bucket: alert.bucket,
    value: verdict.value, expected: verdict.expected, message, openedAt: alert.openedAt, ...(alert.resolvedAt ? { resolvedAt: alert.resolvedAt } : {}),
    url: `${publicUrl}/monitors/${monitor.id}`,
  }
}

/**
 * Judges the monitor's latest complete bucket and applies the verdict. A bucket already judged changes nothing (the
 * verdict is still computed and returned, so "evaluate now" always answers).
 */
export async function evaluateMonitor(runtime: MonitorRuntime, monitor: MonitorView, now: Date, publicUrl: string): Promise<EvaluationResult> {
  const { db } = runtime
  const bucket = judgedBucket(monitor.metric, now)
  const size = bucketSizeMs(monitor.metric)
  const range = { from: new Date(bucket.to.getTime() - bucketsNeeded(monitor.rule) * size), to: bucket.to }
  const verdict = evaluateRule(monitor.rule, await metricBuckets(runtime, monitor, range))
  const message = composeMessage(monitor, bucket, verdict)
  const bucketIso = bucket.from.toISOString()
  return db.transaction().execute(async (trx) => {
    const state = await trx.selectFrom('monitor_states').selectAll().where('monitor_id', '=', monitor.id).executeTakeFirstOrThrow()
    const result = { monitorId: monitor.id, bucket, verdict, message }
    if (state.last_bucket === bucketIso) return { ...result, transition: 'none' as const, alreadyJudged: true }
    const policy = { consecutive: monitor.consecutive, cooldownMs: monitor.cooldownMinutes * 60_000 }
    const step = nextState({ streak: Number(state.streak), alertOpen: state.open_alert_id !== null, cooldownUntil: state.cooldown_until ? new Date(state.cooldown_until) : null }, verdict, policy, now)
    const nowIso = now.toISOString()
    const silent = monitor.recipients.length === 0 ? nowIso : null
    let openAlertId = state.open_alert_id
    if (step.transition === 'open') {
      openAlertId = newId()
      await trx.insertInto('monitor_alerts').values({
        id: openAlertId, monitor_id: monitor.id, bucket: bucketIso, opened_at: nowIso, value: verdict.value, expected: verdict.expected, message,
        resolved_at: null, resolved_value: null, resolve_message: null, open_notified_at: silent, resolve_notified_at: null,
      }).execute()
      if (monitor.sendWebhook) {
        await enqueueWebhookEvent(trx, monitor.organizationPath, 'monitor.alert_opened', webhookData(monitor, { id: openAlertId, bucket: bucketIso, openedAt: nowIso }, verdict, message, publicUrl))
      }
    } else if (step.transition === 'resolve' && state.open_alert_id) {
      const alert = await trx.selectFrom('monitor_alerts').select(['id', 'bucket', 'opened_at']).where('id', '=', state.open_alert_id).executeTakeFirstOrThrow()
      await trx.updateTable('monitor_alerts').set({ resolved_at: nowIso, resolved_value: verdict.value, resolve_message: message, resolve_notified_at: silent })
        .where('id', '=', alert.id).execute()
      openAlertId = null
      if (monitor.sendWebhook) {
        await enqueueWebhookEvent(trx, monitor.organizationPath, 'monitor.alert_resolved', webhookData(monitor, { id: alert.id, bucket: alert.bucket, openedAt: alert.opened_at, resolvedAt: nowIso }, verdict, message, publicUrl))
      }
    }
    await trx.updateTable('monitor_states').set({
      streak: step.state.streak, open_alert_id: openAlertId, cooldown_until: step.state.cooldownUntil?.toISOString() ?? null,
      last_evaluated_at: nowIso, last_bucket: bucketIso, last_outcome: step.transition === 'suppressed' ? 'suppressed' : verdict.status,
      last_value: verdict.value, last_expected: verdict.expected, last_message: step.transition === 'suppressed' ? `${message} (cool-down: no new alert before ${utc(step.state.cooldownUntil as Date)})` : message,
    }).where('monitor_id', '=', monitor.id).execute()
    return { ...result, transition: step.transition, alreadyJudged: false }
  })
}

async function recordFailure(db: Kysely<Database>, monitorId: string, now: Date, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error)
  await db.updateTable('monitor_states').set({
    last_evaluated_at: now.toISOString(), last_outcome: 'error', last_message: `The evaluation failed: ${reason.slice(0, 500)}`,
    next_evaluation_at: new Date(now.getTime() + ERROR_RETRY_MS).toISOString(),
  }).where('monitor_id', '=', monitorId).execute()
}

/**
 * The job: judges every enabled monitor whose time has come, then sends the alert emails that are due.
 * @example await evaluateDueMonitors(runtime, { now: new Date(), publicUrl, mailer })
 */
export async function evaluateDueMonitors(runtime: MonitorRuntime, context: MonitorJobContext): Promise<MonitorRun> {
  const { db } = runtime
  const now = context.now
  const due = await baseMonitors(db).where('m.enabled', '=', 1).where('st.next_evaluation_at', '<=', now.toISOString())
    .where((eb) => eb.or([eb('m.site_id', 'is', null), eb.exists(eb.selectFrom('sites').select('sites.id').whereRef('sites.id', '=', 'm.site_id').where('sites.state', '=', 'active'))]))
    .orderBy('st.next_evaluation_at').orderBy('m.id').limit(MAX_PER_RUN).execute()
  let evaluated = 0
  let opened = 0
  let resolved = 0
  let errors = 0
  let refreshed = false
  for (const row of due) {
    const monitor = toMonitorView(row)
    const settled = monitor.state.lastBucket === judgedBucket(monitor.metric, now).from.toISOString()
    const claim = await db.updateTable('monitor_states').set({ next_evaluation_at: nextEvaluationAt(monitor.intervalMinutes, now).toISOString() })
      .where('monitor_id', '=', monitor.id).where('next_evaluation_at', '=', row.next_evaluation_at).executeTakeFirst()
    if (Number(claim.numUpdatedRows) !== 1 || settled) continue
    try {
      if (usesRollups(monitor) && !refreshed) {
        await runtime.events.refreshRollups(judgedBucket('pageviews', now))
        refreshed = true
      }
      const result = await evaluateMonitor(runtime, monitor, now, context.publicUrl)
      if (result.alreadyJudged) continue
      evaluated += 1
      if (result.transition === 'open') opened += 1
      if (result.transition === 'resolve') resolved += 1
    } catch (error) {
      errors += 1
      await recordFailure(db, monitor.id, now, error)
    }
  }
  const mail = await sendAlertNotifications(db, context)
  return { evaluated, opened, resolved, errors, emails: mail.emails, emailFailures: mail.failures }
}

/**
 * "Evaluate now" for a manager: judges the latest complete bucket at once (refreshing its rollups first), applies the
 * verdict like the job would, sends any email due and records the evaluation in the audit log.
 */
export async function evaluateMonitorNow(runtime: MonitorRuntime, actor: Actor, id: string, context: MonitorJobContext): Promise<EvaluationResult & { monitor: MonitorView }> {
  const monitor = await loadManagedMonitor(runtime.db, actor, id)
  if (!monitor.enabled) throw new Conflict('This monitor is paused; resume it before evaluating it.')
  if (usesRollups(monitor)) await runtime.events.refreshRollups(judgedBucket(monitor.metric, context.now))
  let result: EvaluationResult
  try {
    result = await evaluateMonitor(runtime, monitor, context.now, context.publicUrl)
  } catch (error) {
    await recordFailure(runtime.db, monitor.id, context.now, error)
    throw error
  }
  await recordAudit(runtime.db, actor, {
    action: 'monitor.evaluate', entityType: 'monitor', entityId: monitor.id, organizationId: monitor.organizationId,
    after: { bucket: result.bucket.from.toISOString(), status: result.verdict.status, transition: result.transition, alreadyJudged: result.alreadyJudged, value: result.verdict.value, expected: result.verdict.expected },
  })
  await sendAlertNotifications(runtime.db, context, monitor.id)
  const fresh = toMonitorView(await baseMonitors(runtime.db).where('m.id', '=', monitor.id).executeTakeFirstOrThrow())
  return { ...result, monitor: fresh }
}

interface PendingAlert {
  id: string
  monitor_id: string
  opened_at: string
  resolved_at: string | null
  message: string
  resolve_message: string | null
  open_notified_at: string | null
  resolve_notified_at: string | null
}

/** Moves an alert's email mark from `from` to `to` only if nobody moved it first; true when this run owns the email. */
async function moveMark(db: Kysely<Database>, alertId: string, column: 'open_notified_at' | 'resolve_notified_at', from: string | null, to: string | null): Promise<boolean> {
  let query = db.updateTable('monitor_alerts').set({ [column]: to }).where('id', '=', alertId)
  query = from === null ? query.where(column, 'is', null) : query.where(column, '=', from)
  return Number((await query.executeTakeFirst()).numUpdatedRows) === 1
}

function alertEmail(monitor: MonitorView, alert: PendingAlert, kind: 'opened' | 'resolved', publicUrl: string): { subject: string; text: string } {
  const link = `${publicUrl}/monitors/${monitor.id}`
  const lines = kind === 'opened'
    ? [`The monitor “${monitor.name}” opened an alert at ${utc(new Date(alert.opened_at))}.`, '', alert.message]
    : [`The alert of the monitor “${monitor.name}” opened at ${utc(new Date(alert.opened_at))} was resolved at ${utc(new Date(alert.resolved_at as string))}.`, '', alert.resolve_message ?? '']
  return {
    subject: `${kind === 'opened' ? 'Alert' : 'Resolved'}: ${monitor.name} (${monitor.target.name})`,
    text: [...lines, '', `Monitor and alert history: ${link}`, `You receive this email because you are a recipient of this monitor; its managers can change the list at ${link}/edit`].join('\n'),
  }
}

/**
 * Emails the recipients of every alert that opened or resolved without its email yet: one message, addressed to all
 * of the monitor's recipients, per alert and kind. A failed send is retried at the next run, for a day.
 */
export async function sendAlertNotifications(db: Kysely<Database>, context: MonitorJobContext, monitorId?: string): Promise<{ emails: number; failures: number }> {
  const since = new Date(context.now.getTime() - NOTIFY_FOR_MS).toISOString()
  let query = db.selectFrom('monitor_alerts')
    .select(['id', 'monitor_id', 'opened_at', 'resolved_at', 'message', 'resolve_message', 'open_notified_at', 'resolve_notified_at'])
    .where((eb) => eb.or([
      eb.and([eb('open_notified_at', 'is', null), eb('opened_at', '>=', since)]),
      eb.and([eb('resolve_notified_at', 'is', null), eb('resolved_at', 'is not', null), eb('resolved_at', '>=', since)]),
    ]))
  if (monitorId) query = query.where('monitor_id', '=', monitorId)
  const pending: PendingAlert[] = await query.orderBy('opened_at').orderBy('id').limit(200).execute()
  let emails = 0
  let failures = 0
  const monitors = new Map<string, MonitorView>()
  for (const alert of pending) {
    if (!monitors.has(alert.monitor_id)) {
      const row = await baseMonitors(db).where('m.id', '=', alert.monitor_id).executeTakeFirst()
      if (row) monitors.set(alert.monitor_id, toMonitorView(row))
    }
    const monitor = monitors.get(alert.monitor_id)
    if (!monitor) continue
    const kinds: ('opened' | 'resolved')[] = []
    if (alert.open_notified_at === null) kinds.push('opened')
    if (alert.resolved_at !== null && alert.resolve_notified_at === null) kinds.push('resolved')
    for (const kind of kinds) {
      const column = kind === 'opened' ? 'open_notified_at' : 'resolve_notified_at'
      const mark = context.now.toISOString()
      if (!(await moveMark(db, alert.id, column, null, mark))) continue
      if (monitor.recipients.length === 0) continue
      try {
        await context.mailer.send({ to: monitor.recipients.join(', '), ...alertEmail(monitor, alert, kind, context.publicUrl) })
        emails += 1
      } catch {
        failures += 1
        await moveMark(db, alert.id, column, mark, null)
      }
    }
  }
  return { emails, failures }
}

/** Numbers as the pages and emails print them. */
export const formatMetricValue = (metric: MonitorMetric, value: number | null): string =>
  value === null ? '—' : metric === 'journey_completion' ? `${formatNumber(value)}%` : formatNumber(value)
