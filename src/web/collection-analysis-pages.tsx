/**
 * Reading quarterly collections side by side (staff pages): a quarter compared across services and channels, the
 * Annual Performance Plan/Report download, and the volumes CSV import; plus the driver analysis and trend sections of
 * a collection's page. Registered by `registerCollectionPages`.
 */
import type { FastifyInstance } from 'fastify'
import { CHANNEL_LABELS, type Channel } from '../a11/channels.ts'
import type { DriverAnalysis } from '../a11/driver-analysis.ts'
import { fiscalQuarterOf, formatFiscalQuarter, type FiscalQuarter } from '../a11/fiscal-year.ts'
import type { Share } from '../a11/scoring.ts'
import { listOrganizations } from '../catalog/index.ts'
import { requireActor } from '../http/request-context.ts'
import {
  compareQuarter, COLLECTION_STATE_LABELS, importVolumesCsv, MAX_VOLUME_ROWS, previousQuarter, VOLUME_CSV_COLUMNS, VOLUME_TEMPLATE_EXTRA_COLUMNS,
  type CollectionTrend, type GroupFigures, type QuarterComparison, type VolumeImportReport,
} from '../reporting/index.ts'
import { uploadedCsv } from '../http/collection-routes.ts'
import type { Runtime } from '../runtime.ts'
import { BarChart, LineChart, percent } from './charts.tsx'
import { CsrfField, CsvFileField, EmptyState, ErrorSummary, ImportProblems, ScrollTable, SelectField } from './components.tsx'
import { asForm, attempt } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'
import { DRIVER_LABELS } from './survey-data-pages.tsx'

const count = (value: number | null): string => (value === null ? '—' : value.toLocaleString('en-US'))
const shareText = (share: Share): string => (share.share === null ? '—' : `${percent(share.share)} (${share.count.toLocaleString('en-US')} of ${share.n.toLocaleString('en-US')})`)
const intervalText = (share: Share): string => (share.interval ? `${percent(share.interval.lower)} – ${percent(share.interval.upper)}` : '—')
const meanText = (figures: Pick<GroupFigures, 'likertMean'>): string => (figures.likertMean.mean === null ? '—' : `${figures.likertMean.mean.toFixed(2)} (n = ${count(figures.likertMean.n)})`)
const rateText = (figures: Pick<GroupFigures, 'responseRate'>): string => (figures.responseRate.rate === null ? '—' : percent(figures.responseRate.rate))
/** A difference of shares in percentage points, signed. */
const points = (value: number): string => `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value * 100).toFixed(1)} points`
const channelLabel = (channel: string): string => CHANNEL_LABELS[channel as Channel] ?? channel
const fiscalYears = (last: number): number[] => Array.from({ length: Math.max(1, last - 2020 + 1) }, (_, i) => last - i)

const wholeIn = (value: string | undefined, min: number, max: number): number | undefined => {
  const n = Number(value)
  return value && /^\d+$/.test(value) && n >= min && n <= max ? n : undefined
}

export async function registerCollectionAnalysisPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  const { db } = runtime

  app.get<{ Querystring: { fiscalYear?: string; quarter?: string } }>('/collections/compare', async (request, reply) => {
    const actor = requireActor(request)
    const fallback = previousQuarter(fiscalQuarterOf(new Date()))
    const quarter: FiscalQuarter = {
      fiscalYear: wholeIn(request.query.fiscalYear, 2018, 2100) ?? fallback.fiscalYear,
      quarter: (wholeIn(request.query.quarter, 1, 4) ?? fallback.quarter) as 1 | 2 | 3 | 4,
    }
    const comparison = await compareQuarter(db, actor, quarter)
    const years = fiscalYears(Math.max(fiscalQuarterOf(new Date()).fiscalYear, quarter.fiscalYear))
    return sendPage(request, reply, `Compare ${formatFiscalQuarter(quarter)}`, <ComparePage comparison={comparison} years={years} />)
  })

  app.get('/collections/app-report', async (request, reply) => {
    const actor = requireActor(request)
    const organizations = await listOrganizations(db, actor)
    const current = fiscalQuarterOf(new Date()).fiscalYear
    return sendPage(request, reply, 'Annual Performance Plan export', (
      <AppReportPage organizations={organizations.map((o) => ({ value: o.id, label: `${'— '.repeat(o.depth)}${o.name}${o.abbreviation ? ` (${o.abbreviation})` : ''}` }))} years={fiscalYears(current)} />
    ))
  })

  app.get('/collections/volumes', async (request, reply) => {
    requireActor(request)
    return sendPage(request, reply, 'Import volumes', (csrf) => <VolumesImportPage csrf={csrf} />)
  })

  app.post('/collections/volumes', async (request, reply) => {
    const actor = requireActor(request)
    const text = uploadedCsv(asForm(request.body)) ?? ''
    if (text.trim() === '') return sendPage(request, reply, 'Import volumes', (csrf) => <VolumesImportPage csrf={csrf} message="Choose a CSV file to import." />, 400)
    const result = await attempt(() => importVolumesCsv(db, actor, text))
    if (!result.ok) return sendPage(request, reply, 'Import volumes', (csrf) => <VolumesImportPage csrf={csrf} message={result.message} />, 400)
    if (!result.value.ok) return sendPage(request, reply, 'Import volumes', (csrf) => <VolumesImportPage csrf={csrf} report={result.value} />, 400)
    const { rows, collections } = result.value
    return redirectWithFlash(request, reply, '/collections', `Volumes saved for ${rows} survey${rows === 1 ? '' : 's'} in ${collections} collection${collections === 1 ? '' : 's'}.`)
  })
}

