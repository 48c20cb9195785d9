/**
 * Monitors (A-11 §280.5, acting on analytics): a rule watched over one site's hourly counts or one journey's daily
 * completion rate, evaluated by the monitor job (monitor-evaluation.ts), which opens and resolves alerts and tells
 * the recipients and, when asked, the organization's webhooks. A monitor belongs to the organization of its site (or
 * of its journey's service): readers of that organization read it; `canManageSites` manages it; another
 * organization's monitor answers 404. Every change is audited in its own transaction.
 */
import type { Kysely, Transaction } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { Actor } from '../auth/actor.ts'
import { canManageSites, canReadOrganization, readablePaths } from '../auth/permissions.ts'
import type { Database, MonitorStateTable, MonitorTable } from '../db/schema.ts'
import { containsText } from '../db/sql-fragments.ts'
import { fromFlag, newId, nowIso, subtreePattern, toFlag } from '../db/values.ts'
import { Forbidden, Invalid, NotFound, type FieldErrors } from '../errors.ts'
import { RULE_DEFAULTS, type AlertRule, type RuleKind } from './alert-rules.ts'
import {
  MONITOR_DEFAULTS, SITE_METRICS, type MonitorCreateInput, type MonitorMetric, type MonitorStatusFilter, type MonitorUpdateInput, type RuleParameters,
} from './monitor-schema.ts'

type Db = Kysely<Database> | Transaction<Database>

export const METRIC_LABELS: Readonly<Record<MonitorMetric, string>> = {
  pageviews: 'Page views per hour',
  events: 'All events per hour',
  actions: 'Key actions per hour',
  journey_completion: 'Journey completion rate per day (%)',
}

export const RULE_LABELS: Readonly<Record<RuleKind, string>> = {
  threshold: 'Threshold: above or below a fixed value',
  seasonal: 'Week over week: a drop against the same hour last week, adjusted for the trend',
  zscore: 'Unusual value: robust z-score against the recent median',
  no_data: 'No data: nothing recorded for some hours (the tracker was removed?)',
}

/** Rules each metric supports: percentages have no volume to compare week over week, and "no data" is about counts. */
export const RULES_FOR_METRIC: Readonly<Record<MonitorMetric, readonly RuleKind[]>> = {
  pageviews: ['threshold', 'seasonal', 'zscore', 'no_data'],
  events: ['threshold', 'seasonal', 'zscore', 'no_data'],
  actions: ['threshold', 'seasonal', 'zscore', 'no_data'],
  journey_completion: ['threshold', 'zscore'],
}

/** Which parameters each rule reads. */
export const RULE_PARAMETERS: Readonly<Record<RuleKind, readonly (keyof RuleParameters)[]>> = {
  threshold: ['direction', 'value', 'minVolume'],
  seasonal: ['dropPercent', 'weeks', 'minExpected'],
  zscore: ['direction', 'k', 'window', 'minVolume'],
  no_data: ['hours'],
}

/** Journey buckets are days: a z-score window of two weeks and at least 20 visitors who began. */
const JOURNEY_ZSCORE_DEFAULTS = { window: 14, minVolume: 20 } as const

export type MonitorStatus = 'alerting' | 'ok' | 'pending' | 'error' | 'disabled'

export interface MonitorTarget {
  readonly kind: 'site' | 'journey'
  readonly id: string
  readonly name: string
}

export interface MonitorStateView {
  readonly status: MonitorStatus
  readonly streak: number
  readonly openAlertId: string | null
  readonly cooldownUntil: string | null
  readonly lastEvaluatedAt: string | null
  /** Start of the last judged bucket. */
  readonly lastBucket: string | null
  readonly lastOutcome: string | null
  readonly lastValue: number | null
  readonly lastExpected: number | null
  readonly lastMessage: string | null
  /** null: at the next job run (within five minutes). */
  readonly nextEvaluationAt: string | null
}

