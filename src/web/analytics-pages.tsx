/**
 * Analytics dashboards (A-11 §280.5) for a site and for a service (every active site linked to it that the viewer
 * reads): headline totals, the daily or hourly series with alert marks, breakdowns, key-action value statistics and
 * the last 30 minutes, with a period picker (a GET form) and CSV/JSON downloads under every table. The index lists
 * the sites and measured services the viewer reads. Everything on a dashboard but the last 30 minutes comes from
 * rollups, and all its store queries run at once; one key action's median and 95th percentile need raw events, so
 * they have their own page (values/:name), one click from the values table.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import { alertMarks, type AlertMark } from '../analytics/alerts.ts'
import {
  actionValueSummaryFor, anyEventStored, breakdownFor, checkActionName, chooseGranularity, listMeasuredServices, loadScope, realtimeFor, REALTIME_MINUTES,
  seriesFor, totalsFor, valuesFor, type ActionValueSummary, type AnalyticsScope, type LabelledBreakdownRow, type Realtime, type ScopeKind,
} from '../analytics/metrics.ts'
import { parsePeriod, type Period } from '../analytics/period.ts'
import { listSites } from '../analytics/sites.ts'
import type { BreakdownDimension, Granularity, SeriesPoint, Totals, ValueStats } from '../events/event-store.ts'
import { Invalid } from '../errors.ts'
import { requireActor } from '../http/request-context.ts'
import type { Runtime } from '../runtime.ts'
import { LineChart, type ChartMark } from './charts.tsx'
import { EmptyState, ErrorSummary, Pagination, SelectField, TextField, ScrollTable } from './components.tsx'
import { sendPage } from './render.tsx'

const PAGE_SIZE = 25
const TOP_ROWS = 10
const REALTIME_ROWS = 20
const FULL_EXPORT_LIMIT = 1000

const count = (value: number): string => value.toLocaleString('en-US')
const decimal = (value: number | null): string => (value === null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: 2 }))

interface Breakdown {
  readonly dimension: BreakdownDimension
  readonly title: string
  readonly keyHeading: string
}

const BREAKDOWNS: readonly Breakdown[] = [
  { dimension: 'path', title: 'Pages', keyHeading: 'Page' },
  { dimension: 'referrer_host', title: 'Referrers', keyHeading: 'Referrer host' },
  { dimension: 'device', title: 'Devices', keyHeading: 'Device' },
  { dimension: 'channel', title: 'Channels', keyHeading: 'Channel' },
  { dimension: 'action', title: 'Key actions', keyHeading: 'Key action' },
]
const SITE_BREAKDOWN: Breakdown = { dimension: 'site', title: 'Sites', keyHeading: 'Site' }

type Query = Readonly<Record<string, string | string[] | undefined>>
const first = (query: Query, name: string): string | undefined => {
  const value = query[name]
  return (Array.isArray(value) ? value[0] : value)?.slice(0, 40)
}

interface PeriodForm {
  readonly from: string
  readonly to: string
  readonly granularity: string
}

interface Dashboard {
  readonly period: Period
  readonly granularity: Granularity
  readonly totals: Totals
  readonly series: readonly SeriesPoint[]
  readonly breakdowns: readonly { readonly spec: Breakdown; readonly rows: readonly LabelledBreakdownRow[] }[]
  readonly values: readonly ActionValueSummary[]
  readonly realtime: Realtime
  readonly marks: readonly AlertMark[]
  /** False only when nothing at all has arrived from the scope's sites. */
  readonly everReceived: boolean
}