function ComparePage({ comparison: c, years }: { comparison: QuarterComparison; years: readonly number[] }) {
  return (
    <>
      <p><a href="/collections">Quarterly collections</a></p>
      <h1>Compare {c.label}</h1>
      <p class="usa-intro">The quarter's collections you can read, side by side: each service, and every survey grouped by channel. Shares are counts over respondents, with 95% Wilson intervals; groups are added up from counts, not averaged.</p>
      <form class="usa-form cx-filters" method="get" action="/collections/compare" aria-label="Choose a fiscal quarter">
        <SelectField name="fiscalYear" label="Fiscal year" value={String(c.fiscalYear)} options={years.map((y) => ({ value: String(y), label: `FY${y}` }))} />
        <SelectField name="quarter" label="Quarter" value={String(c.quarter)} options={[1, 2, 3, 4].map((n) => ({ value: String(n), label: `Q${n}` }))} />
        <button class="usa-button" type="submit">Compare</button>
      </form>
      {c.services.length === 0 ? (
        <EmptyState title="No collections">You can read no collection for {c.label}. Collections are made at the start of each quarter for every designated service.</EmptyState>
      ) : (
        <>
          <p>All {c.services.length} collection{c.services.length === 1 ? '' : 's'} together: {count(c.overall.respondents)} respondents, trust {shareText(c.overall.trust)}, 95% interval {intervalText(c.overall.trust)}.</p>
          <h2>Across services</h2>
          <ScrollTable id="compare-services" caption={`${c.label} by service`}>
            <thead>
              <tr>
                <th scope="col">Service</th><th scope="col">HISP</th><th scope="col">State</th><th scope="col">Surveys</th><th scope="col">Respondents</th>
                <th scope="col">Trust</th><th scope="col">95% interval</th><th scope="col">Likert mean</th><th scope="col">Response rate</th>
              </tr>
            </thead>
            <tbody>
              {c.services.map((s) => (
                <tr key={s.collectionId}>
                  <th scope="row"><a href={`/collections/${s.collectionId}`}>{s.serviceName}</a></th>
                  <td>{s.hispName}</td><td>{COLLECTION_STATE_LABELS[s.state]}</td><td>{count(s.surveys)}</td><td>{count(s.respondents)}</td>
                  <td>{shareText(s.trust)}</td><td>{intervalText(s.trust)}</td><td>{meanText(s)}</td><td>{rateText(s)}</td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
          <h2>Across channels</h2>
          {c.channels.length === 0 ? <p>No survey collected responses in {c.label}.</p> : (
            <>
              <BarChart id="compare-channels-chart" title={`Trust by channel, ${c.label}`} xLabel="Channel" yLabel="Trust share"
                description={`Share of respondents who agreed with the trust statement, for each channel's surveys across the ${c.services.length} collections.`}
                countLabel="Respondents who answered"
                bars={c.channels.map((ch) => ({ label: channelLabel(ch.channel), value: ch.trust.share, lower: ch.trust.interval?.lower ?? null, upper: ch.trust.interval?.upper ?? null, n: ch.trust.n }))} />
              <ScrollTable id="compare-channels" caption={`${c.label} by channel`}>
                <thead>
                  <tr>
                    <th scope="col">Channel</th><th scope="col">Surveys</th><th scope="col">Collections</th><th scope="col">Respondents</th>
                    <th scope="col">Trust</th><th scope="col">95% interval</th><th scope="col">Likert mean</th><th scope="col">Response rate</th>
                  </tr>
                </thead>
                <tbody>
                  {c.channels.map((ch) => (
                    <tr key={ch.channel}>
                      <th scope="row">{channelLabel(ch.channel)}</th><td>{count(ch.surveys)}</td><td>{count(ch.collections)}</td><td>{count(ch.respondents)}</td>
                      <td>{shareText(ch.trust)}</td><td>{intervalText(ch.trust)}</td><td>{meanText(ch)}</td><td>{rateText(ch)}</td>
                    </tr>
                  ))}
                </tbody>
              </ScrollTable>
            </>
          )}
        </>
      )}
      <p>Response rate: respondents ÷ customers offered the survey (entered, else recorded offers); shown only when every survey in the group has a figure.</p>
      <p><a href={`/api/v1/collections/compare?fiscalYear=${c.fiscalYear}&quarter=${c.quarter}`}>This comparison as JSON</a></p>
    </>
  )
}

function AppReportPage({ organizations, years }: { organizations: readonly { value: string; label: string }[]; years: readonly number[] }) {
  return (
    <>
      <p><a href="/collections">Quarterly collections</a></p>
      <h1>Annual Performance Plan export</h1>
      <p class="usa-intro">
        The agency's CX indicators for its Annual Performance Plan and Report: one row per designated service and fiscal quarter with the collection's state and
        rating, respondents, trust with its 95% interval, Likert mean, response rate, each driver's share per branch, and the actions taken (the HISP's reflection).
      </p>
      <div class="usa-alert usa-alert--info usa-alert--slim" role="status"><div class="usa-alert__body"><p class="usa-alert__text">
        This file is for the agency's own use: it includes the reflections, which are not published.
      </p></div></div>
      {organizations.length === 0 ? <EmptyState title="No organization">You can read no organization.</EmptyState> : (
        <form class="usa-form usa-form--large" method="get" action="/api/v1/reports/app">
          <SelectField name="organizationId" label="Agency (with every organization under it)" options={organizations} required />
          <SelectField name="fiscalYear" label="Fiscal year" value={String(years[0])} options={years.map((y) => ({ value: String(y), label: `FY${y}` }))} required />
          <SelectField name="format" label="Format" value="csv" options={[{ value: 'csv', label: 'CSV' }, { value: 'xlsx', label: 'Excel workbook (XLSX)' }, { value: 'json', label: 'JSON' }]} required />
          <button class="usa-button" type="submit">Download</button>
        </form>
      )}
    </>
  )
}

function VolumesImportPage({ csrf, message, report }: { csrf: string; message?: string; report?: VolumeImportReport }) {
  const quarter = previousQuarter(fiscalQuarterOf(new Date()))
  return (
    <>
      <p><a href="/collections">Quarterly collections</a></p>
      <h1>Import volumes from CSV</h1>
      <p class="usa-intro">Enter the customers and the customers offered the survey for many collections at once. Every row is checked first; if any row has a problem, nothing is saved and each problem is listed with its line.</p>
      <ErrorSummary message={message} />
      {report && !report.ok && <ImportProblems errors={report.errors} outcome="Nothing was saved" />}
      <form class="usa-form" method="post" action="/collections/volumes" encType="multipart/form-data">
        <CsrfField token={csrf} />
        <CsvFileField maxRows={MAX_VOLUME_ROWS} />
        <button type="submit" class="usa-button">Check and save volumes</button>
      </form>
      <h2>Columns</h2>
      <p class="cx-pre"><code>{VOLUME_CSV_COLUMNS.join(',')}</code></p>
      <ul class="usa-list">
        <li><code>collection_id</code> and <code>survey_id</code>: one row per survey of a collection (a collection has one survey per A-11 survey that collected responses in the quarter). Each pair once.</li>
        <li><code>volume_of_customers</code>: required, a whole number (thousands separators allowed).</li>
        <li><code>volume_offered</code>: a whole number, or empty to use the offers cx280 recorded. Leaving the column out empties it on every row.</li>
        <li>Checks as on the collection page: respondents ≤ offered ≤ customers; the collection must be a draft or have changes requested, and you must be able to edit its service.</li>
        <li>The template's other columns ({VOLUME_TEMPLATE_EXTRA_COLUMNS.join(', ')}) help you fill it in and are ignored.</li>
      </ul>
      <p><a href={`/api/v1/collections/volumes.csv?fiscalYear=${quarter.fiscalYear}&quarter=${quarter.quarter}`}>Download a template for {formatFiscalQuarter(quarter)}</a> (the surveys of the collections you may edit, with the volumes entered so far).</p>
    </>
  )
}

/** The driver analysis of a collection's surveys together: a table, or why there is none. */
export function DriverAnalysisSection({ analysis }: { analysis: DriverAnalysis }) {
  const cited = (share: Share) => (share.share === null ? '—' : `${percent(share.share)} (${count(share.count)} of ${count(share.n)})`)
  return (
    <>
      <h2>Driver analysis</h2>
      <p>
        Which drivers most separate trusting from non-trusting respondents: the share of trusting respondents who said a driver went well, against the share of
        non-trusting respondents who said it needs improvement, with a 95% interval for the difference (Newcombe's hybrid score method). A difference is clear when
        its interval leaves out zero; drivers are ranked by how far the interval stays from zero.
      </p>
      {!analysis.sufficient ? (
        <div class="usa-alert usa-alert--info usa-alert--slim" role="status"><div class="usa-alert__body"><p class="usa-alert__text">
          Not enough responses: the analysis needs at least {analysis.minimum} respondents in each branch; this collection has {count(analysis.trustingN)} trusting
          and {count(analysis.nonTrustingN)} non-trusting.
        </p></div></div>
      ) : (
        <ScrollTable id="driver-analysis" caption={`Drivers ranked by separation (${count(analysis.trustingN)} trusting, ${count(analysis.nonTrustingN)} non-trusting respondents)`}>
          <thead>
            <tr>
              <th scope="col">Driver</th><th scope="col">Trusting: went well</th><th scope="col">Non-trusting: needs improvement</th>
              <th scope="col">Difference</th><th scope="col">95% interval</th><th scope="col">Separation</th>
            </tr>
          </thead>
          <tbody>
            {analysis.drivers.map((d) => (
              <tr key={d.driver}>
                <th scope="row">{DRIVER_LABELS[d.driver]}</th>
                <td>{cited(d.trusting)}</td>
                <td>{cited(d.nonTrusting)}</td>
                <td>{d.difference === null ? '—' : points(d.difference)}</td>
                <td>{d.interval ? `${points(d.interval.lower)} to ${points(d.interval.upper)}` : '—'}</td>
                <td>{d.citedMoreBy === 'trusting' ? 'Clear: cited more by trusting respondents' : d.citedMoreBy === 'non_trusting' ? 'Clear: cited more by non-trusting respondents' : 'Not clear'}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  )
}

/** The service's collections over the last quarters: a line chart of trust with intervals and its data table. */
export function TrendSection({ trend }: { trend: CollectionTrend }) {
  return (
    <>
      <h2>Trend</h2>
      {trend.points.length < 2 ? (
        <p>No earlier collection of “{trend.serviceName}” in the last quarters to compare with.</p>
      ) : (
        <LineChart id="trend-trust" title={`Trust in “${trend.serviceName}”, last ${trend.points.length} quarters`} xLabel="Fiscal quarter" yLabel="Trust share"
          description="Share of respondents who agreed with the trust statement in each quarter's collection, with its 95% interval as a whisker."
          countLabel="Respondents who answered"
          points={trend.points.map((p) => ({ label: p.label, value: p.trust.share, lower: p.trust.interval?.lower ?? null, upper: p.trust.interval?.upper ?? null, n: p.trust.n }))}
          extraColumns={[
            { heading: 'Respondents', cells: trend.points.map((p) => count(p.respondents)) },
            { heading: 'Likert mean', cells: trend.points.map((p) => meanText(p)) },
            { heading: 'Response rate', cells: trend.points.map((p) => rateText(p)) },
            { heading: 'State', cells: trend.points.map((p) => COLLECTION_STATE_LABELS[p.state]) },
          ]} />
      )}
    </>
  )
}