export interface MonitorView {
  readonly id: string
  readonly organizationId: string
  readonly organizationName: string
  readonly organizationPath: string
  readonly target: MonitorTarget
  readonly name: string
  readonly metric: MonitorMetric
  readonly actionName: string | null
  readonly rule: AlertRule
  readonly intervalMinutes: number
  readonly consecutive: number
  readonly cooldownMinutes: number
  readonly enabled: boolean
  readonly recipients: readonly string[]
  readonly sendWebhook: boolean
  readonly state: MonitorStateView
  readonly createdAt: string
  readonly updatedAt: string
}

export interface MonitorListOptions {
  readonly siteId?: string | undefined
  readonly journeyId?: string | undefined
  readonly status?: MonitorStatusFilter | undefined
  readonly q?: string | undefined
  readonly page: number
  readonly pageSize: number
}

/** `next_evaluation_at` of a monitor to judge at the next job run (new, changed or resumed). */
export const DUE_NOW = new Date(0).toISOString()

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/
const fail = (fields: FieldErrors): never => { throw new Invalid('Some fields need attention.', fields) }

/** Checks a rule's parameters for the metric and fills in the defaults; errors name `parameters.<name>`. */
export function checkRule(metric: MonitorMetric, kind: RuleKind, parameters: RuleParameters = {}): AlertRule {
  if (!RULES_FOR_METRIC[metric].includes(kind)) {
    fail({ rule: `is not available for ${METRIC_LABELS[metric].toLowerCase()}; use ${RULES_FOR_METRIC[metric].join(' or ')}` })
  }
  const errors: Record<string, string> = {}
  for (const key of Object.keys(parameters) as (keyof RuleParameters)[]) {
    if (parameters[key] !== undefined && !RULE_PARAMETERS[kind].includes(key)) errors[`parameters.${key}`] = `is not a setting of the ${kind} rule`
  }
  const p = parameters
  let rule: AlertRule
  switch (kind) {
    case 'threshold':
      if (p.value === undefined) errors['parameters.value'] = 'is required for a threshold'
      if (p.direction === 'both') errors['parameters.direction'] = 'must be above or below for a threshold'
      if (metric === 'journey_completion' && p.value !== undefined && p.value > 100) errors['parameters.value'] = 'must be a percentage from 0 to 100'
      rule = { kind, direction: p.direction === 'above' ? 'above' : 'below', value: p.value ?? 0, minVolume: p.minVolume ?? RULE_DEFAULTS.threshold.minVolume }
      break
    case 'seasonal':
      rule = {
        kind, dropPercent: p.dropPercent ?? RULE_DEFAULTS.seasonal.dropPercent, weeks: p.weeks ?? RULE_DEFAULTS.seasonal.weeks,
        minExpected: p.minExpected ?? RULE_DEFAULTS.seasonal.minExpected,
      }
      break
    case 'zscore': {
      const journey = metric === 'journey_completion'
      rule = {
        kind, k: p.k ?? RULE_DEFAULTS.zscore.k, direction: p.direction ?? RULE_DEFAULTS.zscore.direction,
        window: p.window ?? (journey ? JOURNEY_ZSCORE_DEFAULTS.window : RULE_DEFAULTS.zscore.window),
        minVolume: p.minVolume ?? (journey ? JOURNEY_ZSCORE_DEFAULTS.minVolume : RULE_DEFAULTS.zscore.minVolume),
      }
      if (journey && rule.window > 90) errors['parameters.window'] = 'must be at most 90 days for a journey'
      break
    }
    case 'no_data':
      rule = { kind, hours: p.hours ?? RULE_DEFAULTS.no_data.hours }
      break
  }
  if (Object.keys(errors).length > 0) fail(errors)
  return rule
}

/** The stored parameters: the rule without its kind. */
function parametersOf(rule: AlertRule): RuleParameters {
  const { kind: _kind, ...parameters } = rule
  return parameters
}

export function checkRecipients(raw: readonly string[]): string[] {
  const recipients: string[] = []
  for (const entry of raw) {
    const email = entry.trim().toLowerCase()
    if (email === '') continue
    if (!EMAIL.test(email)) fail({ recipients: `“${entry.trim().slice(0, 100)}” is not an email address` })
    if (!recipients.includes(email)) recipients.push(email)
  }
  return recipients
}

