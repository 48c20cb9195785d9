/** TypeBox inputs for monitors. Rule parameters get their rule-specific checks and defaults in monitors.ts. */
import Type, { type Static } from 'typebox'
import { RULE_KINDS } from './alert-rules.ts'

/**
 * What a monitor watches. Site metrics are hourly counts: page views, all events, key actions (all, or one named
 * action). A journey's completion rate is a daily percentage (hourly rates from a handful of visitors are noise).
 */
export const MONITOR_METRICS = ['pageviews', 'events', 'actions', 'journey_completion'] as const
export type MonitorMetric = (typeof MONITOR_METRICS)[number]
export const SITE_METRICS: readonly MonitorMetric[] = ['pageviews', 'events', 'actions']

/** Evaluation intervals offered, in minutes (each divides a day, so evaluations line up with UTC hours). */
export const MONITOR_INTERVALS = [60, 120, 180, 360, 720, 1440] as const
export const MONITOR_RECIPIENTS_MAX = 20
export const MONITOR_COOLDOWN_MAX_MINUTES = 7 * 24 * 60
export const MONITOR_CONSECUTIVE_MAX = 24

export const MONITOR_DEFAULTS = { intervalMinutes: 60, consecutive: 1, cooldownMinutes: 360 } as const

const number = (description: string, limits: { minimum?: number; maximum?: number } = {}) => Type.Optional(Type.Number({ description, ...limits }))
const integer = (description: string, minimum: number, maximum: number) => Type.Optional(Type.Integer({ description, minimum, maximum }))

/** Every rule's parameters in one flat object; each rule reads its own and ignores none silently (see checkRule). */
export const RuleParameters = Type.Object({
  direction: Type.Optional(Type.Enum(['above', 'below', 'both'], { description: 'threshold: above | below; zscore: below | above | both' })),
  value: number('threshold: the bound (a count, or a percentage for journey completion)', { minimum: 0, maximum: 1e12 }),
  minVolume: number('threshold, zscore: judge only with at least this volume behind the value (zscore: the baseline median)', { minimum: 0, maximum: 1e12 }),
  dropPercent: number('seasonal: breach when this many percent below expected', { minimum: 1, maximum: 100 }),
  weeks: integer('seasonal: weeks of the same hour forming the baseline (their median)', 1, 4),
  minExpected: number('seasonal: judge only hours expected to reach this count', { minimum: 0, maximum: 1e12 }),
  k: number('zscore: robust z-score that fires', { minimum: 1, maximum: 20 }),
  window: integer('zscore: trailing buckets in the baseline', 6, 336),
  hours: integer('no_data: consecutive empty hours that fire', 1, 168),
}, { additionalProperties: false })
export type RuleParameters = Static<typeof RuleParameters>

const editable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  metric: Type.Enum([...MONITOR_METRICS]),
  actionName: Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: 'For metric `actions`: one key action by name; null or empty for all' }),
  rule: Type.Enum([...RULE_KINDS]),
  parameters: RuleParameters,
  intervalMinutes: Type.Enum([...MONITOR_INTERVALS], { description: 'How often the monitor is evaluated (default 60)' }),
  consecutive: Type.Integer({ minimum: 1, maximum: MONITOR_CONSECUTIVE_MAX, description: 'Breaches in a row before an alert opens (default 1)' }),
  cooldownMinutes: Type.Integer({ minimum: 0, maximum: MONITOR_COOLDOWN_MAX_MINUTES, description: 'After an alert resolves, no new alert for this long (default 360)' }),
  enabled: Type.Boolean(),
  recipients: Type.Array(Type.String({ maxLength: 254 }), { maxItems: MONITOR_RECIPIENTS_MAX, description: 'Email addresses told when an alert opens and resolves' }),
  sendWebhook: Type.Boolean({ description: 'Also announce alerts to the organization’s webhooks (monitor.alert_opened, monitor.alert_resolved)' }),
}

export const MonitorCreateInput = Type.Object({
  siteId: Type.Optional(Type.String({ format: 'uuid', description: 'The site watched (site metrics)' })),
  journeyId: Type.Optional(Type.String({ format: 'uuid', description: 'The journey watched (journey_completion)' })),
  name: editable.name,
  metric: editable.metric,
  actionName: Type.Optional(editable.actionName),
  rule: editable.rule,
  parameters: Type.Optional(editable.parameters),
  intervalMinutes: Type.Optional(editable.intervalMinutes),
  consecutive: Type.Optional(editable.consecutive),
  cooldownMinutes: Type.Optional(editable.cooldownMinutes),
  enabled: Type.Optional(editable.enabled),
  recipients: Type.Optional(editable.recipients),
  sendWebhook: Type.Optional(editable.sendWebhook),
}, { additionalProperties: false })
export type MonitorCreateInput = Static<typeof MonitorCreateInput>

/** What a monitor watches (site or journey) is fixed at creation; everything else may change. */
export const MonitorUpdateInput = Type.Partial(Type.Object(editable), { additionalProperties: false })
export type MonitorUpdateInput = Static<typeof MonitorUpdateInput>

export const MONITOR_STATUSES = ['alerting', 'ok', 'disabled'] as const
export type MonitorStatusFilter = (typeof MONITOR_STATUSES)[number]

export const MonitorListQuery = Type.Object({
  siteId: Type.Optional(Type.String({ format: 'uuid' })),
  journeyId: Type.Optional(Type.String({ format: 'uuid' })),
  status: Type.Optional(Type.Enum([...MONITOR_STATUSES])),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false })
export type MonitorListQuery = Static<typeof MonitorListQuery>

export const AlertListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false })
export type AlertListQuery = Static<typeof AlertListQuery>
