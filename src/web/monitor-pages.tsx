/**
 * Monitor pages: the list (state first, search, pagination), the add and edit forms (every rule's settings in its own
 * fieldset; only the chosen rule's are read, so the form works without JavaScript), and a monitor's page with its
 * state, the metric chart with alert marks, the alert history and the manage actions.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RULE_KINDS, type AlertRule, type RuleKind } from '../analytics/alert-rules.ts'
import { listAlerts, monitorAlertMarks, type AlertView } from '../analytics/alerts.ts'
import { bucketSizeMs, evaluateMonitorNow, formatMetricValue, judgedBucket, metricBuckets } from '../analytics/monitor-evaluation.ts'
import { MONITOR_DEFAULTS, MONITOR_INTERVALS, MONITOR_METRICS, MonitorCreateInput, MonitorUpdateInput, type MonitorMetric } from '../analytics/monitor-schema.ts'
import {
  createMonitor, deleteMonitor, getMonitor, listMonitors, METRIC_LABELS, monitorAbilities, RULE_LABELS, RULE_PARAMETERS, RULES_FOR_METRIC, updateMonitor,
  watchableTargets, type MonitorStatus, type MonitorView,
} from '../analytics/monitors.ts'
import { canManageSites } from '../auth/permissions.ts'
import { listManageableOrganizations } from '../catalog/index.ts'
import { Forbidden, type FieldErrors } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { parseWith } from '../validation.ts'
import { LineChart, type ChartMark } from './charts.tsx'
import { Checkbox, CsrfField, EmptyState, ErrorSummary, Pagination, SelectField, SummaryList, TextArea, TextField, yesNo } from './components.tsx'
import { asForm, attempt, formFlag, formText, type FormBody } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

const PAGE_SIZE = 25
const ALERTS_PAGE_SIZE = 20
/** The monitor page charts the last three days of hourly metrics, or the last 30 days of a journey's daily rate. */
const CHART_BUCKETS = { hour: 72, day: 30 } as const

const STATUS_LABELS: Readonly<Record<MonitorStatus, string>> = { alerting: 'Alerting', ok: 'Not alerting', pending: 'Not evaluated yet', error: 'Evaluation failed', disabled: 'Paused' }
const STATUS_CLASSES: Readonly<Record<MonitorStatus, string>> = {
  alerting: 'usa-tag bg-secondary-dark', ok: 'usa-tag bg-success-darker', pending: 'usa-tag', error: 'usa-tag bg-gold text-ink', disabled: 'usa-tag bg-base-dark',
}
const OUTCOME_LABELS: Readonly<Record<string, string>> = {
  breach: 'Breach', ok: 'Within the rule', insufficient: 'Not judged (too little data)', suppressed: 'Breach during the cool-down (no new alert)', error: 'Evaluation failed',
}
const SHORT_RULES: Readonly<Record<RuleKind, string>> = { threshold: 'Threshold', seasonal: 'Week over week', zscore: 'Unusual value (z-score)', no_data: 'No data' }

const PARAMETER_LABELS: Readonly<Record<string, string>> = {
  direction: 'Direction', value: 'Bound', minVolume: 'Minimum volume', dropPercent: 'Drop that alerts (%)', weeks: 'Weeks in the baseline',
  minExpected: 'Minimum expected count', k: 'z-score that alerts', window: 'Periods in the baseline', hours: 'Empty hours that alert',
}
const LABELS: Readonly<Record<string, string>> = {
  name: 'Name', target: 'Watches', metric: 'Metric', actionName: 'Key action name', rule: 'Rule', intervalMinutes: 'Evaluate every',
  consecutive: 'Breaches in a row before alerting', cooldownHours: 'Cool-down after an alert resolves (hours)', recipients: 'Email recipients', sendWebhook: 'Webhook',
  ...Object.fromEntries(RULE_KINDS.flatMap((rule) => RULE_PARAMETERS[rule].map((p) => [`${rule}.${p}`, `${SHORT_RULES[rule]}: ${PARAMETER_LABELS[p]}`]))),
}