export async function registerAnalyticsPages(app: FastifyInstance, { db, events }: Runtime): Promise<void> {
  app.get<{ Querystring: Query }>('/analytics', async (request, reply) => {
    const actor = requireActor(request)
    const page = Math.max(1, Number.parseInt(first(request.query, 'page') ?? '1', 10) || 1)
    const [sites, services] = await Promise.all([listSites(db, actor, { page, pageSize: PAGE_SIZE }), listMeasuredServices(db, actor, 1, PAGE_SIZE)])
    return sendPage(request, reply, 'Analytics dashboards', (
      <>
        <h1>Analytics dashboards</h1>
        <p class="usa-intro">Page views, visitors, key actions and their values for each site you can read, and for each service its sites measure (A-11 §280.5).</p>
        <h2>Sites</h2>
        {sites.items.length === 0 ? (
          <EmptyState title="No sites yet"><p>Register a site on the <a href="/sites">Sites</a> page, then add its tracker snippet to the site’s pages.</p></EmptyState>
        ) : (
          <>
            <table class="usa-table usa-table--borderless usa-table--stacked width-full">
              <caption class="usa-sr-only">Sites with a dashboard</caption>
              <thead><tr><th scope="col">Site</th><th scope="col">Host name</th><th scope="col">Organization</th><th scope="col">Status</th></tr></thead>
              <tbody>{sites.items.map((site) => (
                <tr key={site.id}>
                  <th scope="row" data-label="Site"><a href={`/analytics/sites/${site.id}`}>{site.name}</a></th>
                  <td data-label="Host name"><code>{site.domain}</code></td>
                  <td data-label="Organization">{site.organizationName}</td>
                  <td data-label="Status">{site.state === 'active' ? 'Active' : 'Archived'}</td>
                </tr>
              ))}</tbody>
            </table>
            <Pagination path="/analytics" query={{}} page={page} pageSize={PAGE_SIZE} total={sites.total} />
          </>
        )}
        <h2>Services</h2>
        <ServiceList items={services.items} />
        {services.total > services.items.length && <p><a href="/analytics/services">All {count(services.total)} measured services</a></p>}
      </>
    ))
  })

  app.get<{ Querystring: Query }>('/analytics/services', async (request, reply) => {
    const actor = requireActor(request)
    const page = Math.max(1, Number.parseInt(first(request.query, 'page') ?? '1', 10) || 1)
    const services = await listMeasuredServices(db, actor, page, PAGE_SIZE)
    return sendPage(request, reply, 'Measured services', (
      <>
        <h1>Measured services</h1>
        <p class="usa-intro">Services that at least one active site measures. <a href="/analytics">All dashboards</a></p>
        <ServiceList items={services.items} />
        <Pagination path="/analytics/services" query={{}} page={page} pageSize={PAGE_SIZE} total={services.total} />
      </>
    ))
  })

  const dashboard = (kind: ScopeKind) => async (request: FastifyRequest<{ Params: { id: string }; Querystring: Query }>, reply: FastifyReply) => {
    const scope = await loadScope(db, requireActor(request), kind, request.params.id)
    const form: PeriodForm = { from: first(request.query, 'from') ?? '', to: first(request.query, 'to') ?? '', granularity: first(request.query, 'granularity') ?? 'auto' }
    const title = `${scope.name}: analytics`
    let period: Period
    let granularity: Granularity
    try {
      period = parsePeriod(form)
      granularity = chooseGranularity(period, form.granularity)
    } catch (error) {
      if (!(error instanceof Invalid)) throw error
      return sendPage(request, reply, title, (
        <DashboardFrame scope={scope} form={form}>
          <ErrorSummary message={error.message} errors={error.fields} labels={{ from: 'From', to: 'To', granularity: 'Buckets' }} />
        </DashboardFrame>
      ), 400)
    }
    const data = await loadDashboard(scope, period, granularity)
    const shown: PeriodForm = { from: period.from, to: period.to, granularity: form.granularity }
    return sendPage(request, reply, title, (
      <DashboardFrame scope={scope} form={shown}>
        <DashboardBody scope={scope} data={data} />
      </DashboardFrame>
    ))
  }

  async function loadDashboard(scope: AnalyticsScope, period: Period, granularity: Granularity): Promise<Dashboard> {
    const specs = scope.kind === 'service' ? [...BREAKDOWNS, SITE_BREAKDOWN] : BREAKDOWNS
    const [totals, series, breakdowns, values, realtime, marks] = await Promise.all([
      totalsFor(events, scope, period),
      seriesFor(events, scope, period, granularity),
      Promise.all(specs.map(async (spec) => ({ spec, rows: await breakdownFor(events, scope, period, spec.dimension, TOP_ROWS) }))),
      actionValueSummaryFor(events, scope, period, TOP_ROWS),
      realtimeFor(events, scope),
      alertMarks(db, scope.sites.map((s) => s.id), period.range),
    ])
    // Only a scope silent in both the period and the last 30 minutes needs the (scanning) check for any event at all.
    const everReceived = totals.events > 0 || realtime.totals.events > 0 || await anyEventStored(events, scope)
    return { period, granularity, totals, series, breakdowns, values, realtime, marks, everReceived }
  }

  app.get<{ Params: { id: string }; Querystring: Query }>('/analytics/sites/:id', dashboard('site'))
  app.get<{ Params: { id: string }; Querystring: Query }>('/analytics/services/:id', dashboard('service'))

  /** One key action's exact value statistics (median and p95 included) from raw events, for a period. */
  const actionValuesPage = (kind: ScopeKind) => async (request: FastifyRequest<{ Params: { id: string; name: string }; Querystring: Query }>, reply: FastifyReply) => {
    const scope = await loadScope(db, requireActor(request), kind, request.params.id)
    const action = checkActionName(request.params.name)
    const form = { from: first(request.query, 'from') ?? '', to: first(request.query, 'to') ?? '' }
    const title = `${action}: key action values, ${scope.name}`
    let period: Period
    try {
      period = parsePeriod(form)
    } catch (error) {
      if (!(error instanceof Invalid)) throw error
      return sendPage(request, reply, title, (
        <ActionValuesFrame scope={scope} action={action} form={form}>
          <ErrorSummary message={error.message} errors={error.fields} labels={{ from: 'From', to: 'To' }} />
        </ActionValuesFrame>
      ), 400)
    }
    const stats = await valuesFor(events, scope, period, action)
    return sendPage(request, reply, title, (
      <ActionValuesFrame scope={scope} action={action} form={{ from: period.from, to: period.to }}>
        <ActionValuesBody scope={scope} action={action} period={period} stats={stats} />
      </ActionValuesFrame>
    ))
  }
  app.get<{ Params: { id: string; name: string }; Querystring: Query }>('/analytics/sites/:id/values/:name', actionValuesPage('site'))
  app.get<{ Params: { id: string; name: string }; Querystring: Query }>('/analytics/services/:id/values/:name', actionValuesPage('service'))
}