function checkActionName(metric: MonitorMetric, actionName: string | null | undefined): string | null {
  const name = actionName?.trim() ?? ''
  if (name === '') return null
  if (metric !== 'actions') fail({ actionName: 'applies only to the key actions metric' })
  return name
}

/** A monitor with its state (every column but the key) and the names shown beside it. */
interface MonitorRow extends MonitorTable, Omit<MonitorStateTable, 'monitor_id'> {
  organization_name: string
  organization_path: string
  site_name: string | null
  journey_name: string | null
}

export function baseMonitors(db: Db) {
  return db.selectFrom('monitors as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .innerJoin('monitor_states as st', 'st.monitor_id', 'm.id')
    .leftJoin('sites as s', 's.id', 'm.site_id')
    .leftJoin('journeys as j', 'j.id', 'm.journey_id')
    .selectAll('m')
    .select(['o.name as organization_name', 'o.path as organization_path', 's.name as site_name', 'j.name as journey_name',
      'st.next_evaluation_at', 'st.streak', 'st.open_alert_id', 'st.cooldown_until', 'st.last_evaluated_at', 'st.last_bucket',
      'st.last_outcome', 'st.last_value', 'st.last_expected', 'st.last_message'])
}

const numberOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value))

function statusOf(row: Pick<MonitorRow, 'enabled' | 'open_alert_id' | 'last_outcome' | 'last_evaluated_at'>): MonitorStatus {
  if (row.open_alert_id) return 'alerting'
  if (!fromFlag(row.enabled)) return 'disabled'
  if (row.last_outcome === 'error') return 'error'
  return row.last_evaluated_at ? 'ok' : 'pending'
}

export function toMonitorView(row: MonitorRow): MonitorView {
  const metric = row.metric as MonitorMetric
  return {
    id: row.id, organizationId: row.organization_id, organizationName: row.organization_name, organizationPath: row.organization_path,
    target: row.site_id ? { kind: 'site', id: row.site_id, name: row.site_name ?? '' } : { kind: 'journey', id: row.journey_id ?? '', name: row.journey_name ?? '' },
    name: row.name, metric, actionName: row.action_name,
    rule: { kind: row.rule, ...(JSON.parse(row.parameters) as object) } as AlertRule,
    intervalMinutes: Number(row.interval_minutes), consecutive: Number(row.consecutive), cooldownMinutes: Number(row.cooldown_minutes),
    enabled: fromFlag(row.enabled), recipients: JSON.parse(row.recipients) as string[], sendWebhook: fromFlag(row.send_webhook),
    state: {
      status: statusOf(row), streak: Number(row.streak), openAlertId: row.open_alert_id, cooldownUntil: row.cooldown_until,
      lastEvaluatedAt: row.last_evaluated_at, lastBucket: row.last_bucket, lastOutcome: row.last_outcome,
      lastValue: numberOrNull(row.last_value), lastExpected: numberOrNull(row.last_expected), lastMessage: row.last_message,
      nextEvaluationAt: row.next_evaluation_at === DUE_NOW ? null : row.next_evaluation_at,
    },
    createdAt: row.created_at, updatedAt: row.updated_at,
  }
}

/** The monitor's configuration without its evaluation state: what the audit log compares. */
const auditable = (view: MonitorView) => {
  const { state: _state, ...config } = view
  return config
}

async function loadView(db: Db, id: string): Promise<MonitorView> {
  return toMonitorView(await baseMonitors(db).where('m.id', '=', id).executeTakeFirstOrThrow())
}

/** A monitor the actor may read; another organization's monitor (or a malformed id) answers 404. */
async function loadReadable(db: Db, actor: Actor, id: string): Promise<MonitorRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound('Monitor')
  const row = await baseMonitors(db).where('m.id', '=', id).executeTakeFirst()
  if (!row || !canReadOrganization(actor, row.organization_path)) throw new NotFound('Monitor')
  return row
}

export async function loadManagedMonitor(db: Db, actor: Actor, id: string): Promise<MonitorView> {
  const row = await loadReadable(db, actor, id)
  if (!canManageSites(actor, row.organization_path)) throw new Forbidden('Your role does not allow managing this organization’s monitors.')
  return toMonitorView(row)
}