const utc = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—')
const intervalLabel = (minutes: number) => (minutes % 1440 === 0 ? `${minutes / 1440} day` : minutes === 60 ? 'hour' : `${minutes / 60} hours`)

function describeRule(rule: AlertRule, metric: MonitorMetric): string {
  const period = metric === 'journey_completion' ? 'days' : 'hours'
  switch (rule.kind) {
    case 'threshold': return `Alert when ${rule.direction} ${formatMetricValue(metric, rule.value)}${rule.minVolume > 0 ? ` (judged from ${rule.minVolume} behind the value)` : ''}`
    case 'seasonal': return `Alert when more than ${rule.dropPercent}% below the same hour ${rule.weeks === 1 ? 'last week' : `of the last ${rule.weeks} weeks`}, trend-adjusted (hours expected to reach ${rule.minExpected})`
    case 'zscore': return `Alert when the robust z-score is ${rule.direction === 'below' ? `≤ −${rule.k}` : rule.direction === 'above' ? `≥ +${rule.k}` : `beyond ±${rule.k}`} against the previous ${rule.window} ${period} (baseline median volume ≥ ${rule.minVolume})`
    case 'no_data': return `Alert when nothing is recorded for ${rule.hours} hour${rule.hours === 1 ? '' : 's'}`
  }
}

function StatusTag({ status }: { status: MonitorStatus }) {
  return <span class={STATUS_CLASSES[status]}>{STATUS_LABELS[status]}</span>
}

// ─── Form values ───────────────────────────────────────────────────────────────────────────────────────────────

interface MonitorFormValues {
  target?: string
  name?: string
  metric?: string
  actionName?: string
  rule?: string
  parameters: Record<string, string>
  intervalMinutes?: string
  consecutive?: string
  cooldownHours?: string
  recipients?: string
  sendWebhook?: boolean
  enabled?: boolean
}

function valuesFromForm(body: FormBody): MonitorFormValues {
  const parameters: Record<string, string> = {}
  for (const rule of RULE_KINDS) for (const p of RULE_PARAMETERS[rule]) parameters[`${rule}.${p}`] = formText(body, `${rule}.${p}`).trim()
  return {
    target: formText(body, 'target'), name: formText(body, 'name').trim(), metric: formText(body, 'metric'), actionName: formText(body, 'actionName').trim(),
    rule: formText(body, 'rule'), parameters, intervalMinutes: formText(body, 'intervalMinutes'), consecutive: formText(body, 'consecutive').trim(),
    cooldownHours: formText(body, 'cooldownHours').trim(), recipients: formText(body, 'recipients'), sendWebhook: formFlag(body, 'sendWebhook'), enabled: formFlag(body, 'enabled'),
  }
}

function valuesFromMonitor(monitor: MonitorView): MonitorFormValues {
  const parameters: Record<string, string> = {}
  for (const [key, value] of Object.entries(monitor.rule)) if (key !== 'kind') parameters[`${monitor.rule.kind}.${key}`] = String(value)
  return {
    target: `${monitor.target.kind}:${monitor.target.id}`, name: monitor.name, metric: monitor.metric, actionName: monitor.actionName ?? '', rule: monitor.rule.kind, parameters,
    intervalMinutes: String(monitor.intervalMinutes), consecutive: String(monitor.consecutive), cooldownHours: String(monitor.cooldownMinutes / 60),
    recipients: monitor.recipients.join('\n'), sendWebhook: monitor.sendWebhook, enabled: monitor.enabled,
  }
}

/** Digits (with a decimal point) become numbers; anything else stays text so the schema names the field. */
function formNumber(text: string | undefined): number | string | undefined {
  const value = (text ?? '').trim().replace(/,/g, '')
  if (value === '') return undefined
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
}

const recipientLines = (text: string | undefined): string[] => (text ?? '').split(/[\r\n,;]+/).map((l) => l.trim()).filter(Boolean)