function ServiceList({ items }: { items: readonly { id: string; name: string; organizationName: string; sites: number }[] }) {
  if (items.length === 0) {
    return <EmptyState title="No measured services yet"><p>Link a site to the services it serves on the site’s edit page; the service’s dashboard then adds up those sites.</p></EmptyState>
  }
  return (
    <table class="usa-table usa-table--borderless usa-table--stacked width-full">
      <caption class="usa-sr-only">Services with a dashboard</caption>
      <thead><tr><th scope="col">Service</th><th scope="col">Organization</th><th scope="col">Active sites</th></tr></thead>
      <tbody>{items.map((service) => (
        <tr key={service.id}>
          <th scope="row" data-label="Service"><a href={`/analytics/services/${service.id}`}>{service.name}</a></th>
          <td data-label="Organization">{service.organizationName}</td>
          <td data-label="Active sites">{count(service.sites)}</td>
        </tr>
      ))}</tbody>
    </table>
  )
}

const apiBase = (scope: AnalyticsScope) => `/api/v1/analytics/${scope.kind}s/${scope.id}`

function DashboardFrame({ scope, form, children }: { scope: AnalyticsScope; form: PeriodForm; children: ComponentChildren }) {
  const path = `/analytics/${scope.kind}s/${scope.id}`
  const today = new Date()
  const daysBack = (days: number) => new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10)
  const quick = [7, 30, 90, 365].map((days) => ({ days, href: `${path}?from=${daysBack(days)}&to=${today.toISOString().slice(0, 10)}` }))
  return (
    <>
      <h1>{scope.name}: analytics</h1>
      <p>
        {scope.kind === 'site' ? 'Site' : 'Service'} of {scope.organizationName}.{' '}
        {scope.kind === 'site'
          ? <a href={`/sites/${scope.id}`}>Site details and tracker snippet</a>
          : <a href={`/services/${scope.id}`}>Service details</a>}
        {' · '}<a href="/analytics">All dashboards</a>
      </p>
      {scope.archived && (
        <div class="usa-alert usa-alert--warning usa-alert--slim"><div class="usa-alert__body"><p class="usa-alert__text">This site is archived: it is no longer measured. Its history stays.</p></div></div>
      )}
      {scope.kind === 'service' && scope.sites.length > 0 && (
        <p>Measured by {scope.sites.length === 1 ? 'one site' : `${scope.sites.length} sites`}: {scope.sites.map((s, i) => <span key={s.id}>{i > 0 && ', '}<a href={`/analytics/sites/${s.id}`}>{s.name}</a></span>)}.</p>
      )}
      <section aria-labelledby="period-heading">
        <h2 id="period-heading" class="usa-sr-only">Period</h2>
        <form class="usa-form cx-filters" method="get" action={path}>
          <TextField name="from" label="From (UTC)" type="date" value={form.from} />
          <TextField name="to" label="To (UTC, included)" type="date" value={form.to} />
          <SelectField name="granularity" label="Buckets" value={form.granularity}
            options={[{ value: 'auto', label: 'Automatic' }, { value: 'day', label: 'Daily' }, { value: 'hour', label: 'Hourly (up to 31 days)' }]} />
          <button type="submit" class="usa-button">Show</button>
        </form>
        <p>Quick periods: {quick.map((q, i) => <span key={q.days}>{i > 0 && ' · '}<a href={q.href}>Last {q.days} days</a></span>)}</p>
      </section>
      {children}
    </>
  )
}