interface ResolvedTarget { kind: 'site' | 'journey'; id: string; organizationId: string; organizationPath: string }

/** The watched site or journey, if the actor can see it; otherwise the field reads as unknown. */
function checkTargetShape(input: Pick<MonitorCreateInput, 'siteId' | 'journeyId' | 'metric'>): void {
  const journeyMetric = input.metric === 'journey_completion'
  if (input.siteId && input.journeyId) fail({ siteId: 'give either a site or a journey, not both' })
  if (journeyMetric && !input.journeyId) fail({ journeyId: 'is required for the journey completion rate' })
  if (!journeyMetric && !input.siteId) fail({ siteId: `is required for ${METRIC_LABELS[input.metric].toLowerCase()}` })
}

async function resolveTarget(db: Db, actor: Actor, input: Pick<MonitorCreateInput, 'siteId' | 'journeyId' | 'metric'>): Promise<ResolvedTarget> {
  if (input.siteId) {
    const site = await db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
      .select(['s.id', 's.state', 'o.id as organization_id', 'o.path']).where('s.id', '=', input.siteId).executeTakeFirst()
    if (!site || !canReadOrganization(actor, site.path)) return fail({ siteId: 'is not a site you can see' })
    if (site.state !== 'active') fail({ siteId: 'is archived; restore it before watching it' })
    return { kind: 'site', id: site.id, organizationId: site.organization_id, organizationPath: site.path }
  }
  const journey = await db.selectFrom('journeys as j').innerJoin('services as sv', 'sv.id', 'j.service_id').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['j.id', 'o.id as organization_id', 'o.path']).where('j.id', '=', input.journeyId as string).executeTakeFirst()
  if (!journey || !canReadOrganization(actor, journey.path)) return fail({ journeyId: 'is not a journey you can see' })
  return { kind: 'journey', id: journey.id, organizationId: journey.organization_id, organizationPath: journey.path }
}

/**
 * Creates a monitor; it is due at once, so the next job run (within five minutes) judges the latest complete bucket.
 * @example createMonitor(db, actor, { siteId, name: 'Traffic drop', metric: 'pageviews', rule: 'seasonal', recipients: ['cx@agency.gov'] })
 */
export async function createMonitor(db: Kysely<Database>, actor: Actor, input: MonitorCreateInput): Promise<MonitorView> {
  const name = input.name.trim()
  if (name === '') fail({ name: 'must not be empty' })
  checkTargetShape(input)
  const rule = checkRule(input.metric, input.rule, input.parameters)
  const actionName = checkActionName(input.metric, input.actionName)
  const recipients = checkRecipients(input.recipients ?? [])
  return db.transaction().execute(async (trx) => {
    const target = await resolveTarget(trx, actor, input)
    if (!canManageSites(actor, target.organizationPath)) throw new Forbidden('Your role does not allow managing this organization’s monitors.')
    const id = newId()
    const at = nowIso()
    await trx.insertInto('monitors').values({
      id, organization_id: target.organizationId, site_id: target.kind === 'site' ? target.id : null, journey_id: target.kind === 'journey' ? target.id : null,
      name, metric: input.metric, action_name: actionName, rule: rule.kind, parameters: JSON.stringify(parametersOf(rule)),
      interval_minutes: input.intervalMinutes ?? MONITOR_DEFAULTS.intervalMinutes, consecutive: input.consecutive ?? MONITOR_DEFAULTS.consecutive,
      cooldown_minutes: input.cooldownMinutes ?? MONITOR_DEFAULTS.cooldownMinutes, enabled: toFlag(input.enabled ?? true),
      recipients: JSON.stringify(recipients), send_webhook: toFlag(input.sendWebhook ?? false), created_by: actor.userId, created_at: at, updated_at: at,
    }).execute()
    await trx.insertInto('monitor_states').values({
      monitor_id: id, next_evaluation_at: DUE_NOW, streak: 0, open_alert_id: null, cooldown_until: null, last_evaluated_at: null,
      last_bucket: null, last_outcome: null, last_value: null, last_expected: null, last_message: null,
    }).execute()
    const view = await loadView(trx, id)
    await recordAudit(trx, actor, { action: 'monitor.create', entityType: 'monitor', entityId: id, organizationId: target.organizationId, after: auditable(view) })
    return view
  })
}