function inputFromValues(values: MonitorFormValues, creating: boolean): Record<string, unknown> {
  const rule = values.rule ?? ''
  const parameters: Record<string, unknown> = {}
  if ((RULE_KINDS as readonly string[]).includes(rule)) {
    for (const p of RULE_PARAMETERS[rule as RuleKind]) {
      const raw = values.parameters[`${rule}.${p}`]
      const value = p === 'direction' ? (raw || undefined) : formNumber(raw)
      if (value !== undefined) parameters[p] = value
    }
  }
  const [kind, id] = (values.target ?? '').split(':')
  const cooldownHours = formNumber(values.cooldownHours)
  return {
    ...(creating ? { ...(kind === 'site' && id ? { siteId: id } : {}), ...(kind === 'journey' && id ? { journeyId: id } : {}) } : {}),
    name: values.name, metric: values.metric, actionName: values.actionName ?? '', rule, parameters,
    intervalMinutes: formNumber(values.intervalMinutes), consecutive: formNumber(values.consecutive) ?? MONITOR_DEFAULTS.consecutive,
    cooldownMinutes: typeof cooldownHours === 'number' ? Math.round(cooldownHours * 60) : cooldownHours ?? MONITOR_DEFAULTS.cooldownMinutes,
    recipients: recipientLines(values.recipients), sendWebhook: values.sendWebhook ?? false, enabled: values.enabled ?? false,
  }
}

/** Domain and schema field names → the form's field names. */
function formErrors(fields: FieldErrors, rule: string | undefined): FieldErrors {
  const mapped: Record<string, string> = {}
  for (const [key, message] of Object.entries(fields)) {
    const name = key.startsWith('parameters.') ? `${rule}.${key.slice('parameters.'.length)}`
      : key === 'cooldownMinutes' ? 'cooldownHours' : key === 'siteId' || key === 'journeyId' ? 'target' : key
    mapped[name] ??= message
  }
  return mapped
}

// ─── Pages ─────────────────────────────────────────────────────────────────────────────────────────────────────