function Downloads({ href, what }: { href: string; what: string }) {
  const join = href.includes('?') ? '&' : '?'
  return (
    <p class="cx-downloads">
      Download {what}: <a href={`${href}${join}format=csv`}>CSV<span class="usa-sr-only"> of {what}</span></a>
      {' · '}<a href={`${href}${join}format=json`}>JSON<span class="usa-sr-only"> of {what}</span></a>
    </p>
  )
}

function DashboardBody({ scope, data }: { scope: AnalyticsScope; data: Dashboard }) {
  const { period, totals, realtime } = data
  const periodQuery = `from=${period.from}&to=${period.to}`
  if (scope.sites.length === 0) {
    return (
      <EmptyState title="No site measures this service yet">
        <p>Open a site of this service’s organization on the <a href="/sites">Sites</a> page, link it to this service, and add its tracker snippet to the site’s pages.</p>
      </EmptyState>
    )
  }
  if (!data.everReceived) {
    return (
      <EmptyState title="No events yet: add the snippet">
        <p>Nothing has arrived from {scope.sites.length === 1 ? 'this site' : 'these sites'} yet. Paste the tracker snippet into every page, before <code>&lt;/body&gt;</code>:</p>
        <ul class="usa-list">{scope.sites.map((s) => <li key={s.id}><a href={`/sites/${s.id}`}>Tracker snippet for {s.name}</a></li>)}</ul>
      </EmptyState>
    )
  }
  const base = apiBase(scope)
  const periodText = period.from === period.to ? period.from : `${period.from} to ${period.to}`
  return (
    <>
      <section aria-labelledby="totals-heading">
        <h2 id="totals-heading">{periodText} (UTC)</h2>
        {totals.events === 0 && <p class="usa-alert__text">No events in this period. Choose another period, or check that the snippet is still on the site’s pages.</p>}
        <dl class="cx-stats">
          {([['Page views', totals.pageviews], ['Visitors', totals.visitors], ['Sessions', totals.sessions], ['Key actions', totals.actions]] as const).map(([label, value]) => (
            <div class="cx-stats__item" key={label}><dt>{label}</dt><dd>{count(value)}</dd></div>
          ))}
        </dl>
        <p class="usa-hint">Visitors are counted per UTC day (visitor ids change daily), so a period’s visitors add up its days’ visitors.</p>
        <Downloads href={`${base}/totals?${periodQuery}`} what="totals" />
      </section>
      <SeriesSection scope={scope} data={data} />
      <Downloads href={`${base}/series?${periodQuery}&granularity=${data.granularity}`} what={`the ${data.granularity === 'hour' ? 'hourly' : 'daily'} series`} />
      <div class="cx-dashboard-grid">
        {data.breakdowns.map(({ spec, rows }) => (
          <section key={spec.dimension} aria-labelledby={`breakdown-${spec.dimension}-heading`}>
            <h2 id={`breakdown-${spec.dimension}-heading`}>{spec.title}</h2>
            <BreakdownTable spec={spec} rows={rows} />
            <Downloads href={`${base}/breakdown/${spec.dimension}?${periodQuery}&limit=${FULL_EXPORT_LIMIT}`} what={`${spec.title.toLowerCase()} (top ${FULL_EXPORT_LIMIT})`} />
          </section>
        ))}
      </div>
      <section aria-labelledby="values-heading">
        <h2 id="values-heading">Key action values</h2>
        <ValuesTable scope={scope} period={period} rows={data.values} />
        <Downloads href={`${base}/values?${periodQuery}&limit=100`} what="key action values" />
      </section>
      <RealtimePanel scope={scope} realtime={realtime} />
    </>
  )
}