/**
 * Changes a monitor. A new rule replaces the parameters (defaults fill the gaps); parameters alone are merged into the
 * current rule's. Changing what or how it judges restarts the breach count; an open alert stays open until judged.
 */
export async function updateMonitor(db: Kysely<Database>, actor: Actor, id: string, input: MonitorUpdateInput): Promise<MonitorView> {
  return db.transaction().execute(async (trx) => {
    const before = await loadManagedMonitor(trx, actor, id)
    const metric = input.metric ?? before.metric
    if ((metric === 'journey_completion') !== (before.target.kind === 'journey')) {
      fail({ metric: before.target.kind === 'journey' ? 'must stay the journey completion rate' : 'must be a site metric for a site monitor' })
    }
    const kind = input.rule ?? before.rule.kind
    const parameters = input.rule !== undefined && input.rule !== before.rule.kind
      ? input.parameters
      : { ...(input.metric !== undefined && input.metric !== before.metric && input.parameters === undefined ? {} : parametersOf(before.rule)), ...input.parameters }
    const rule = checkRule(metric, kind, parameters)
    const actionName = input.actionName !== undefined ? checkActionName(metric, input.actionName) : metric === 'actions' ? before.actionName : null
    const changes: Partial<MonitorTable> = { updated_at: nowIso(), metric, action_name: actionName, rule: rule.kind, parameters: JSON.stringify(parametersOf(rule)) }
    if (input.name !== undefined) {
      const name = input.name.trim()
      if (name === '') fail({ name: 'must not be empty' })
      changes.name = name
    }
    if (input.intervalMinutes !== undefined) changes.interval_minutes = input.intervalMinutes
    if (input.consecutive !== undefined) changes.consecutive = input.consecutive
    if (input.cooldownMinutes !== undefined) changes.cooldown_minutes = input.cooldownMinutes
    if (input.enabled !== undefined) changes.enabled = toFlag(input.enabled)
    if (input.recipients !== undefined) changes.recipients = JSON.stringify(checkRecipients(input.recipients))
    if (input.sendWebhook !== undefined) changes.send_webhook = toFlag(input.sendWebhook)
    await trx.updateTable('monitors').set(changes).where('id', '=', id).execute()
    const judgedDifferently = metric !== before.metric || actionName !== before.actionName || JSON.stringify(rule) !== JSON.stringify(before.rule)
    const resumed = input.enabled === true && !before.enabled
    if (input.enabled === false && before.state.openAlertId) {
      // Nobody watches a paused monitor: its open alert closes without a verdict (and without email).
      const at = nowIso()
      await trx.updateTable('monitor_alerts').set({ resolved_at: at, resolve_message: 'The monitor was paused; the alert was closed without a verdict.', resolve_notified_at: at })
        .where('id', '=', before.state.openAlertId).where('resolved_at', 'is', null).execute()
      await trx.updateTable('monitor_states').set({ open_alert_id: null, streak: 0 }).where('monitor_id', '=', id).execute()
    }
    if (judgedDifferently || resumed) {
      // A new question deserves a fresh answer: judge again at the next run, counting breaches from zero.
      await trx.updateTable('monitor_states').set({ streak: 0, last_bucket: null, next_evaluation_at: DUE_NOW }).where('monitor_id', '=', id).execute()
    }
    const after = await loadView(trx, id)
    await recordAudit(trx, actor, { action: 'monitor.update', entityType: 'monitor', entityId: id, organizationId: before.organizationId, before: auditable(before), after: auditable(after) })
    return after
  })
}

/** Deletes a monitor with its alert history (the audit log keeps the configuration). */
export async function deleteMonitor(db: Kysely<Database>, actor: Actor, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await loadManagedMonitor(trx, actor, id)
    const alerts = Number((await trx.selectFrom('monitor_alerts').select((eb) => eb.fn.countAll().as('n')).where('monitor_id', '=', id).executeTakeFirstOrThrow()).n)
    await trx.deleteFrom('monitor_alerts').where('monitor_id', '=', id).execute()
    await trx.deleteFrom('monitor_states').where('monitor_id', '=', id).execute()
    await trx.deleteFrom('monitors').where('id', '=', id).execute()
    await recordAudit(trx, actor, { action: 'monitor.delete', entityType: 'monitor', entityId: id, organizationId: before.organizationId, before: { ...auditable(before), alerts } })
  })
}