export async function registerMonitorPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime

  app.get<{ Querystring: { q?: string; status?: string; siteId?: string; journeyId?: string; page?: string } }>('/monitors', async (request, reply) => {
    const actor = requireActor(request)
    const q = request.query.q?.trim().slice(0, 200) || undefined
    const status = request.query.status === 'alerting' || request.query.status === 'ok' || request.query.status === 'disabled' ? request.query.status : undefined
    const uuid = (v: string | undefined) => (v && /^[0-9a-f-]{36}$/i.test(v) ? v : undefined)
    const siteId = uuid(request.query.siteId)
    const journeyId = uuid(request.query.journeyId)
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1)
    const [{ items, total }, targets] = await Promise.all([
      listMonitors(db, actor, { q, status, siteId, journeyId, page, pageSize: PAGE_SIZE }), watchableTargets(db, actor),
    ])
    const canAdd = targets.sites.length + targets.journeys.length > 0
    const filtered = Boolean(q || status || siteId || journeyId)
    const addHref = siteId ? `/monitors/new?siteId=${siteId}` : journeyId ? `/monitors/new?journeyId=${journeyId}` : '/monitors/new'
    return sendPage(request, reply, 'Monitors', (
      <>
        <h1>Monitors</h1>
        <p class="usa-intro">Monitors watch a site’s traffic or a journey’s completion rate and alert you by email (and, if chosen, webhook) when it drops, stops or crosses a bound.</p>
        {canAdd && <p><a class="usa-button" href={addHref}>Add a monitor</a></p>}
        <form class="usa-form cx-filters" method="get" action="/monitors">
          {siteId && <input type="hidden" name="siteId" value={siteId} />}
          {journeyId && <input type="hidden" name="journeyId" value={journeyId} />}
          <TextField name="q" label="Name contains" value={q ?? ''} maxLength={200} />
          <SelectField name="status" label="Status" value={status ?? ''} emptyLabel="All"
            options={[{ value: 'alerting', label: 'Alerting' }, { value: 'ok', label: 'Not alerting' }, { value: 'disabled', label: 'Paused' }]} />
          <button type="submit" class="usa-button usa-button--outline">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState title={filtered ? 'No monitors match' : 'No monitors yet'}>
            {canAdd && !filtered ? <p>Add a monitor to hear when a site’s traffic drops or its tracker stops sending.</p> : null}
          </EmptyState>
        ) : (
          <>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Monitors, alerting first</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Watches</th><th scope="col">Metric</th><th scope="col">Rule</th><th scope="col">Status</th><th scope="col">Last evaluated</th></tr></thead>
              <tbody>{items.map((m) => (
                <tr key={m.id}>
                  <th scope="row" data-label="Name"><a href={`/monitors/${m.id}`}>{m.name}</a></th>
                  <td data-label="Watches">{m.target.name} <span class="text-base">({m.target.kind === 'site' ? 'site' : 'journey'})</span></td>
                  <td data-label="Metric">{METRIC_LABELS[m.metric]}{m.actionName ? `: ${m.actionName}` : ''}</td>
                  <td data-label="Rule">{SHORT_RULES[m.rule.kind]}</td>
                  <td data-label="Status"><StatusTag status={m.state.status} /></td>
                  <td data-label="Last evaluated">{utc(m.state.lastEvaluatedAt)}</td>
                </tr>
              ))}</tbody>
            </table>
            <Pagination path="/monitors" query={{ q, status, siteId, journeyId }} page={page} pageSize={PAGE_SIZE} total={total} />
          </>
        )}
      </>
    ))
  })

  const monitorForm = async (request: FastifyRequest, reply: FastifyReply, mode: { title: string; action: string; monitor?: MonitorView }, values: MonitorFormValues, errors?: FieldErrors, message?: string) => {
    const actor = requireActor(request)
    const targets = mode.monitor ? { sites: [], journeys: [] } : await watchableTargets(db, actor)
    if (!mode.monitor && targets.sites.length + targets.journeys.length === 0) {
      if ((await listManageableOrganizations(db, actor, canManageSites)).length === 0) throw new Forbidden('Your role does not allow adding monitors.')
      return sendPage(request, reply, mode.title, (
        <>
          <h1>{mode.title}</h1>
          <EmptyState title="Nothing to watch yet"><p>A monitor watches a site or a journey. <a href="/sites/new">Add a site</a> to your organization first.</p></EmptyState>
        </>
      ), errors || message ? 400 : 200)
    }
    const targetOptions = [
      ...targets.sites.map((s) => ({ value: `site:${s.id}`, label: `Site: ${s.name}` })),
      ...targets.journeys.map((j) => ({ value: `journey:${j.id}`, label: `Journey: ${j.name}` })),
    ]
    const metricOptions = MONITOR_METRICS
      .filter((m) => !mode.monitor || (m === 'journey_completion') === (mode.monitor.target.kind === 'journey'))
      .map((m) => ({ value: m, label: `${METRIC_LABELS[m]}${m === 'journey_completion' ? ' (journeys only)' : ' (sites only)'}` }))
    const parameter = (rule: RuleKind, name: string) => values.parameters[`${rule}.${name}`] ?? ''
    const numberField = (rule: RuleKind, name: string, hint: string) => (
      <TextField name={`${rule}.${name}`} label={PARAMETER_LABELS[name] ?? name} value={parameter(rule, name)} maxLength={20} hint={hint} errors={errors} />
    )
    return sendPage(request, reply, mode.title, (csrf) => (
      <>
        <h1>{mode.title}</h1>
        <form class="usa-form usa-form--large" method="post" action={mode.action} noValidate>
          <ErrorSummary message={message} errors={errors} labels={LABELS} />
          <CsrfField token={csrf} />
          {mode.monitor
            ? <p>Watches: <strong>{mode.monitor.target.name}</strong> ({mode.monitor.target.kind}) in {mode.monitor.organizationName}</p>
            : <SelectField name="target" label={LABELS.target ?? 'Watches'} value={values.target} errors={errors} required emptyLabel="Choose a site or journey" options={targetOptions} />}
          <TextField name="name" label="Name" value={values.name} maxLength={200} errors={errors} required hint="For example “Permit portal traffic drop”." />
          <SelectField name="metric" label="Metric" value={values.metric} errors={errors} required options={metricOptions}
            hint="Site metrics are counted per UTC hour; a journey’s completion rate per UTC day." />
          <TextField name="actionName" label="Key action name" value={values.actionName} maxLength={200} errors={errors}
            hint="Only for the key actions metric: one action by name, such as apply_submit. Leave empty to count every key action." />
          <SelectField name="rule" label="Rule" value={values.rule} errors={errors} required options={RULE_KINDS.map((r) => ({ value: r, label: RULE_LABELS[r] }))}
            hint={`Only the settings of the chosen rule below are used; empty settings take their defaults. A journey’s completion rate supports ${RULES_FOR_METRIC.journey_completion.join(' and ')}.`} />
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Threshold settings</legend>
            <SelectField name="threshold.direction" label="Direction" value={parameter('threshold', 'direction') || 'below'} errors={errors}
              options={[{ value: 'below', label: 'Alert when below the bound' }, { value: 'above', label: 'Alert when above the bound' }]} />
            {numberField('threshold', 'value', 'A count per hour, or a percentage (0–100) for a journey’s completion rate. Required for this rule.')}
            {numberField('threshold', 'minVolume', 'Judge only when at least this many events (or, for a journey, visitors who began) stand behind the value. Default 0.')}
          </fieldset>
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Week-over-week settings</legend>
            {numberField('seasonal', 'dropPercent', 'Alert when the hour is this much lower than expected from the same hour last week, scaled by the 7-day trend. Default 40.')}
            {numberField('seasonal', 'weeks', 'Use the median of the same hour over 1 to 4 past weeks (more weeks ignore a past holiday). Default 1.')}
            {numberField('seasonal', 'minExpected', 'Quiet hours expected below this count are not judged. Default 20.')}
          </fieldset>
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Unusual value (z-score) settings</legend>
            <SelectField name="zscore.direction" label="Direction" value={parameter('zscore', 'direction') || 'below'} errors={errors}
              options={[{ value: 'below', label: 'Unusually low' }, { value: 'above', label: 'Unusually high' }, { value: 'both', label: 'Either' }]} />
            {numberField('zscore', 'k', 'How many robust standard deviations from the median alert. Default 3.5.')}
            {numberField('zscore', 'window', 'Earlier periods forming the baseline: hours for sites (default 24), days for journeys (default 14).')}
            {numberField('zscore', 'minVolume', 'Judge only when the baseline’s median volume reaches this. Default 100 (sites) or 20 visitors (journeys).')}
          </fieldset>
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">No-data settings</legend>
            {numberField('no_data', 'hours', 'Alert after this many UTC hours in a row with nothing recorded. Default 2.')}
          </fieldset>
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Schedule and notifications</legend>
            <SelectField name="intervalMinutes" label="Evaluate every" value={values.intervalMinutes || String(MONITOR_DEFAULTS.intervalMinutes)} errors={errors}
              options={MONITOR_INTERVALS.map((m) => ({ value: String(m), label: intervalLabel(m) }))} />
            <TextField name="consecutive" label={LABELS.consecutive ?? ''} value={values.consecutive} maxLength={3} errors={errors} hint="1 to 24. Default 1: the first breach alerts." />
            <TextField name="cooldownHours" label={LABELS.cooldownHours ?? ''} value={values.cooldownHours} maxLength={6} errors={errors} hint="No new alert for this long after one resolves, so a flapping metric does not flood you. Default 6." />
            <TextArea name="recipients" label={LABELS.recipients ?? ''} value={values.recipients} maxLength={6000} errors={errors} hint="One email address per line (at most 20). They are told when an alert opens and when it resolves." />
            <Checkbox name="sendWebhook" label="Also send monitor.alert_opened and monitor.alert_resolved to the organization’s webhooks" checked={values.sendWebhook ?? false} />
            <Checkbox name="enabled" label="Enabled (a paused monitor is not evaluated)" checked={values.enabled ?? true} />
          </fieldset>
          <button type="submit" class="usa-button">Save</button>
          <a class="usa-button usa-button--unstyled" href={mode.monitor ? `/monitors/${mode.monitor.id}` : '/monitors'}>Cancel</a>
        </form>
      </>
    ), errors || message ? 400 : 200)
  }

  app.get<{ Querystring: { siteId?: string; journeyId?: string } }>('/monitors/new', async (request, reply) => {
    const { siteId, journeyId } = request.query
    const target = siteId ? `site:${siteId}` : journeyId ? `journey:${journeyId}` : undefined
    return monitorForm(request, reply, { title: 'Add a monitor', action: '/monitors' }, {
      target, metric: journeyId ? 'journey_completion' : 'pageviews', rule: journeyId ? 'threshold' : 'seasonal', parameters: {}, enabled: true,
    })
  })

  app.post('/monitors', async (request, reply) => {
    const values = valuesFromForm(asForm(request.body))
    const result = await attempt(() => createMonitor(db, requireActor(request), parseWith(MonitorCreateInput, inputFromValues(values, true))))
    if (!result.ok) return monitorForm(request, reply, { title: 'Add a monitor', action: '/monitors' }, values, formErrors(result.fields, values.rule), result.message)
    return redirectWithFlash(request, reply, `/monitors/${result.value.id}`, `Added the monitor ${result.value.name}. It is evaluated within five minutes.`)
  })

  app.get<{ Params: { id: string }; Querystring: { page?: string } }>('/monitors/:id', async (request, reply) => {
    const actor = requireActor(request)
    const monitor = await getMonitor(db, actor, request.params.id)
    const can = monitorAbilities(actor, monitor)
    const page = Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1)
    const [alerts, chart] = await Promise.all([listAlerts(db, actor, monitor.id, { page, pageSize: ALERTS_PAGE_SIZE }), chartData(runtime, monitor)])
    const open = alerts.items.find((a) => a.id === monitor.state.openAlertId)
    return sendPage(request, reply, monitor.name, (csrf) => (
      <>
        <h1>{monitor.name}</h1>
        {monitor.state.status === 'alerting' && (
          <div class="usa-alert usa-alert--error usa-alert--slim" role="region" aria-label="Open alert">
            <div class="usa-alert__body"><p class="usa-alert__text">Alerting since {utc(open?.openedAt ?? monitor.state.lastEvaluatedAt)}: {open?.message ?? monitor.state.lastMessage}</p></div>
          </div>
        )}
        {!monitor.enabled && <div class="usa-alert usa-alert--warning usa-alert--slim"><div class="usa-alert__body"><p class="usa-alert__text">This monitor is paused: it is not evaluated.</p></div></div>}
        <SummaryList rows={[
          ['Status', <StatusTag status={monitor.state.status} />],
          ['Watches', monitor.target.kind === 'site' ? <a href={`/sites/${monitor.target.id}`}>{monitor.target.name}</a> : <a href={`/journeys/${monitor.target.id}`}>{monitor.target.name}</a>],
          ['Organization', monitor.organizationName],
          ['Metric', `${METRIC_LABELS[monitor.metric]}${monitor.actionName ? `: ${monitor.actionName}` : ''}`],
          ['Rule', describeRule(monitor.rule, monitor.metric)],
          ['Schedule', `Every ${intervalLabel(monitor.intervalMinutes)}; ${monitor.consecutive === 1 ? 'the first breach alerts' : `${monitor.consecutive} breaches in a row alert`}; cool-down ${monitor.cooldownMinutes / 60} hours`],
          ['Email recipients', monitor.recipients.length === 0 ? 'None' : monitor.recipients.join(', ')],
          ['Webhook', yesNo(monitor.sendWebhook)],
          ['Last evaluated', monitor.state.lastEvaluatedAt ? `${utc(monitor.state.lastEvaluatedAt)} (period from ${utc(monitor.state.lastBucket)})` : 'Not yet'],
          ['Last result', monitor.state.lastOutcome ? `${OUTCOME_LABELS[monitor.state.lastOutcome] ?? monitor.state.lastOutcome}. ${monitor.state.lastMessage ?? ''}` : '—'],
          ['Next evaluation', !monitor.enabled ? '—' : monitor.state.nextEvaluationAt === null ? 'At the next run (within five minutes)' : utc(monitor.state.nextEvaluationAt)],
        ]} />
        {can.manage && (
          <div class="cx-actions">
            <a class="usa-button" href={`/monitors/${monitor.id}/edit`}>Edit</a>
            {monitor.enabled && (
              <form method="post" action={`/monitors/${monitor.id}/evaluate`}>
                <CsrfField token={csrf} />
                <button type="submit" class="usa-button usa-button--outline">Evaluate now</button>
              </form>
            )}
            <form method="post" action={`/monitors/${monitor.id}/enabled`}>
              <CsrfField token={csrf} />
              <input type="hidden" name="enabled" value={monitor.enabled ? 'false' : 'true'} />
              <button type="submit" class="usa-button usa-button--outline">{monitor.enabled ? 'Pause' : 'Resume'}</button>
            </form>
            <form method="post" action={`/monitors/${monitor.id}/delete`}>
              <CsrfField token={csrf} />
              <button type="submit" class="usa-button usa-button--secondary">Delete this monitor</button>
            </form>
          </div>
        )}
        <h2>The metric</h2>
        {chart.error
          ? <EmptyState title="The metric could not be read"><p>{chart.error}</p></EmptyState>
          : <LineChart id="monitor-metric" title={chart.title} description={chart.description} xLabel={chart.xLabel} yLabel={chart.yLabel} points={chart.points}
              marks={chart.marks} marksLabel="Alerts" dense domain={chart.domain} countLabel="Visitors who began" format={(v) => formatMetricValue(monitor.metric, v)} />}
        <h2>Alert history</h2>
        {alerts.total === 0 ? <EmptyState title="No alerts yet" /> : (
          <>
            <AlertTable alerts={alerts.items} metric={monitor.metric} />
            <Pagination path={`/monitors/${monitor.id}`} query={{}} page={page} pageSize={ALERTS_PAGE_SIZE} total={alerts.total} />
          </>
        )}
      </>
    ))
  })

  const editMode = (monitor: MonitorView) => ({ title: `Edit ${monitor.name}`, action: `/monitors/${monitor.id}/edit`, monitor })

  app.get<{ Params: { id: string } }>('/monitors/:id/edit', async (request, reply) => {
    const actor = requireActor(request)
    const monitor = await getMonitor(db, actor, request.params.id)
    if (!monitorAbilities(actor, monitor).manage) throw new Forbidden('Your role does not allow managing this organization’s monitors.')
    return monitorForm(request, reply, editMode(monitor), valuesFromMonitor(monitor))
  })

  app.post<{ Params: { id: string } }>('/monitors/:id/edit', async (request, reply) => {
    const actor = requireActor(request)
    const monitor = await getMonitor(db, actor, request.params.id)
    const values = valuesFromForm(asForm(request.body))
    const result = await attempt(() => updateMonitor(db, actor, monitor.id, parseWith(MonitorUpdateInput, inputFromValues(values, false))))
    if (!result.ok) return monitorForm(request, reply, editMode(monitor), values, formErrors(result.fields, values.rule), result.message)
    return redirectWithFlash(request, reply, `/monitors/${monitor.id}`, 'Saved.')
  })

  app.post<{ Params: { id: string } }>('/monitors/:id/enabled', async (request, reply) => {
    const enabled = formText(asForm(request.body), 'enabled') === 'true'
    const monitor = await updateMonitor(db, requireActor(request), request.params.id, { enabled })
    return redirectWithFlash(request, reply, `/monitors/${monitor.id}`, enabled ? 'Resumed: the monitor is evaluated within five minutes.' : 'Paused.')
  })

  app.post<{ Params: { id: string } }>('/monitors/:id/evaluate', {
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
  }, async (request, reply) => {
    const result = await evaluateMonitorNow(runtime, requireActor(request), request.params.id, { now: new Date(), publicUrl: runtime.config.publicUrl, mailer: runtime.mailer })
    const what = result.alreadyJudged ? 'This period was already judged; nothing changed. ' : result.transition === 'open' ? 'An alert opened. ' : result.transition === 'resolve' ? 'The alert resolved. ' : ''
    return redirectWithFlash(request, reply, `/monitors/${result.monitorId}`, `${what}${OUTCOME_LABELS[result.verdict.status] ?? ''}: ${result.message}`)
  })

  app.post<{ Params: { id: string } }>('/monitors/:id/delete', async (request, reply) => {
    const actor = requireActor(request)
    const monitor = await getMonitor(db, actor, request.params.id)
    await deleteMonitor(db, actor, monitor.id)
    return redirectWithFlash(request, reply, '/monitors', `Deleted the monitor ${monitor.name}.`)
  })
}