const bucketLabel = (bucket: Date, granularity: Granularity): string =>
  (granularity === 'day' ? bucket.toISOString().slice(0, 10) : `${bucket.toISOString().slice(0, 13).replace('T', ' ')}:00`)

/** Alert marks inside the period, each in the bucket its time falls in. */
function marksOnSeries(marks: readonly AlertMark[], series: readonly SeriesPoint[], granularity: Granularity): ChartMark[] {
  const step = granularity === 'day' ? 86_400_000 : 3_600_000
  const first = series[0]?.bucket.getTime()
  if (first === undefined) return []
  return marks.flatMap((mark) => {
    const index = Math.floor((mark.at.getTime() - first) / step)
    const point = series[index]
    return point ? [{ label: bucketLabel(point.bucket, granularity), text: mark.label, kind: mark.kind }] : []
  })
}

function SeriesSection({ scope, data }: { scope: AnalyticsScope; data: Dashboard }) {
  const { series, granularity } = data
  const points = series.map((p) => ({ label: bucketLabel(p.bucket, granularity), value: p.pageviews }))
  const peak = Math.max(0, ...series.map((p) => p.pageviews))
  const unit = granularity === 'day' ? 'day' : 'hour'
  return (
    <section aria-labelledby="series-heading">
      <h2 id="series-heading">Page views by {unit}</h2>
      <LineChart id="series" title={`Page views by ${unit} (UTC), ${scope.name}`} xLabel={granularity === 'day' ? 'Day (UTC)' : 'Hour (UTC)'} yLabel="Page views"
        description={`Page views for each ${unit} from ${data.period.from} to ${data.period.to}, highest ${count(peak)}.`}
        points={points} domain={[0, Math.max(1, peak)]} format={(v) => count(v)} integerTicks dense={points.length > 16}
        marks={marksOnSeries(data.marks, series, granularity)} marksLabel="Alerts"
        extraColumns={[
          { heading: 'Visitors', cells: series.map((p) => count(p.visitors)) },
          { heading: 'Sessions', cells: series.map((p) => count(p.sessions)) },
          { heading: 'Key actions', cells: series.map((p) => count(p.actions)) },
        ]} />
    </section>
  )
}


function BreakdownTable({ spec, rows }: { spec: Breakdown; rows: readonly LabelledBreakdownRow[] }) {
  if (rows.length === 0) return <p>No {spec.title.toLowerCase()} in this period.</p>
  return (
    <ScrollTable fullWidth id={`breakdown-${spec.dimension}`} caption={`Top ${spec.title.toLowerCase()} by page views`}>
      <thead>
        <tr><th scope="col">{spec.keyHeading}</th><th scope="col">Page views</th><th scope="col">Visitors</th><th scope="col">Key actions</th><th scope="col">Events</th></tr>
      </thead>
      <tbody>{rows.map((row) => (
        <tr key={row.key}>
          <th scope="row" class="cx-break">{spec.dimension === 'site' ? <a href={`/analytics/sites/${row.key}`}>{row.label}</a> : row.label}</th>
          <td>{count(row.pageviews)}</td><td>{count(row.visitors)}</td><td>{count(row.actions)}</td><td>{count(row.events)}</td>
        </tr>
      ))}</tbody>
    </ScrollTable>
  )
}