export async function getMonitor(db: Kysely<Database>, actor: Actor, id: string): Promise<MonitorView> {
  return toMonitorView(await loadReadable(db, actor, id))
}

export const monitorAbilities = (actor: Actor, monitor: Pick<MonitorView, 'organizationPath'>): { manage: boolean } => ({ manage: canManageSites(actor, monitor.organizationPath) })

/** Monitors in organizations the actor may read: alerting first, then by name. */
export async function listMonitors(db: Kysely<Database>, actor: Actor, options: MonitorListOptions): Promise<{ items: MonitorView[]; total: number }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { items: [], total: 0 }
  let query = db.selectFrom('monitors as m').innerJoin('organizations as o', 'o.id', 'm.organization_id').innerJoin('monitor_states as st', 'st.monitor_id', 'm.id')
  if (paths !== null) query = query.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  if (options.siteId) query = query.where('m.site_id', '=', options.siteId)
  if (options.journeyId) query = query.where('m.journey_id', '=', options.journeyId)
  if (options.status === 'alerting') query = query.where('st.open_alert_id', 'is not', null)
  if (options.status === 'ok') query = query.where('st.open_alert_id', 'is', null).where('m.enabled', '=', 1)
  if (options.status === 'disabled') query = query.where('m.enabled', '=', 0)
  if (options.q) {
    const q = options.q
    query = query.where((eb) => containsText(eb.ref('m.name'), q))
  }
  const total = Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const ids = await query.select('m.id')
    .orderBy((eb) => eb.case().when('st.open_alert_id', 'is not', null).then(0).else(1).end())
    .orderBy('m.name').orderBy('m.id')
    .limit(options.pageSize).offset((options.page - 1) * options.pageSize).execute()
  if (ids.length === 0) return { items: [], total }
  const rows = await baseMonitors(db).where('m.id', 'in', ids.map((r) => r.id)).execute()
  const order = new Map(ids.map((r, i) => [r.id, i]))
  return { items: rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)).map(toMonitorView), total }
}

/** Sites and journeys the actor may watch (manage), for the form pickers. */
export async function watchableTargets(db: Kysely<Database>, actor: Actor): Promise<{ sites: MonitorTarget[]; journeys: MonitorTarget[] }> {
  const paths = readablePaths(actor)
  if (paths !== null && paths.length === 0) return { sites: [], journeys: [] }
  let sites = db.selectFrom('sites as s').innerJoin('organizations as o', 'o.id', 's.organization_id')
    .select(['s.id', 's.name', 'o.name as organization_name', 'o.path']).where('s.state', '=', 'active')
  let journeys = db.selectFrom('journeys as j').innerJoin('services as sv', 'sv.id', 'j.service_id').innerJoin('organizations as o', 'o.id', 'sv.organization_id')
    .select(['j.id', 'j.name', 'o.name as organization_name', 'o.path'])
  if (paths !== null) {
    sites = sites.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
    journeys = journeys.where((eb) => eb.or(paths.map((p) => eb('o.path', 'like', subtreePattern(p)))))
  }
  const [siteRows, journeyRows] = await Promise.all([sites.orderBy('s.name').orderBy('s.id').execute(), journeys.orderBy('j.name').orderBy('j.id').execute()])
  const label = (r: { name: string; organization_name: string }) => `${r.name} (${r.organization_name})`
  return {
    sites: siteRows.filter((r) => canManageSites(actor, r.path)).map((r) => ({ kind: 'site' as const, id: r.id, name: label(r) })),
    journeys: journeyRows.filter((r) => canManageSites(actor, r.path)).map((r) => ({ kind: 'journey' as const, id: r.id, name: label(r) })),
  }
}

export const isSiteMetric = (metric: MonitorMetric): boolean => SITE_METRICS.includes(metric)