function AlertTable({ alerts, metric }: { alerts: readonly AlertView[]; metric: MonitorMetric }) {
  return (
    <table class="usa-table usa-table--borderless usa-table--stacked width-full">
      <caption class="usa-sr-only">Alerts, newest first</caption>
      <thead><tr><th scope="col">Opened</th><th scope="col">Value</th><th scope="col">Expected</th><th scope="col">Why</th><th scope="col">Resolved</th></tr></thead>
      <tbody>{alerts.map((a) => (
        <tr key={a.id}>
          <th scope="row" data-label="Opened">{utc(a.openedAt)}</th>
          <td data-label="Value">{formatMetricValue(metric, a.value)}</td>
          <td data-label="Expected">{formatMetricValue(metric, a.expected)}</td>
          <td data-label="Why">{a.message}</td>
          <td data-label="Resolved">{a.resolvedAt ? `${utc(a.resolvedAt)}${a.resolveMessage ? `: ${a.resolveMessage}` : ''}` : 'Open'}</td>
        </tr>
      ))}</tbody>
    </table>
  )
}

interface ChartData {
  title: string
  description: string
  xLabel: string
  yLabel: string
  points: { label: string; value: number | null; n?: number | null }[]
  marks: ChartMark[]
  domain: [number, number]
  error?: string
}