/** The detail page of one key action's values (median and p95 from raw events), for the same period. */
const actionValuesHref = (scope: AnalyticsScope, action: string, period: { from: string; to: string }) =>
  `/analytics/${scope.kind}s/${scope.id}/values/${encodeURIComponent(action)}?from=${period.from}&to=${period.to}`

function ValuesTable({ scope, period, rows }: { scope: AnalyticsScope; period: Period; rows: readonly ActionValueSummary[] }) {
  if (rows.length === 0) return <p>No key actions in this period. Declare them in the site’s markup, for example <code>data-cx-event="apply_start" data-cx-value="12.5"</code>.</p>
  return (
    <>
      <ScrollTable fullWidth id="values" caption={`Values of the ${rows.length === 1 ? 'key action' : `${rows.length} key actions with the most values`}`}>
        <thead>
          <tr>
            <th scope="col">Key action</th><th scope="col">Occurrences</th><th scope="col">With a value</th><th scope="col">Sum</th><th scope="col">Mean</th>
            <th scope="col">Minimum</th><th scope="col">Maximum</th>
          </tr>
        </thead>
        <tbody>{rows.map((row) => (
          <tr key={row.action}>
            {/* '(none)' groups actions sent without a name: there is no name to look up. */}
            <th scope="row" class="cx-break">{row.action === '(none)' ? row.action : <a href={actionValuesHref(scope, row.action, period)}>{row.action}</a>}</th>
            <td>{count(row.occurrences)}</td><td>{count(row.count)}</td><td>{decimal(row.count === 0 ? null : row.sum)}</td>
            <td>{decimal(row.mean)}</td><td>{decimal(row.min)}</td><td>{decimal(row.max)}</td>
          </tr>
        ))}</tbody>
      </ScrollTable>
      <p class="usa-hint">Select a key action for its median and 95th percentile, computed exactly from the stored events.</p>
    </>
  )
}

function ActionValuesFrame({ scope, action, form, children }: { scope: AnalyticsScope; action: string; form: { from: string; to: string }; children: ComponentChildren }) {
  const dashboard = `/analytics/${scope.kind}s/${scope.id}`
  const back = form.from !== '' && form.to !== '' ? `${dashboard}?from=${encodeURIComponent(form.from)}&to=${encodeURIComponent(form.to)}` : dashboard
  return (
    <>
      <nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          <li class="usa-breadcrumb__list-item"><a href="/analytics" class="usa-breadcrumb__link"><span>Analytics dashboards</span></a></li>
          <li class="usa-breadcrumb__list-item"><a href={back} class="usa-breadcrumb__link"><span>{scope.name}</span></a></li>
          <li class="usa-breadcrumb__list-item usa-current" aria-current="page"><span>{action}</span></li>
        </ol>
      </nav>
      <h1>Values of the key action “{action}”</h1>
      <p>{scope.kind === 'site' ? 'Site' : 'Service'} {scope.name}, of {scope.organizationName}. <a href={back}>Back to the dashboard</a></p>
      <section aria-labelledby="period-heading">
        <h2 id="period-heading" class="usa-sr-only">Period</h2>
        <form class="usa-form cx-filters" method="get" action={`${dashboard}/values/${encodeURIComponent(action)}`}>
          <TextField name="from" label="From (UTC)" type="date" value={form.from} />
          <TextField name="to" label="To (UTC, included)" type="date" value={form.to} />
          <button type="submit" class="usa-button">Show</button>
        </form>
      </section>
      {children}
    </>
  )
}