/** The watched metric over the last few days, with the monitor's alerts marked in the bucket they fell in. */
async function chartData(runtime: Runtime, monitor: MonitorView): Promise<ChartData> {
  const daily = monitor.metric === 'journey_completion'
  const size = bucketSizeMs(monitor.metric)
  const last = judgedBucket(monitor.metric, new Date())
  const count = daily ? CHART_BUCKETS.day : CHART_BUCKETS.hour
  const range = { from: new Date(last.to.getTime() - count * size), to: new Date(last.to.getTime() + size) }
  const label = (at: Date) => (daily ? at.toISOString().slice(0, 10) : `${at.toISOString().slice(5, 10)} ${at.toISOString().slice(11, 13)}:00`)
  const base: ChartData = {
    title: `${METRIC_LABELS[monitor.metric]}${monitor.actionName ? ` (${monitor.actionName})` : ''}, ${daily ? 'last 30 days' : 'last 72 hours'}`,
    description: `The monitored metric on ${monitor.target.name} per ${daily ? 'UTC day' : 'UTC hour'}, the latest period possibly incomplete.`,
    xLabel: daily ? 'Day (UTC)' : 'Hour (UTC)', yLabel: daily ? 'Completion rate' : METRIC_LABELS[monitor.metric].replace(/ per hour$/, ''),
    points: [], marks: [], domain: [0, 1],
  }
  try {
    const [buckets, marks] = await Promise.all([metricBuckets(runtime, monitor, range), monitorAlertMarks(runtime.db, monitor.id, range)])
    const points = buckets.map((b, i) => ({ label: label(new Date(range.from.getTime() + i * size)), value: b.value, ...(daily ? { n: b.volume } : {}) }))
    const max = Math.max(1, ...points.map((p) => p.value ?? 0))
    return {
      ...base, points, domain: [0, daily ? 100 : max * 1.1],
      marks: marks.map((m) => ({ label: label(new Date(Math.floor((m.at.getTime() - range.from.getTime()) / size) * size + range.from.getTime())), text: `${m.kind === 'opened' ? 'Alert opened' : 'Alert resolved'} ${utc(m.at.toISOString())}`, kind: m.kind })),
    }
  } catch (error) {
    return { ...base, error: `The event store did not answer: ${error instanceof Error ? error.message : String(error)}` }
  }
}