function ActionValuesBody({ scope, action, period, stats }: { scope: AnalyticsScope; action: string; period: Period; stats: ValueStats }) {
  if (scope.sites.length === 0) {
    return <EmptyState title="No site measures this service yet"><p>Link a site to this service on the site’s edit page; its key actions then count here.</p></EmptyState>
  }
  const periodText = period.from === period.to ? period.from : `${period.from} to ${period.to}`
  const rows: readonly (readonly [string, string])[] = [
    ['Values recorded', count(stats.count)], ['Sum', decimal(stats.count === 0 ? null : stats.sum)], ['Mean', decimal(stats.mean)], ['Median', decimal(stats.median)],
    ['Minimum', decimal(stats.min)], ['Maximum', decimal(stats.max)], ['95th percentile', decimal(stats.p95)],
  ]
  return (
    <section aria-labelledby="action-values-heading">
      <h2 id="action-values-heading">{periodText} (UTC)</h2>
      {stats.count === 0 && <p>No value of “{action}” was recorded in this period. Choose another period, or check that the key action sends one (<code>data-cx-value</code>).</p>}
      <ScrollTable fullWidth id="action-values" caption={`Statistics of the values of “${action}”`}>
        <thead><tr><th scope="col">Statistic</th><th scope="col">Value</th></tr></thead>
        <tbody>{rows.map(([label, value]) => <tr key={label}><th scope="row">{label}</th><td>{value}</td></tr>)}</tbody>
      </ScrollTable>
      <p class="usa-hint">
        Computed from the stored events when the page loads; the median and 95th percentile interpolate between the two nearest values.
        The dashboard’s figures come from daily summaries instead: they can trail by a minute, and keep counting days whose events the retention period has deleted.
      </p>
      <Downloads href={`${apiBase(scope)}/values/${encodeURIComponent(action)}?from=${period.from}&to=${period.to}`} what={`the values of “${action}”`} />
    </section>
  )
}

const EVENT_LABELS: Readonly<Record<string, string>> = { pageview: 'Page view', action: 'Key action', outbound: 'Outbound link', form_submit: 'Form submitted' }

function RealtimePanel({ scope, realtime }: { scope: AnalyticsScope; realtime: Realtime }) {
  const time = (date: Date) => `${date.toISOString().slice(11, 19)}`
  const names = new Map(scope.sites.map((s) => [s.id, s.name]))
  const rows = realtime.events.slice(0, REALTIME_ROWS)
  return (
    <section class="cx-realtime" aria-labelledby="realtime-heading">
      <h2 id="realtime-heading">Last {REALTIME_MINUTES} minutes</h2>
      <p>
        {count(realtime.totals.pageviews)} page view{realtime.totals.pageviews === 1 ? '' : 's'}, {count(realtime.totals.visitors)} visitor{realtime.totals.visitors === 1 ? '' : 's'} and{' '}
        {count(realtime.totals.actions)} key action{realtime.totals.actions === 1 ? '' : 's'} between {time(realtime.from)} and {time(realtime.to)} UTC. Reload the page to update.
      </p>
      {rows.length === 0 ? <p>No events in the last {REALTIME_MINUTES} minutes.</p> : (
        <ScrollTable fullWidth id="realtime" caption={`The ${rows.length === 1 ? 'latest event' : `${rows.length} latest events`}, newest first`}>
          <thead>
            <tr><th scope="col">Time (UTC)</th><th scope="col">Event</th>{scope.sites.length > 1 && <th scope="col">Site</th>}<th scope="col">Page</th><th scope="col">Name</th><th scope="col">Value</th></tr>
          </thead>
          <tbody>{rows.map((event, i) => (
            <tr key={i}>
              <th scope="row">{time(event.ts)}</th><td>{EVENT_LABELS[event.eventType] ?? event.eventType}</td>
              {scope.sites.length > 1 && <td>{names.get(event.siteId) ?? event.siteId}</td>}
              <td class="cx-break">{event.path ?? '—'}</td><td class="cx-break">{event.name ?? '—'}</td><td>{decimal(event.value)}</td>
            </tr>
          ))}</tbody>
        </ScrollTable>
      )}
      <Downloads href={`${apiBase(scope)}/realtime`} what={`the last ${REALTIME_MINUTES} minutes`} />
    </section>
  )
}
